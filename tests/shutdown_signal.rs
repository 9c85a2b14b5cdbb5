//! `runserver` under SIGTERM and SIGINT: the demo binary closes an open WebSocket with
//! 1001 and exits 0 within the shutdown deadline.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::*;

/// `target/debug/examples/demo`, next to this test's `deps/` directory;
/// built first if a filtered `cargo test` did not build it.
fn demo_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable");
    let target = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target dir");
    let demo = target.join("examples").join("demo");
    if !demo.exists() {
        let status = Command::new(env!("CARGO"))
            .args(["build", "--example", "demo"])
            .status()
            .expect("cargo build --example demo");
        assert!(status.success());
    }
    demo
}

/// Starts `demo runserver` on a free port; returns it and its address.
fn start_demo() -> (Child, SocketAddr) {
    let mut child = Command::new(demo_binary())
        .args([
            "runserver",
            "127.0.0.1:0",
            "--multithreaded",
            "--nostatic",
            "-v",
            "1",
        ])
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("demo starts");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("banner");
    let addr = line
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .and_then(|addr| addr.parse().ok())
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    // Keep reading: a closed pipe would make the server's next println fail.
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    (child, addr)
}

/// Waits (bounded) for the child to exit.
fn wait_exit(child: &mut Child, within: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("runserver did not exit within {within:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn sigterm_closes_websockets_with_1001_and_exits_0() {
    stop_with("TERM");
}

#[test]
fn sigint_does_the_same() {
    stop_with("INT");
}

fn stop_with(signal: &str) {
    let (mut child, addr) = start_demo();
    let ws = raw_websocket(addr, "/echo");
    (&ws)
        .write_all(&client_frame(true, 1, b"hi"))
        .expect("send");
    assert_eq!(read_server_frame(&ws).map(|f| f.2), Some(b"hi".to_vec()));

    let kill = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(kill.success());

    assert_eq!(read_close_code(&ws), Some(1001));
    (&ws)
        .write_all(&client_frame(true, 8, &1001u16.to_be_bytes()))
        .expect("close reply");
    // The default shutdown deadline is 5 s; give the process a margin.
    let status = wait_exit(&mut child, Duration::from_secs(10));
    assert!(status.success(), "{status}");

    let mut log = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut log)
        .expect("log");
    assert!(
        log.contains(&format!("SIG{signal}: shutting down gracefully")),
        "{log}"
    );
    assert!(log.contains("1 WebSocket(s) closed with 1001"), "{log}");
    assert!(log.contains("\"GET /echo HTTP/1.1\" 101"), "{log}");
}
