//! The example apps as child processes: `runserver` on a free port (read
//! back from its start-up line) or `runworker`, with their log captured,
//! signalled and stopped by PID; and a small WebSocket client for them.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use tungstenite::stream::MaybeTlsStream;

use crate::examples::example_binary;

/// How long a child process may take to start.
const START_TIMEOUT: Duration = Duration::from_secs(20);
/// How long a test client waits for a message.
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// A running example app, stopped by PID when dropped.
pub struct App {
    child: Child,
    /// Where `runserver` listens (unset for `runworker`).
    pub addr: Option<SocketAddr>,
    log: Arc<Mutex<String>>,
}

/// The line `runserver` prints once it listens.
const SERVER_READY: &str = "Starting development server at ";

impl App {
    /// `example runserver 127.0.0.1:0 --multithreaded ARGS...`, once it
    /// listens.
    pub fn runserver(example: &str, args: &[&str]) -> App {
        let mut full = vec!["--multithreaded"];
        full.extend_from_slice(args);
        App::server(example, &full)
    }

    /// `example runserver 127.0.0.1:0 ARGS...` (exactly these options), once
    /// it listens.
    pub fn server(example: &str, args: &[&str]) -> App {
        App::server_in(example, None, args)
    }

    /// As [`server`](Self::server), run in directory `dir`.
    pub fn server_in(example: &str, dir: Option<&Path>, args: &[&str]) -> App {
        let mut full = vec!["runserver", "127.0.0.1:0"];
        full.extend_from_slice(args);
        let mut app = App::spawn(example, dir, &full, SERVER_READY);
        let banner = app.wait_for_log(SERVER_READY, START_TIMEOUT);
        let addr = banner
            .split("://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .and_then(|addr| addr.parse().ok());
        app.addr = Some(addr.unwrap_or_else(|| panic!("no address in {banner:?}")));
        app
    }

    /// `example runworker ARGS...`, once it listens.
    pub fn runworker(example: &str, args: &[&str]) -> App {
        let mut full = vec!["runworker"];
        full.extend_from_slice(args);
        App::spawn(example, None, &full, "Running worker")
    }

    fn spawn(example: &str, dir: Option<&Path>, args: &[&str], ready_line: &str) -> App {
        let mut command = Command::new(example_binary(example));
        command
            .args(args)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(dir) = dir {
            command.current_dir(dir);
        }
        let mut child = command.spawn().expect("start the example");
        let log = Arc::new(Mutex::new(String::new()));
        capture(child.stdout.take().expect("stdout"), Arc::clone(&log));
        capture(child.stderr.take().expect("stderr"), Arc::clone(&log));
        let app = App {
            child,
            addr: None,
            log,
        };
        app.wait_for_log(ready_line, START_TIMEOUT);
        app
    }

    /// The server's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr.expect("a runserver app")
    }

    /// Everything the process printed so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Waits until the process printed a line containing `needle`, and
    /// returns that line; fails the test otherwise.
    pub fn wait_for_log(&self, needle: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(line) = self.log().lines().find(|l| l.contains(needle)) {
                return line.to_owned();
            }
            assert!(
                Instant::now() < deadline,
                "{needle:?} not logged within {timeout:?}; log:\n{}",
                self.log()
            );
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Sends `signal` (`"TERM"`, `"INT"`) to the process.
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([format!("-{signal}"), self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success(), "kill -{signal} failed");
    }

    /// Waits for the process to exit by itself; fails the test if it has
    /// not within `within`.
    pub fn wait_exit(&mut self, within: Duration) -> ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            assert!(Instant::now() < deadline, "did not exit within {within:?}");
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Copies a child's output into `log`, line by line, on a thread.
fn capture(stream: impl Read + Send + 'static, log: Arc<Mutex<String>>) {
    thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            let mut log = log.lock().unwrap_or_else(|p| p.into_inner());
            log.push_str(&line);
            log.push('\n');
        }
    });
}

/// A WebSocket client with a read timeout.
pub struct Client {
    socket: tungstenite::WebSocket<MaybeTlsStream<TcpStream>>,
}

impl Client {
    /// Opens `ws://addr{path}`.
    pub fn connect(addr: SocketAddr, path: &str) -> Client {
        let stream = TcpStream::connect(addr).expect("connect");
        stream.set_read_timeout(Some(TIMEOUT)).expect("timeout");
        let url = format!("ws://{addr}{path}");
        let (socket, _) = tungstenite::client(url.as_str(), MaybeTlsStream::Plain(stream))
            .expect("WebSocket handshake");
        Client { socket }
    }

    /// Sends a text message.
    pub fn send(&mut self, text: &str) {
        self.socket
            .send(tungstenite::Message::text(text))
            .expect("send");
    }

    /// The next text message; fails the test after [`TIMEOUT`].
    pub fn recv(&mut self) -> String {
        loop {
            match self.socket.read().expect("a message within the timeout") {
                tungstenite::Message::Text(text) => return text.as_str().to_owned(),
                tungstenite::Message::Close(frame) => panic!("closed by the server: {frame:?}"),
                _ => {}
            }
        }
    }
}

/// `GET path` on a new connection: the status code.
pub fn get_status(addr: SocketAddr, path: &str) -> u16 {
    get(addr, path).0
}

/// `GET path` on a new connection: the status code and body.
pub fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    use std::io::Write;
    let stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(TIMEOUT)).expect("timeout");
    let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    (&stream).write_all(request.as_bytes()).expect("write");
    let response =
        wsviews::test::read_response(&mut BufReader::new(stream), false).expect("an HTTP response");
    (response.status, response.text())
}
