//! The WebSocket object's semantics over real sockets, with tungstenite's
//! client (through `wsviews::test`) and raw frames where the client would
//! not misbehave.

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use crossbeam_channel::{unbounded, Receiver, Sender as Tx};
use support::*;
use wsviews::{
    accept_websocket, path, require_websocket, Group, HttpResponse, Message, Request, ServerConfig,
    URLPattern,
};

/// Views that report what they observed to the test on a channel.
fn urls(report: Tx<String>) -> Vec<URLPattern> {
    let r1 = report.clone();
    let r2 = report.clone();
    let r3 = report;
    vec![
        path("echo", require_websocket(echo)),
        path("echo_once", require_websocket(echo_once)),
        path(
            "collect",
            require_websocket(move |request: &Request| {
                let websocket = request.websocket().expect("ws");
                let got: Vec<String> = websocket.iter().map(|m| m.to_string()).collect();
                r1.send(format!(
                    "iterated {got:?}; wait after close {:?}",
                    websocket.wait()
                ))
                .ok();
                r1.send(format!("closed {}", websocket.is_closed())).ok();
            }),
        ),
        path(
            "read",
            require_websocket(move |request: &Request| -> wsviews::Result<()> {
                let websocket = request.websocket().expect("ws");
                websocket.send(format!("empty read {:?}", websocket.read()))?;
                while let Some(message) = websocket.wait() {
                    if message == "count" {
                        let (count, has) = (websocket.count_messages(), websocket.has_messages());
                        let first = websocket.read().map(|m| m.to_string());
                        websocket.send(format!(
                            "count {count} has {has} then {first:?} left {}",
                            websocket.count_messages()
                        ))?;
                    }
                }
                Ok(())
            }),
        ),
        path(
            "types",
            require_websocket(|request: &Request| -> wsviews::Result<()> {
                let websocket = request.websocket().expect("ws");
                websocket.send("str")?;
                websocket.send(String::from("string"))?;
                websocket.send(vec![1u8, 2])?;
                websocket.send(&[3u8][..])?;
                websocket.send(Message::Binary(vec![4]))?;
                websocket.close_with(4000, "done")
            }),
        ),
        path(
            "thread",
            require_websocket(|request: &Request| -> wsviews::Result<()> {
                let websocket = request.websocket().expect("ws");
                let sender = websocket.sender();
                let helper = std::thread::spawn(move || sender.send("from another thread"));
                let message = websocket.wait();
                helper.join().expect("helper thread")?;
                if let Some(message) = message {
                    websocket.send(message)?;
                }
                Ok(())
            }),
        ),
        path(
            "panic",
            require_websocket(|request: &Request| -> () {
                request.websocket().expect("ws").accept().expect("accepted");
                panic!("view bug")
            }),
        ),
        path("plain", |request: &Request| {
            HttpResponse::text(200, format!("is_websocket={}", request.is_websocket()))
        }),
        path(
            "both",
            accept_websocket(move |request: &Request| -> wsviews::Result<HttpResponse> {
                r2.send(format!("is_websocket={}", request.is_websocket()))
                    .ok();
                if let Some(websocket) = request.websocket() {
                    websocket.send(websocket.protocol().unwrap_or("none"))?;
                }
                Ok(HttpResponse::new("http"))
            })
            .protocols(&["chat.v1", "chat.v2"]),
        ),
        path(
            "room/<str:name>",
            require_websocket(move |request: &Request| -> wsviews::Result<()> {
                let websocket = request.websocket().expect("ws");
                let group =
                    Group::new(format!("test-room-{}", request.kwarg("name").unwrap_or("")));
                group.add(websocket)?;
                r3.send("joined".into()).ok();
                for message in websocket {
                    group.send(message)?;
                }
                Ok(())
            }),
        ),
    ]
}

fn echo(request: &Request) -> wsviews::Result<()> {
    let websocket = request.websocket().expect("ws");
    for message in websocket {
        websocket.send(message)?;
    }
    Ok(())
}

fn echo_once(request: &Request) -> wsviews::Result<()> {
    let websocket = request.websocket().expect("ws");
    if let Some(message) = websocket.wait() {
        websocket.send(message)?;
    }
    Ok(())
}

fn start() -> (TestServer, Receiver<String>) {
    start_with(ServerConfig::default())
}

fn start_with(config: ServerConfig) -> (TestServer, Receiver<String>) {
    init_test_log();
    let (tx, rx) = unbounded();
    (TestServer::start_with_config(urls(tx), config), rx)
}

fn recv(rx: &Receiver<String>) -> String {
    rx.recv_timeout(TIMEOUT).expect("the view reports")
}

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
    let socket = ws.inner();
    for text in ["count", "x", "y"] {
        socket.write(tungstenite::Message::text(text)).unwrap();
    }
    socket.flush().unwrap();
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

fn read_head(stream: &std::net::TcpStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        std::io::Read::read_exact(&mut &*stream, &mut byte).unwrap();
        head.push(byte[0]);
    }
    String::from_utf8(head).unwrap()
}

#[test]
fn accept_all_websockets_lets_plain_views_take_them() {
    let (server, _) = start_with(ServerConfig::default().accept_all_websockets(true));
    let response = raw_websocket_with(server.addr(), &[]);
    assert!(response.starts_with("HTTP/1.1 101"));
}

#[test]
fn first_frame_in_the_handshake_packet_is_not_lost() {
    let (server, _) = start();
    let stream = connect(server.addr());
    let mut packet = handshake("/echo", &[]).into_bytes();
    packet.extend(client_frame(true, 1, b"early"));
    (&stream).write_all(&packet).unwrap();
    assert!(read_head(&stream).starts_with("HTTP/1.1 101"));
    assert_eq!(
        read_server_frame(&stream),
        Some((true, 1, b"early".to_vec()))
    );
}

#[test]
fn pings_are_answered_and_fragments_reassembled() {
    let (server, _) = start();
    let stream = raw_websocket(server.addr(), "/echo");
    (&stream)
        .write_all(&client_frame(true, 9, b"are you there"))
        .unwrap();
    assert_eq!(
        read_server_frame(&stream),
        Some((true, 10, b"are you there".to_vec()))
    );
    let mut parts = client_frame(false, 1, "caf".as_bytes());
    parts.extend(client_frame(true, 9, b"mid"));
    parts.extend(client_frame(true, 0, "é!".as_bytes()));
    (&stream).write_all(&parts).unwrap();
    assert_eq!(
        read_server_frame(&stream),
        Some((true, 10, b"mid".to_vec()))
    );
    assert_eq!(
        read_server_frame(&stream),
        Some((true, 1, "café!".as_bytes().to_vec()))
    );
    (&stream)
        .write_all(&client_frame(true, 8, &1000u16.to_be_bytes()))
        .unwrap();
    assert_eq!(read_close_code(&stream), Some(1000));
    assert!(
        read_to_close(&stream).is_empty(),
        "the server closes TCP after the close handshake"
    );
}

#[test]
fn protocol_errors_get_their_close_codes() {
    let (server, _) = start_with(
        ServerConfig::default()
            .max_message_size(1000)
            .max_frame_size(1000),
    );
    let cases: Vec<(Vec<u8>, u16)> = vec![
        (client_frame(true, 1, b"\xff\xfe"), 1007),
        (client_frame(true, 2, &[0u8; 1001]), 1009),
        (
            [
                client_frame(false, 2, &[0u8; 600]),
                client_frame(true, 0, &[0u8; 600]),
            ]
            .concat(),
            1009,
        ),
        (client_frame(true, 3, b""), 1002),
        (client_frame(true, 0, b"orphan"), 1002),
        (client_frame(false, 9, b""), 1002),
        (client_frame(true, 8, &[0x03]), 1002),
        (client_frame(true, 8, &999u16.to_be_bytes()), 1002),
        (
            {
                let mut frame = client_frame(true, 1, b"x");
                frame[0] |= 0x40;
                frame
            },
            1002,
        ),
        (vec![0x81, 0x01, b'x'], 1002),
    ];
    for (bytes, code) in cases {
        let stream = raw_websocket(server.addr(), "/echo");
        (&stream).write_all(&bytes).unwrap();
        assert_eq!(
            read_close_code(&stream),
            Some(code),
            "{:?}",
            &bytes[..bytes.len().min(8)]
        );
    }
}

#[test]
fn groups_broadcast_and_members_leave_when_they_close() {
    let (server, rx) = start();
    let mut alice = server.websocket("/room/lobby");
    assert_eq!(recv(&rx), "joined");
    let mut bob = server.websocket("/room/lobby");
    assert_eq!(recv(&rx), "joined");
    alice.send("hi all");
    assert_eq!(alice.recv().unwrap(), "hi all");
    assert_eq!(bob.recv().unwrap(), "hi all");
    bob.send(vec![7u8]);
    assert_eq!(alice.recv().unwrap(), Message::Binary(vec![7]));
    assert_eq!(server.group("test-room-lobby").channels().unwrap().len(), 2);
    bob.close();
    wait_until("bob has left the group", || {
        server
            .group("test-room-lobby")
            .channels()
            .map(|c| c.len())
            .ok()
            == Some(1)
    });
    server
        .group("test-room-lobby")
        .send("from outside any view")
        .unwrap();
    assert_eq!(alice.recv().unwrap(), "from outside any view");
    alice.close();
}

#[test]
fn the_reply_channel_reaches_the_socket() {
    let received = Arc::new(Mutex::new(None));
    let seen = Arc::clone(&received);
    init_test_log();
    let server = TestServer::start(vec![path(
        "reply",
        require_websocket(move |request: &Request| {
            let websocket = request.websocket().expect("ws");
            *seen.lock().unwrap() = websocket.reply_channel().map(str::to_owned);
            websocket.wait();
        }),
    )]);
    let mut ws = server.websocket("/reply");
    wait_until("the view saw its reply channel", || {
        received.lock().unwrap().is_some()
    });
    let channel = received.lock().unwrap().clone().unwrap();
    let layer = server.channel_layer();
    let message = serde_json::json!({"content": "through the layer", "close": true});
    layer.send(&channel, message.as_object().unwrap()).unwrap();
    assert_eq!(ws.recv().unwrap(), "through the layer");
    assert_eq!(ws.recv(), None);
    assert_eq!(ws.close_code(), Some(1000));
}
