//! The Python side of the channels_redis interop tests: the venv that
//! scripts/test.sh makes, daphne serving tests/django_site, and
//! tests/django_site/layer_tool.py (channels_redis driven by JSON lines).
//! Every child is stopped by PID when dropped.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

/// How long daphne or the layer tool may take to start (Django imports).
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// How long one layer-tool command may take, beyond its own timeout.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);

/// The interop venv: `$WSVIEWS_INTEROP_VENV`, else `target/interop-venv`
/// (where scripts/test.sh makes it). `None` when there is none and this is
/// not CI, so that a plain `cargo test` on a machine without it skips;
/// under `CI=true` a missing venv fails the test.
pub fn venv() -> Option<PathBuf> {
    let dir = std::env::var_os("WSVIEWS_INTEROP_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/interop-venv"));
    if dir.join("bin/daphne").exists() {
        return Some(dir);
    }
    let hint = "the Django interop venv is missing: run scripts/test.sh, which makes it";
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{hint} (looked in {})", dir.display());
    }
    eprintln!("SKIPPED: {hint} (looked in {})", dir.display());
    None
}

fn site_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/django_site")
}

/// A Python child process with its output captured.
pub struct Process {
    child: Child,
    log: Arc<Mutex<String>>,
}

impl Process {
    fn spawn(mut command: Command) -> (Process, Option<ChildStdin>, Receiver<String>) {
        command
            .current_dir(site_dir())
            .env("PYTHONUNBUFFERED", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command
            .spawn()
            .expect("start a Python process from the venv");
        let log = Arc::new(Mutex::new(String::new()));
        let (lines, receiver) = mpsc::channel();
        capture(child.stderr.take().expect("stderr"), Arc::clone(&log), None);
        capture(
            child.stdout.take().expect("stdout"),
            Arc::clone(&log),
            Some(lines),
        );
        let stdin = child.stdin.take();
        (Process { child, log }, stdin, receiver)
    }

    /// Everything the process printed so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Waits for a line containing `needle`, and returns it.
    pub fn wait_for_log(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(line) = self.log().lines().find(|l| l.contains(needle)) {
                return line.to_owned();
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("exited ({status}) before {needle:?}; log:\n{}", self.log());
            }
            assert!(
                Instant::now() < deadline,
                "no {needle:?}; log:\n{}",
                self.log()
            );
            thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn capture(
    stream: impl Read + Send + 'static,
    log: Arc<Mutex<String>>,
    lines: Option<mpsc::Sender<String>>,
) {
    thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            {
                let mut log = log.lock().unwrap_or_else(|p| p.into_inner());
                log.push_str(&line);
                log.push('\n');
            }
            if let Some(lines) = &lines {
                let _ = lines.send(line);
            }
        }
    });
}

/// daphne serving the Django Channels chat site on a free port, with
/// channels_redis on `redis_url`.
pub struct Daphne {
    pub process: Process,
    pub addr: SocketAddr,
}

impl Daphne {
    pub fn start(venv: &Path, redis_url: &str, capacity: usize) -> Daphne {
        let mut command = Command::new(venv.join("bin/daphne"));
        command
            .args([
                "-b",
                "127.0.0.1",
                "-p",
                "0",
                "-v",
                "1",
                "chatsite.asgi:application",
            ])
            .env("DJANGO_SETTINGS_MODULE", "chatsite.settings")
            .env("REDIS_URL", redis_url)
            .env("LAYER_CAPACITY", capacity.to_string());
        let (mut process, _stdin, _lines) = Process::spawn(command);
        let line = process.wait_for_log("Listening on TCP address");
        let addr = line
            .rsplit(' ')
            .next()
            .and_then(|addr| addr.trim().parse().ok())
            .unwrap_or_else(|| panic!("no address in {line:?}"));
        Daphne { process, addr }
    }
}

/// channels_redis' own layer in a Python process, one JSON command a line.
pub struct LayerTool {
    process: Process,
    stdin: ChildStdin,
    answers: Receiver<String>,
}

impl LayerTool {
    pub fn start(venv: &Path, redis_url: &str, capacity: usize, expiry: u64) -> LayerTool {
        let mut command = Command::new(venv.join("bin/python"));
        command.args([
            "layer_tool.py",
            redis_url,
            &capacity.to_string(),
            &expiry.to_string(),
        ]);
        let (process, stdin, answers) = Process::spawn(command);
        let mut tool = LayerTool {
            process,
            stdin: stdin.expect("stdin"),
            answers,
        };
        let ready = tool.answer(START_TIMEOUT);
        assert_eq!(ready["ready"], true, "{ready}");
        tool
    }

    /// Runs one command and returns its answer.
    pub fn call(&mut self, command: Value) -> Value {
        writeln!(self.stdin, "{command}").expect("write to the layer tool");
        self.stdin.flush().expect("flush");
        self.answer(CALL_TIMEOUT)
    }

    fn answer(&mut self, timeout: Duration) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self.answers.recv_timeout(left).unwrap_or_else(|_| {
                panic!(
                    "the layer tool did not answer; log:\n{}",
                    self.process.log()
                )
            });
            if let Ok(value) = serde_json::from_str::<Value>(&line) {
                return value;
            }
        }
    }
}
