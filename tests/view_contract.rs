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

use support::*;
use wsviews::{
    accept_websocket, path, require_websocket, HttpResponse, Message, Request, ServerConfig,
    URLPattern,
};

/// `/refuse`: 401 without touching the socket; `/close-first`: closes before
/// accepting; `/use/<how>`: uses the socket as `how` says, then returns.
fn urls() -> Vec<URLPattern> {
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
        Err(tungstenite::Error::Http(response)) => assert_eq!(response.status(), 401),
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
        .set_linger(Some(std::time::Duration::ZERO))
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
