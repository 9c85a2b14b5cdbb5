//! The demo binary's `runserver` as a process: under SIGTERM and SIGINT it
//! closes an open WebSocket with 1001 and exits 0 within the shutdown
//! deadline; it serves `./static` like Django's `runserver`.

#[path = "support/examples.rs"]
mod examples;
mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::*;

/// The demo binary, built with this test's features and profile.
fn demo_binary() -> PathBuf {
    examples::example_binary("demo")
}

/// Starts `demo runserver` on a free port in `dir`, with `extra` options;
/// returns it and its address.
fn start_demo(dir: &Path, extra: &[&str]) -> (Child, SocketAddr) {
    let mut child = Command::new(demo_binary())
        .args(["runserver", "127.0.0.1:0", "--multithreaded", "-v", "1"])
        .args(extra)
        .current_dir(dir)
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("demo starts");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    while !line.starts_with("Starting") {
        line.clear();
        assert!(
            stdout.read_line(&mut line).expect("banner") > 0,
            "no banner"
        );
    }
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
    let (mut child, addr) = start_demo(&std::env::temp_dir(), &["--nostatic"]);
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

#[test]
fn runserver_serves_the_static_directory() {
    let dir = std::env::temp_dir().join(format!("wsviews-runserver-static-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("static/js")).expect("static dir");
    std::fs::write(dir.join("static/js/app.js"), "alert(1)").expect("app.js");
    let (mut child, addr) = start_demo(&dir, &[]);
    let get = |target: &str| {
        let head = format!("GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        raw_request(addr, head.as_bytes())
    };
    let script = get("/static/js/app.js");
    assert_eq!(script.status, 200);
    assert_eq!(
        script.header("Content-Type"),
        Some("text/javascript; charset=utf-8")
    );
    assert_eq!(script.text(), "alert(1)");
    assert_eq!(get("/static/js/../../static/js/app.js").status, 404);
    assert_eq!(get("/plain").text(), "plain");
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    assert!(wait_exit(&mut child, Duration::from_secs(10)).success());
    let _ = std::fs::remove_dir_all(&dir);
}
