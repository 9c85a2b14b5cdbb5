//! Limits and hostile clients over real sockets: keepalive pings, idle and
//! head timeouts, the connection cap under a flooding client, and accept
//! errors (EMFILE). Head size, header count, body size and the basic 503 are
//! in `tests/http.rs`; message and frame size in `tests/conformance.rs`;
//! memory and thread bounds in `tests/leaks.rs`.

mod support;

use std::fs::File;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use support::*;
use wsviews::{path, HttpResponse, Message, Request, ServerConfig, UrlPattern};

/// Every log line of this test binary, so tests can check what was logged.
static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct CaptureLog;

impl log::Log for CaptureLog {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Info
    }

    fn log(&self, record: &log::Record<'_>) {
        let line = format!("{} {}", record.level(), record.args());
        if std::env::var_os("RUST_LOG").is_some() {
            eprintln!("{line}");
        }
        LINES.lock().unwrap_or_else(|p| p.into_inner()).push(line);
    }

    fn flush(&self) {}
}

fn init_capture_log() {
    static LOGGER: CaptureLog = CaptureLog;
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(log::LevelFilter::Info);
    }
}

/// Waits until a log line contains every one of `needles`.
fn wait_for_log(needles: &[&str]) {
    wait_until(&format!("a log line with {needles:?}"), || {
        let lines = LINES.lock().unwrap_or_else(|p| p.into_inner());
        lines
            .iter()
            .any(|line| needles.iter().all(|n| line.contains(n)))
    });
}

fn urls(seen: mpsc::Sender<Option<Message>>) -> Vec<UrlPattern> {
    vec![
        path("plain", |_: &Request| HttpResponse::text(200, "plain")),
        seen_view(seen),
    ]
}

fn start(config: ServerConfig) -> (TestServer, mpsc::Receiver<Option<Message>>) {
    init_capture_log();
    let (tx, rx) = mpsc::channel();
    (TestServer::start_with_config(urls(tx), config), rx)
}

/// Reads until the server closes; fails the test if it does not within
/// [`TIMEOUT`] (a read timeout is an error here, not an end).
fn read_until_closed(stream: &TcpStream) -> Vec<u8> {
    let mut out = Vec::new();
    (&*stream)
        .read_to_end(&mut out)
        .expect("the server closes the connection");
    out
}

fn pings() -> ServerConfig {
    ServerConfig::default()
        .ping_interval(Some(Duration::from_millis(100)))
        .ping_timeout(Duration::from_millis(200))
}

#[test]
fn unanswered_keepalive_ping_closes_with_1011_and_wait_returns_none() {
    let (server, seen) = start(pings());
    let stream = raw_websocket(server.addr(), "/seen");
    let (_, opcode, _) = read_server_frame(&stream).expect("a keepalive ping");
    assert_eq!(opcode, 0x9);
    // The client ignores it.
    assert_eq!(read_close_code(&stream), Some(1011));
    assert_eq!(seen.recv_timeout(TIMEOUT).expect("the view ended"), None);
    (&stream)
        .write_all(&client_frame(true, 0x8, &1011u16.to_be_bytes()))
        .expect("close reply");
    assert!(read_until_closed(&stream).is_empty());
}

#[test]
fn without_ping_interval_an_idle_websocket_outlives_the_head_timeout_unpinged() {
    // The socket's read timeout during the request head must not follow it
    // into the WebSocket: no ping, no close, however long it is idle.
    let config = ServerConfig::default().head_timeout(Duration::from_millis(100));
    let (server, seen) = start(config);
    let stream = raw_websocket(server.addr(), "/seen");
    stream
        .set_read_timeout(Some(Duration::from_millis(600)))
        .expect("timeout");
    let mut byte = [0u8; 1];
    let idle = (&stream).read(&mut byte);
    assert!(
        matches!(&idle, Err(e) if e.kind() == std::io::ErrorKind::WouldBlock || e.kind() == std::io::ErrorKind::TimedOut),
        "the server sent something to an idle WebSocket: {idle:?} {byte:?}"
    );
    (&stream)
        .write_all(&client_frame(true, 0x1, b"after a while"))
        .expect("text");
    assert_eq!(
        seen.recv_timeout(TIMEOUT).expect("a message"),
        Some(Message::Text("after a while".into()))
    );
}

#[test]
fn answered_keepalive_pings_keep_the_websocket_open() {
    let (server, seen) = start(pings());
    let stream = raw_websocket(server.addr(), "/seen");
    for _ in 0..3 {
        let (_, opcode, payload) = read_server_frame(&stream).expect("a keepalive ping");
        assert_eq!(opcode, 0x9);
        (&stream)
            .write_all(&client_frame(true, 0xA, &payload))
            .expect("pong");
    }
    (&stream)
        .write_all(&client_frame(true, 0x1, b"still here"))
        .expect("text");
    assert_eq!(
        seen.recv_timeout(TIMEOUT).expect("a message"),
        Some(Message::Text("still here".into()))
    );
}

#[test]
fn idle_keep_alive_connection_is_closed() {
    let config = ServerConfig::default().idle_timeout(Duration::from_millis(200));
    let (server, _) = start(config);
    let stream = connect(server.addr());
    (&stream)
        .write_all(b"GET /plain HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("request");
    let all = String::from_utf8(read_until_closed(&stream)).expect("UTF-8");
    assert!(
        all.starts_with("HTTP/1.1 200 OK\r\n") && all.ends_with("plain"),
        "{all}"
    );
    wait_until("the connection is gone", || {
        server.handle().connection_count() == 0
    });
}

#[test]
fn head_timeout_closes_and_logs() {
    let config = ServerConfig::default().head_timeout(Duration::from_millis(200));
    let (server, _) = start(config);
    let stalled = connect(server.addr());
    (&stalled)
        .write_all(b"GET /plain HTTP/1.1\r\nHost:")
        .expect("half a head");
    assert!(read_until_closed(&stalled).is_empty());
    let peer = stalled.local_addr().expect("address").to_string();
    wait_for_log(&["WARN", &peer, "request head not completed"]);
}

#[test]
fn refused_clients_never_stall_the_accept_loop() {
    let config = ServerConfig::default().max_connections(1);
    let (server, _) = start(config);
    let held = connect(server.addr());
    wait_until("the held connection is registered", || {
        server.handle().connection_count() == 1
    });
    // A refused client that never stops sending.
    let flooder = connect(server.addr());
    let stop = Arc::new(AtomicBool::new(false));
    let flood = {
        let stop = Arc::clone(&stop);
        let flooder = flooder.try_clone().expect("clone");
        std::thread::spawn(move || {
            let chunk = [b'x'; 64 * 1024];
            while !stop.load(Ordering::Relaxed) && (&flooder).write_all(&chunk).is_ok() {}
        })
    };
    // Every other refused client still gets its 503 and a closed socket.
    for _ in 0..20 {
        let refused = connect(server.addr());
        (&refused)
            .write_all(b"GET /plain HTTP/1.1\r\nHost: x\r\n\r\n")
            .expect("request");
        let all = String::from_utf8(read_until_closed(&refused)).expect("UTF-8");
        assert!(all.starts_with("HTTP/1.1 503 "), "{all}");
        assert!(all.contains("\r\nRetry-After: 1\r\n"), "{all}");
    }
    stop.store(true, Ordering::Relaxed);
    let _ = flooder.shutdown(std::net::Shutdown::Both);
    flood.join().expect("flood thread");
    drop(held);
    wait_until("the held connection is gone", || {
        server.handle().connection_count() == 0
    });
    assert_eq!(server.get("/plain").status, 200);
}

/// Set in the child process of [`accept_survives_emfile`].
const EMFILE_CHILD: &str = "WSVIEWS_EMFILE_CHILD";

/// Runs [`emfile_child`] in a child process whose open-file limit is lowered
/// with the shell's `ulimit -n` (no `unsafe` `setrlimit` needed).
#[test]
fn accept_survives_emfile() {
    let exe = std::env::current_exe().expect("test binary");
    let output = std::process::Command::new("sh")
        .arg("-c")
        .arg(r#"ulimit -n 128 && exec "$0" "$@""#)
        .arg(exe)
        .args(["emfile_child", "--exact", "--nocapture", "--test-threads=1"])
        .env(EMFILE_CHILD, "1")
        .output()
        .expect("run the child");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "child failed:\n{all}");
    assert!(
        all.contains("1 passed"),
        "the child test did not run:\n{all}"
    );
}

/// In the child: use up every file descriptor, connect with the last one so
/// the server's `accept` fails with EMFILE, check the error is logged, free
/// the descriptors and check the pending connection is then served.
#[test]
fn emfile_child() {
    if std::env::var_os(EMFILE_CHILD).is_none() {
        return;
    }
    let (server, _) = start(ServerConfig::default());
    let mut hog = Vec::new();
    while let Ok(file) = File::open("/dev/null") {
        hog.push(file);
    }
    hog.pop();
    let client = TcpStream::connect(server.addr()).expect("connect with the last descriptor");
    client.set_read_timeout(Some(TIMEOUT)).expect("timeout");
    wait_for_log(&["ERROR", "accept failed", "os error 24"]);
    drop(hog);
    (&client)
        .write_all(b"GET /plain HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .expect("request");
    let all = String::from_utf8(read_until_closed(&client)).expect("UTF-8");
    assert!(all.starts_with("HTTP/1.1 200 OK\r\n"), "{all}");
    assert_eq!(server.get("/plain").status, 200, "and keeps accepting");
    eprintln!(
        "EMFILE log lines: {}",
        LINES
            .lock()
            .expect("lines")
            .iter()
            .filter(|l| l.contains("os error 24"))
            .count()
    );
}
