//! The demo binary's `runserver` as a process: under SIGTERM and SIGINT it
//! closes an open WebSocket with 1001 and exits 0 within the shutdown
//! deadline; it serves `./static` like Django's `runserver`.

#[path = "support/examples.rs"]
mod examples;
#[path = "support/processes.rs"]
mod processes;
mod support;

use std::io::Write;
use std::time::Duration;

use processes::App;

use support::*;

#[test]
fn sigterm_closes_websockets_with_1001_and_exits_0() {
    stop_with("TERM");
}

#[test]
fn sigint_does_the_same() {
    stop_with("INT");
}

fn stop_with(signal: &str) {
    let mut demo = App::server_in(
        "demo",
        Some(&std::env::temp_dir()),
        &["--multithreaded", "-v", "1", "--nostatic"],
    );
    let ws = raw_websocket(demo.addr(), "/echo");
    (&ws)
        .write_all(&client_frame(true, 1, b"hi"))
        .expect("send");
    assert_eq!(read_server_frame(&ws).map(|f| f.2), Some(b"hi".to_vec()));

    demo.signal(signal);

    assert_eq!(read_close_code(&ws), Some(1001));
    (&ws)
        .write_all(&client_frame(true, 8, &1001u16.to_be_bytes()))
        .expect("close reply");
    // The default shutdown deadline is 5 s; give the process a margin.
    let status = demo.wait_exit(Duration::from_secs(10));
    assert!(status.success(), "{status}");
    for line in [
        format!("SIG{signal}: shutting down gracefully"),
        "1 WebSocket(s) closed with 1001".to_owned(),
        "\"GET /echo HTTP/1.1\" 101".to_owned(),
    ] {
        demo.wait_for_log(&line, TIMEOUT);
    }
}

#[test]
fn runserver_serves_the_static_directory() {
    let dir = std::env::temp_dir().join(format!("wsviews-runserver-static-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("static/js")).expect("static dir");
    std::fs::write(dir.join("static/js/app.js"), "alert(1)").expect("app.js");
    let mut demo = App::server_in("demo", Some(&dir), &["--multithreaded", "-v", "1"]);
    let addr = demo.addr();
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
    demo.signal("TERM");
    assert!(demo.wait_exit(Duration::from_secs(10)).success());
    let _ = std::fs::remove_dir_all(&dir);
}
