//! Keepalive pings over real sockets, however the view reads: blocked in
//! `wait`, polling `read`, or only sending, a silent client is pinged and
//! then dropped (`close_reason()` says `TimedOut`), an answering one stays;
//! and all of it runs on one timer thread per server, so an idle WebSocket
//! costs its own thread only.
//!
//! One test in this binary, its parts one after the other: it counts the
//! process's threads by name, which a concurrent test would skew.

mod support;

use std::io::Write;
use std::sync::{mpsc, Mutex};
use std::time::{Duration, Instant};

use support::*;
use wsviews::{path, require_websocket, CloseReason, Message, Request, ServerConfig, UrlPattern};

/// What a view saw at its end: how it read, the close reason, and the
/// error its last send got, if it sent.
type Report = (String, Option<CloseReason>, Option<String>);

/// `/mode/<how>`: reads in the way `how` names until the WebSocket closes,
/// then reports; `/talk`: sends 20 messages, 30 ms apart, then returns.
fn urls(report: mpsc::Sender<Report>) -> Vec<UrlPattern> {
    let report = Mutex::new(report);
    vec![
        path(
            "mode/<str:how>",
            require_websocket(move |request: &Request| {
                let websocket = request.websocket().expect("a WebSocket");
                let how = request.kwarg("how").unwrap_or_default().to_owned();
                let error = read_until_closed(websocket, &how);
                let reason = websocket.close_reason();
                let _ = report.lock().expect("lock").send((how, reason, error));
            }),
        ),
        path(
            "talk",
            require_websocket(|request: &Request| -> wsviews::Result<()> {
                let websocket = request.websocket().expect("a WebSocket");
                for i in 0..20 {
                    websocket.send(format!("message {i}"))?;
                    std::thread::sleep(Duration::from_millis(30));
                }
                Ok(())
            }),
        ),
    ]
}

/// The view's loop, bounded so that a failure ends the test, not hangs it.
fn read_until_closed(websocket: &wsviews::WebSocket, how: &str) -> Option<String> {
    let deadline = Instant::now() + TIMEOUT;
    while Instant::now() < deadline {
        match how {
            // A message, or the end: `None`, no error.
            "wait" => drop(websocket.wait()?),
            "read" => {
                let _ = websocket.read();
                if websocket.is_closed() {
                    return None;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            "send" => {
                if let Err(e) = websocket.send("still there?") {
                    return Some(format!("{e:?}"));
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            other => panic!("unknown mode {other}"),
        }
    }
    Some("still open at the deadline".into())
}

/// The names of this process's threads.
fn thread_names() -> Vec<String> {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return Vec::new();
    };
    tasks
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .map(|name| name.trim().to_owned())
        .collect()
}

fn count_threads(prefix: &str) -> usize {
    thread_names()
        .iter()
        .filter(|n| n.starts_with(prefix))
        .count()
}

#[test]
fn keepalive_in_every_mode_from_one_timer_thread() {
    init_test_log();
    idle_websockets_share_one_timer_thread();
    a_silent_client_is_dropped_however_the_view_reads();
    an_answering_client_stays_connected();
}

fn idle_websockets_share_one_timer_thread() {
    let (tx, _rx) = mpsc::channel();
    let config = ServerConfig::default().ping_interval(Some(Duration::from_secs(30)));
    let server = TestServer::start_with_config(urls(tx), config);
    assert_eq!(
        count_threads("wsviews-keepali"),
        0,
        "no WebSocket, no timer"
    );
    let sockets: Vec<_> = (0..10)
        .map(|_| raw_websocket(server.addr(), "/mode/wait"))
        .collect();
    // The keepalive watches a WebSocket from just after its 101: ten of
    // them share one timer thread, and each costs its own thread only.
    wait_until("the timer thread runs", || {
        count_threads("wsviews-keepali") == 1
    });
    assert_eq!(count_threads("wsviews-conn"), 10, "{:?}", thread_names());
    assert_eq!(count_threads("wsviews-keepali"), 1);
    drop(sockets);
    drop(server);
    wait_until("the timer thread ends with its server", || {
        count_threads("wsviews-keepali") == 0
    });
}

fn pinging_server() -> (TestServer, mpsc::Receiver<Report>) {
    let (tx, rx) = mpsc::channel();
    let config = ServerConfig::default()
        .ping_interval(Some(Duration::from_millis(100)))
        .ping_timeout(Duration::from_millis(100));
    (TestServer::start_with_config(urls(tx), config), rx)
}

fn a_silent_client_is_dropped_however_the_view_reads() {
    let (server, reports) = pinging_server();
    for how in ["wait", "read", "send"] {
        let started = Instant::now();
        let stream = raw_websocket(server.addr(), &format!("/mode/{how}"));
        // The client reads what comes (a ping among the view's messages) but
        // never answers.
        let mut pinged = false;
        while let Some((_, opcode, _)) = read_server_frame(&stream) {
            pinged |= opcode == 0x9;
        }
        assert!(pinged, "{how}: no keepalive ping");
        let (mode, reason, error) = reports.recv_timeout(TIMEOUT).expect("the view ended");
        assert_eq!(mode, how);
        assert_eq!(reason, Some(CloseReason::TimedOut), "{how}");
        if how == "send" {
            assert_eq!(error.as_deref(), Some("ConnectionClosed"));
        } else {
            assert_eq!(error, None, "{how}");
        }
        // Not asserted, only shown: interval + timeout is 200 ms.
        eprintln!("{how}: silent client dropped after {:?}", started.elapsed());
    }
}

fn an_answering_client_stays_connected() {
    let (server, reports) = pinging_server();
    let mut ws = server.websocket("/talk");
    // tungstenite answers pings while it reads: 600 ms of messages, three
    // times interval + timeout, arrive in full, then the view's own close.
    let received: Vec<Message> = std::iter::from_fn(|| ws.recv()).collect();
    assert_eq!(received.len(), 20);
    assert_eq!(ws.close_code(), Some(1000));

    // A raw client that answers each ping stays too, with its view blocked
    // in wait() until the client's own close.
    let stream = raw_websocket(server.addr(), "/mode/wait");
    for _ in 0..3 {
        let (_, opcode, payload) = read_server_frame(&stream).expect("a ping");
        assert_eq!(opcode, 0x9);
        (&stream)
            .write_all(&client_frame(true, 0xA, &payload))
            .expect("pong");
    }
    (&stream)
        .write_all(&client_frame(true, 0x8, &1000u16.to_be_bytes()))
        .expect("close");
    assert_eq!(read_close_code(&stream), Some(1000));
    let (_, reason, _) = reports.recv_timeout(TIMEOUT).expect("the view ended");
    assert_eq!(
        reason,
        Some(CloseReason::Client {
            code: 1000,
            reason: String::new()
        })
    );
}
