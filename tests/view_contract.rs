//! The view's contract with its WebSocket, over real sockets: the handshake
//! completes when the view uses the socket (so a view can refuse it with an
//! HTTP status), a client leaving is not a server error, stacks are large
//! enough for real views, and a single-threaded server closes HTTP
//! connections after each response.

#[path = "support/capture_log.rs"]
mod capture_log;
mod support;

use std::io::{BufReader, Write};
use std::net::TcpStream;
use std::sync::{mpsc, Mutex};
use std::time::Duration;

use support::*;
use wsviews::test::HandshakeError;
use wsviews::{
    accept_websocket, path, require_websocket, CloseReason, HttpResponse, Message, Received,
    Request, ServerConfig, UrlPattern,
};

/// `/refuse`: 401 without touching the socket; `/close-first`: closes before
/// accepting; `/use/<how>`: uses the socket as `how` says, then returns.
fn urls() -> Vec<UrlPattern> {
    vec![
        path(
            "refuse",
            require_websocket(|_: &Request| HttpResponse::text(401, "who are you?")),
        ),
        path(
            "close-first",
            require_websocket(|request: &Request| {
                let websocket = request.websocket().expect("a WebSocket");
                websocket.close().expect("refused");
                assert!(websocket.is_closed());
                assert!(websocket.send("too late").is_err());
                HttpResponse::new("ignored")
            }),
        ),
        path("use/<str:how>", require_websocket(use_socket)),
        path("plain", |_: &Request| "plain"),
        path("both", accept_websocket(|_: &Request| "not a WebSocket")),
    ]
}

/// Uses the WebSocket in one of the ways that complete the handshake.
fn use_socket(request: &Request) -> wsviews::Result<()> {
    let websocket = request.websocket().expect("a WebSocket");
    assert!(!websocket.is_accepted());
    match request.kwarg("how").unwrap_or_default() {
        "wait" => drop(websocket.wait()),
        "read" => drop(websocket.read()),
        "send" => websocket.send("sent")?,
        "iterate" => drop(websocket.iter().next()),
        "count" => drop(websocket.count_messages()),
        "has" => drop(websocket.has_messages()),
        "sender" => websocket.sender().send("from a sender")?,
        "accept" => websocket.accept()?,
        "reply_channel" => assert!(websocket.reply_channel().is_some()),
        other => panic!("unknown use {other}"),
    }
    assert!(websocket.is_accepted());
    Ok(())
}

fn start() -> TestServer {
    capture_log::install();
    TestServer::start(urls())
}

/// Sends a handshake on `stream` and reads the HTTP answer.
fn answer(stream: &TcpStream, path: &str, extra: &[&str]) -> TestResponse {
    (&*stream)
        .write_all(handshake(path, extra).as_bytes())
        .expect("send the handshake");
    read_response(&mut BufReader::new(stream), false).expect("an HTTP answer")
}

#[test]
fn a_view_that_returns_without_using_the_socket_refuses_with_its_response() {
    let server = start();
    let stream = connect(server.addr());
    let refused = answer(&stream, "/refuse", &[]);
    assert_eq!(
        (refused.status, refused.text()),
        (401, "who are you?".into())
    );
    assert!(refused.header("Upgrade").is_none());
    // Kept alive as HTTP says: the next request on the connection is served.
    (&stream)
        .write_all(b"GET /plain HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("a second request");
    let plain = read_response(&mut BufReader::new(&stream), false).expect("an answer");
    assert_eq!(plain.text(), "plain");

    // A view taking both kinds that returns at once refuses with its page.
    let both = answer(&connect(server.addr()), "/both", &[]);
    assert_eq!((both.status, both.text()), (200, "not a WebSocket".into()));

    // A WebSocket client sees the status.
    match server.websocket_with("/refuse", &[]) {
        Err(HandshakeError::Refused(response)) => assert_eq!(response.status, 401),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn closing_before_accepting_refuses_with_403() {
    let server = start();
    let refused = answer(&connect(server.addr()), "/close-first", &[]);
    assert_eq!(refused.status, 403);
}

#[test]
fn every_use_of_the_socket_completes_the_handshake() {
    let server = start();
    for how in [
        "wait",
        "read",
        "send",
        "iterate",
        "count",
        "has",
        "sender",
        "accept",
        "reply_channel",
    ] {
        let mut ws = server.websocket(&format!("/use/{how}"));
        // The waiting uses get a message; the others return at once.
        if matches!(how, "wait" | "iterate") {
            ws.send("go");
        }
        let mut got = Vec::new();
        while let Some(message) = ws.recv() {
            got.push(message);
        }
        assert_eq!(ws.close_code(), Some(1000), "{how}");
        let expected: Vec<Message> = match how {
            "send" => vec!["sent".into()],
            "sender" => vec!["from a sender".into()],
            _ => vec![],
        };
        assert_eq!(got, expected, "{how}");
    }
}

#[test]
fn a_view_picks_the_subprotocol_when_it_accepts() {
    capture_log::install();
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let server = TestServer::start(vec![path(
        "pick",
        require_websocket(move |request: &Request| {
            let websocket = request.websocket().expect("a WebSocket");
            let offered = websocket.offered_protocols().to_vec();
            let refused = websocket.accept_with_protocol("not-offered").is_err();
            let accepted = websocket.accept_with_protocol("chat.v1").is_ok();
            let changed = websocket.accept_with_protocol("chat.v2").is_err();
            let report = (
                offered,
                refused,
                accepted,
                changed,
                websocket.protocol().map(str::to_owned),
            );
            tx.lock().expect("lock").send(report).expect("report");
        }),
    )]);
    let ws = server
        .websocket_with("/pick", &[("Sec-WebSocket-Protocol", "chat.v2, chat.v1")])
        .expect("accepted");
    assert_eq!(ws.protocol(), Some("chat.v1"));
    let (offered, refused, accepted, changed, protocol) = rx.recv_timeout(TIMEOUT).expect("report");
    assert_eq!(offered, ["chat.v2", "chat.v1"]);
    assert!(refused && accepted && changed);
    assert_eq!(protocol.as_deref(), Some("chat.v1"));
}

#[test]
fn a_view_that_panics_before_accepting_answers_500() {
    capture_log::install();
    let server = TestServer::start(vec![path(
        "panic",
        require_websocket(|_: &Request| -> () { panic!("before accepting") }),
    )]);
    let refused = answer(&connect(server.addr()), "/panic", &[]);
    assert_eq!(refused.status, 500);
}

#[test]
fn sending_to_a_client_that_left_is_connection_closed_and_logged_at_debug() {
    capture_log::install();
    let (left_tx, left_rx) = mpsc::channel::<()>();
    let (result_tx, result_rx) = mpsc::channel();
    let (left_rx, result_tx) = (Mutex::new(left_rx), Mutex::new(result_tx));
    let server = TestServer::start(vec![path(
        "leaver",
        require_websocket(move |request: &Request| -> wsviews::Result<()> {
            let websocket = request.websocket().expect("a WebSocket");
            websocket.send("hello")?;
            left_rx
                .lock()
                .expect("lock")
                .recv()
                .expect("the client left");
            // The first writes may still reach the kernel; soon one fails.
            let error = loop {
                if let Err(e) = websocket.send("are you there?") {
                    break e;
                }
            };
            let closed = matches!(error, wsviews::Error::ConnectionClosed);
            result_tx
                .lock()
                .expect("lock")
                .send(closed)
                .expect("report");
            Err(error)
        }),
    )]);
    let stream = raw_websocket(server.addr(), "/leaver");
    assert_eq!(
        read_server_frame(&stream).map(|f| f.2),
        Some(b"hello".to_vec())
    );
    // Leave with a reset, as a crashed client or a dropped network does.
    socket2::SockRef::from(&stream)
        .set_linger(Some(Duration::ZERO))
        .expect("linger 0");
    drop(stream);
    left_tx.send(()).expect("signal");
    assert!(result_rx
        .recv_timeout(TIMEOUT)
        .expect("the view's send failed"));
    capture_log::wait_for(log::Level::Debug, "the client went away");
    assert!(
        !capture_log::any(log::Level::Error, "view returned"),
        "a client leaving was logged as an error"
    );
}

#[test]
fn a_view_with_a_512_kib_stack_frame_runs_on_the_default_stack() {
    capture_log::install();
    let server = TestServer::start(vec![
        path(
            "big",
            require_websocket(|request: &Request| -> wsviews::Result<()> {
                let websocket = request.websocket().expect("a WebSocket");
                // One 512 KiB local; passed by reference so that it is
                // neither copied nor optimised away.
                let mut frame = [0u8; 512 * 1024];
                frame[512 * 1024 - 1] = 7;
                std::hint::black_box(&mut frame);
                websocket.send(format!("last byte {}", frame[512 * 1024 - 1]))?;
                Ok(())
            }),
        ),
        path("big-http", |_: &Request| {
            let mut frame = [1u8; 512 * 1024];
            std::hint::black_box(&mut frame);
            format!("sum {}", frame.iter().map(|&b| u64::from(b)).sum::<u64>())
        }),
    ]);
    let mut ws = server.websocket("/big");
    assert_eq!(ws.recv(), Some("last byte 7".into()));
    assert_eq!(
        server.get("/big-http").text(),
        format!("sum {}", 512 * 1024)
    );
}

#[test]
fn a_single_threaded_server_closes_http_connections_after_each_response() {
    capture_log::install();
    let config = ServerConfig::default().multithreaded(false);
    let server = TestServer::start_with_config(urls(), config);
    let keep_alive = connect(server.addr());
    (&keep_alive)
        .write_all(b"GET /plain HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("a keep-alive request");
    let mut reader = BufReader::new(&keep_alive);
    let response = read_response(&mut reader, false).expect("an answer");
    assert_eq!(response.header("Connection"), Some("close"));
    assert_eq!(read_to_close(&keep_alive), b"", "the server closed");
    // The next client is served at once: nobody holds the only thread.
    assert_eq!(server.get("/plain").text(), "plain");
}

/// `/ticks`: counts `wait_timeout` timeouts as ticks, echoes messages, and
/// reports how the WebSocket ended once it is closed.
fn ticks_view(report: mpsc::Sender<(u32, Option<CloseReason>)>) -> UrlPattern {
    let report = Mutex::new(report);
    path(
        "ticks",
        require_websocket(move |request: &Request| -> wsviews::Result<()> {
            let websocket = request.websocket().expect("a WebSocket");
            let mut ticks = 0;
            loop {
                match websocket.wait_timeout(Duration::from_millis(30)) {
                    Received::Message(message) => websocket.send(format!("echo: {message}"))?,
                    Received::TimedOut => {
                        ticks += 1;
                        websocket.send(format!("tick {ticks}"))?;
                    }
                    Received::Closed => break,
                }
            }
            assert!(websocket.is_closed());
            let sent = report
                .lock()
                .expect("lock")
                .send((ticks, websocket.close_reason()));
            sent.expect("report");
            Ok(())
        }),
    )
}

#[test]
fn wait_timeout_tells_a_message_from_a_timeout_from_the_end() {
    capture_log::install();
    let (tx, rx) = mpsc::channel();
    let server = TestServer::start(vec![ticks_view(tx)]);
    let mut ws = server.websocket("/ticks");
    assert_eq!(ws.recv(), Some("tick 1".into()));
    assert_eq!(ws.recv(), Some("tick 2".into()));
    ws.send("hello");
    let echo = std::iter::from_fn(|| ws.recv())
        .find(|m| !m.to_string().starts_with("tick "))
        .expect("the echo");
    assert_eq!(echo, Message::from("echo: hello"));
    ws.close_with(4001, "bye now");
    let (ticks, reason) = rx.recv_timeout(TIMEOUT).expect("the view's report");
    assert!(ticks >= 2, "{ticks}");
    assert_eq!(
        reason,
        Some(CloseReason::Client {
            code: 4001,
            reason: "bye now".into()
        })
    );
}

#[test]
fn close_reason_says_reset_and_server_closes() {
    capture_log::install();
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let server = TestServer::start(vec![path(
        "end/<str:how>",
        require_websocket(move |request: &Request| {
            let websocket = request.websocket().expect("a WebSocket");
            assert_eq!(websocket.close_reason(), None);
            websocket.accept().expect("accepted");
            if request.kwarg("how") == Some("server") {
                websocket.close_with(4002, "enough").expect("close");
            }
            while websocket.wait().is_some() {}
            let read_after_end = websocket.read();
            let waited = websocket.wait_timeout(Duration::from_secs(5));
            let report = (websocket.close_reason(), read_after_end, waited);
            tx.lock().expect("lock").send(report).expect("report");
        }),
    )]);

    let stream = raw_websocket(server.addr(), "/end/reset");
    socket2::SockRef::from(&stream)
        .set_linger(Some(Duration::ZERO))
        .expect("linger 0");
    drop(stream);
    let (reason, read, waited) = rx.recv_timeout(TIMEOUT).expect("report");
    assert_eq!(reason, Some(CloseReason::Reset));
    assert_eq!((read, waited), (None, Received::Closed));

    let mut ws = server.websocket("/end/server");
    assert_eq!(ws.recv(), None);
    assert_eq!(ws.close_code(), Some(4002));
    drop(ws);
    let (reason, _, _) = rx.recv_timeout(TIMEOUT).expect("report");
    assert_eq!(reason, Some(CloseReason::Server { code: 4002 }));
    assert_eq!(CloseReason::Reset.code(), 1006);
}

#[test]
fn read_never_blocks_and_is_closed_follows_the_reader() {
    capture_log::install();
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let go_rx = Mutex::new(go_rx);
    let server = TestServer::start(vec![path(
        "poll",
        require_websocket(move |request: &Request| {
            let websocket = request.websocket().expect("a WebSocket");
            let started = std::time::Instant::now();
            let nothing = websocket.read();
            let quick = started.elapsed() < Duration::from_secs(1);
            websocket.send("ready").expect("send");
            go_rx.lock().expect("lock").recv().expect("go");
            // A polling view: read() returns at once, a message once it is
            // there, and is_closed() turns true once read() saw the close.
            let deadline = started + Duration::from_secs(5);
            let message = poll(|| websocket.read(), deadline);
            let closed = poll(
                || {
                    assert_eq!(websocket.read(), None);
                    websocket.is_closed().then_some(())
                },
                deadline,
            );
            let report = (nothing, quick, message, websocket.read(), closed.is_some());
            tx.lock().expect("lock").send(report).expect("report");
        }),
    )]);
    let stream = raw_websocket(server.addr(), "/poll");
    assert_eq!(
        read_server_frame(&stream).map(|f| f.2),
        Some(b"ready".to_vec())
    );
    (&stream)
        .write_all(&client_frame(true, 0x1, b"polled"))
        .expect("send");
    (&stream)
        .write_all(&client_frame(true, 0x8, &1000u16.to_be_bytes()))
        .expect("close");
    go_tx.send(()).expect("go");
    let (nothing, quick, message, end, closed) = rx.recv_timeout(TIMEOUT).expect("report");
    assert_eq!((nothing, quick), (None, true));
    assert_eq!(message, Some("polled".into()));
    assert_eq!((end, closed), (None, true));
}

/// What a polling view does: asks `check` every few milliseconds until it
/// gives something or `deadline` passes.
fn poll<T>(mut check: impl FnMut() -> Option<T>, deadline: std::time::Instant) -> Option<T> {
    loop {
        if let Some(value) = check() {
            return Some(value);
        }
        if std::time::Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}
