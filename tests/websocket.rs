//! The WebSocket object's semantics over real sockets, with tungstenite's
//! client (through `wsviews::test`) and raw frames where the client would
//! not misbehave.

mod support;

#[path = "support/websocket_app.rs"]
mod app;

use std::io::Write;

use support::*;

use app::{read_head, recv, start, start_with};
use wsviews::{Message, ServerConfig};

#[test]
fn echo_keeps_text_and_binary_apart() {
    let (server, _) = start();
    let mut ws = server.websocket("/echo");
    ws.send("Hello");
    ws.send(vec![0u8, 255, 1]);
    ws.send("");
    assert_eq!(ws.recv(), Some(Message::Text("Hello".into())));
    assert_eq!(ws.recv(), Some(Message::Binary(vec![0, 255, 1])));
    assert_eq!(ws.recv(), Some(Message::Text(String::new())));
    let big = "x".repeat(200_000);
    ws.send(big.as_str());
    assert_eq!(ws.recv(), Some(Message::Text(big)));
    assert_eq!(ws.close(), Some(1000));
}

#[test]
fn echo_once_answers_then_the_server_closes_with_1000() {
    let (server, _) = start();
    let mut ws = server.websocket("/echo_once");
    ws.send("once");
    assert_eq!(ws.recv().unwrap(), "once");
    assert_eq!(ws.recv(), None);
    assert_eq!(ws.close_code(), Some(1000));
}

#[test]
fn iteration_ends_and_wait_returns_none_when_the_client_closes() {
    let (server, rx) = start();
    let mut ws = server.websocket("/collect");
    ws.send("a");
    ws.send(vec![1u8]);
    ws.close();
    assert_eq!(
        recv(&rx),
        r#"iterated ["a", "<1 bytes>"]; wait after close None"#
    );
    assert_eq!(recv(&rx), "closed true");
}

#[test]
fn read_never_blocks_and_counts_reflect_the_queue() {
    let (server, _) = start();
    let mut ws = server.websocket("/read");
    assert_eq!(ws.recv().unwrap(), "empty read None");
    // Three frames in one TCP write: all have arrived when the view counts.
    ws.send_all(["count", "x", "y"]);
    assert_eq!(
        ws.recv().unwrap(),
        r#"count 2 has true then Some("x") left 1"#
    );
    ws.close();
}

#[test]
fn send_accepts_every_message_type_and_close_with_a_code() {
    let (server, _) = start();
    let mut ws = server.websocket("/types");
    let got: Vec<Message> = std::iter::from_fn(|| ws.recv()).collect();
    let want = [
        Message::Text("str".into()),
        Message::Text("string".into()),
        Message::Binary(vec![1, 2]),
        Message::Binary(vec![3]),
        Message::Binary(vec![4]),
    ];
    assert_eq!(got, want);
    assert_eq!(ws.close_code(), Some(4000));
}

#[test]
fn another_thread_sends_while_the_view_waits() {
    let (server, _) = start();
    let mut ws = server.websocket("/thread");
    assert_eq!(ws.recv().unwrap(), "from another thread");
    ws.send("bye");
    assert_eq!(ws.recv().unwrap(), "bye");
    assert_eq!(ws.close(), Some(1000));
}

#[test]
fn a_panicking_view_closes_with_1011_and_the_server_goes_on() {
    let (server, _) = start();
    let mut ws = server.websocket("/panic");
    assert_eq!(ws.recv(), None);
    assert_eq!(ws.close_code(), Some(1011));
    let mut ok = server.websocket("/echo");
    ok.send("still here");
    assert_eq!(ok.recv().unwrap(), "still here");
}

#[test]
fn accept_websocket_takes_both_and_picks_a_subprotocol() {
    let (server, rx) = start();
    assert_eq!(server.get("/both").text(), "http");
    assert_eq!(recv(&rx), "is_websocket=false");

    let mut ws = server
        .websocket_with("/both", &[("Sec-WebSocket-Protocol", "chat.v2, chat.v1")])
        .unwrap();
    assert_eq!(recv(&rx), "is_websocket=true");
    assert_eq!(ws.protocol(), Some("chat.v2"));
    assert_eq!(ws.recv().unwrap(), "chat.v2");

    // No overlap: still accepted, with no subprotocol (tungstenite's client
    // would refuse that answer, so this one is raw).
    let stream = connect(server.addr());
    let request = handshake("/both", &["Sec-WebSocket-Protocol: other"]);
    (&stream).write_all(request.as_bytes()).unwrap();
    let head = read_head(&stream);
    assert!(
        head.starts_with("HTTP/1.1 101") && !head.contains("Sec-WebSocket-Protocol"),
        "{head}"
    );
    assert_eq!(recv(&rx), "is_websocket=true");
    assert_eq!(
        read_server_frame(&stream),
        Some((true, 1, b"none".to_vec()))
    );
}

#[test]
fn handshake_failures_get_400_426_and_403() {
    let (server, _) = start();
    let addr = server.addr();
    let cases: &[(&str, &[&str], u16)] = &[
        ("/plain", &[], 400),
        ("/echo", &["Sec-WebSocket-Key:"], 400),
        ("/echo", &["Sec-WebSocket-Key: c2hvcnQ="], 400),
        ("/echo", &["Connection: keep-alive"], 400),
        ("/echo", &["Host:"], 400),
        ("/echo", &["Sec-WebSocket-Version:"], 400),
        ("/nothing", &[], 404),
    ];
    for (path, extra, status) in cases {
        let response = raw_request(addr, handshake(path, extra).as_bytes());
        assert_eq!(
            response.status,
            *status,
            "{path} {extra:?}: {}",
            response.text()
        );
        assert!(!response.text().is_empty() || *status == 404);
    }
    let old = raw_request(
        addr,
        handshake("/echo", &["Sec-WebSocket-Version: 8"]).as_bytes(),
    );
    assert_eq!(
        (old.status, old.header("Sec-WebSocket-Version")),
        (426, Some("13"))
    );
    let post = raw_request(
        addr,
        handshake("/echo", &[])
            .replacen("GET", "POST", 1)
            .as_bytes(),
    );
    assert_eq!(post.status, 400);

    let mixed = raw_websocket_with(
        addr,
        &["Connection: keep-alive, Upgrade", "upgrade: WebSocket"],
    );
    assert!(
        mixed.starts_with("HTTP/1.1 101 Switching Protocols\r\n"),
        "{mixed}"
    );
    assert!(
        mixed.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"),
        "{mixed}"
    );

    let (guarded, _) =
        start_with(ServerConfig::default().allowed_origins(["https://good.example"]));
    let evil = raw_request(
        guarded.addr(),
        handshake("/echo", &["Origin: https://evil.example"]).as_bytes(),
    );
    assert_eq!(evil.status, 403);
    assert!(guarded
        .websocket_with("/echo", &[("Origin", "https://good.example")])
        .is_ok());
}

fn raw_websocket_with(addr: std::net::SocketAddr, extra: &[&str]) -> String {
    let stream = connect(addr);
    (&stream)
        .write_all(handshake("/echo", extra).as_bytes())
        .unwrap();
    read_head(&stream)
}

#[test]
fn accept_all_websockets_lets_plain_views_take_them() {
    let (server, _) = start_with(ServerConfig::default().accept_all_websockets(true));
    let response = raw_websocket_with(server.addr(), &[]);
    assert!(response.starts_with("HTTP/1.1 101"));
}
