//! RFC 6455 close codes and the closing handshake, over raw sockets: what a
//! misbehaving client gets (1002, 1007, 1009), what a failing view or a
//! shutdown sends (1011, 1001), and who closes the TCP connection (the server).
//! The full Autobahn cases run in `scripts/autobahn.sh`.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::mpsc;
use std::time::Duration;

use support::*;
use wsviews::{path, require_websocket, Message, Request, ServerConfig, UrlPattern};

const TEXT: u8 = 0x1;
const BINARY: u8 = 0x2;
const CONTINUATION: u8 = 0x0;
const CLOSE: u8 = 0x8;
const PING: u8 = 0x9;
const PONG: u8 = 0xA;

fn echo(request: &Request) -> wsviews::Result<()> {
    let websocket = request.websocket().expect("a WebSocket");
    for message in websocket {
        websocket.send(message)?;
    }
    Ok(())
}

/// Completes the handshake, and nothing else.
fn accept(request: &Request) {
    let websocket = request.websocket().expect("a WebSocket");
    websocket.accept().expect("accepted");
}

/// Routes for these tests; `/seen` reports every message its view receives,
/// then `None` when `wait()` ends.
fn urls(seen: mpsc::Sender<Option<Message>>) -> Vec<UrlPattern> {
    vec![
        path("echo", require_websocket(echo)),
        seen_view(seen),
        path(
            "panic",
            require_websocket(|request: &Request| -> () {
                accept(request);
                panic!("view bug")
            }),
        ),
        path(
            "error",
            require_websocket(|request: &Request| -> wsviews::Result<()> {
                accept(request);
                Err(wsviews::Error::Layer("the layer is down".into()))
            }),
        ),
        path("return", require_websocket(accept)),
    ]
}

fn server_with(config: ServerConfig) -> (TestServer, mpsc::Receiver<Option<Message>>) {
    init_test_log();
    let (tx, rx) = mpsc::channel();
    let config = config.close_timeout(Duration::from_secs(3));
    (TestServer::start_with_config(urls(tx), config), rx)
}

fn server() -> (TestServer, mpsc::Receiver<Option<Message>>) {
    server_with(ServerConfig::default())
}

fn close_frame(code: u16, reason: &[u8]) -> Vec<u8> {
    let mut payload = code.to_be_bytes().to_vec();
    payload.extend_from_slice(reason);
    client_frame(true, CLOSE, &payload)
}

fn send(stream: &TcpStream, bytes: &[u8]) {
    (&*stream).write_all(bytes).expect("write to the server");
}

/// The server closes the TCP connection: the next read is the end of stream.
fn assert_server_closes(stream: &TcpStream) {
    let mut byte = [0u8; 1];
    match (&*stream).read(&mut byte) {
        Ok(0) => {}
        other => panic!("expected the server to close the connection, got {other:?}"),
    }
}

/// Sends `bytes` on a new WebSocket to `/seen` and expects a close with
/// `code`; answers it and expects the server to close TCP; the view saw no
/// message and its `wait()` returned `None`.
fn expect_failure(bytes: &[u8], code: u16) {
    let (server, seen) = server();
    let stream = raw_websocket(server.addr(), "/seen");
    send(&stream, bytes);
    assert_eq!(read_close_code(&stream), Some(code), "for {bytes:02x?}");
    send(&stream, &close_frame(code, b""));
    assert_server_closes(&stream);
    assert_eq!(seen.recv_timeout(TIMEOUT).expect("the view ended"), None);
}

#[test]
fn protocol_errors_close_with_1002() {
    let unmasked_text = [0x81, 0x00];
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("unmasked frame", unmasked_text.to_vec()),
        ("RSV1 without extension", {
            let mut f = client_frame(true, TEXT, b"x");
            f[0] |= 0x40;
            f
        }),
        ("reserved data opcode", client_frame(true, 0x3, b"")),
        ("reserved control opcode", client_frame(true, 0xB, b"")),
        ("continuation first", client_frame(true, CONTINUATION, b"x")),
        ("new message in a fragmented one", {
            let mut f = client_frame(false, TEXT, b"a");
            f.extend(client_frame(true, BINARY, b"b"));
            f
        }),
        ("fragmented ping", client_frame(false, PING, b"")),
        ("ping over 125 bytes", client_frame(true, PING, &[0; 126])),
        ("close with one byte", client_frame(true, CLOSE, &[3])),
    ];
    for (what, bytes) in cases {
        eprintln!("case: {what}");
        expect_failure(&bytes, 1002);
    }
}

#[test]
fn invalid_close_codes_get_1002() {
    for code in [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000] {
        expect_failure(&close_frame(code, b""), 1002);
    }
}

#[test]
fn invalid_utf8_closes_with_1007() {
    expect_failure(&client_frame(true, TEXT, b"ok \xff"), 1007);
    let mut fragmented = client_frame(false, TEXT, "é".as_bytes());
    fragmented.extend(client_frame(true, CONTINUATION, b"\xc3\x28"));
    expect_failure(&fragmented, 1007);
    expect_failure(&close_frame(1000, b"\xff"), 1007);
}

#[test]
fn split_utf8_sequences_across_fragments_are_valid() {
    let (server, seen) = server();
    let stream = raw_websocket(server.addr(), "/seen");
    let bytes = "é€😀".as_bytes();
    for (i, chunk) in bytes.chunks(1).enumerate() {
        let opcode = if i == 0 { TEXT } else { CONTINUATION };
        send(&stream, &client_frame(i == bytes.len() - 1, opcode, chunk));
    }
    let got = seen.recv_timeout(TIMEOUT).expect("a message");
    assert_eq!(got, Some(Message::Text("é€😀".into())));
}

#[test]
fn too_big_closes_with_1009() {
    let config = ServerConfig::default()
        .max_message_size(1000)
        .max_frame_size(400);
    // One frame over max_frame_size.
    let (server, seen) = server_with(config.clone());
    let stream = raw_websocket(server.addr(), "/seen");
    send(&stream, &client_frame(true, BINARY, &[7; 401]));
    assert_eq!(read_close_code(&stream), Some(1009));
    assert_eq!(seen.recv_timeout(TIMEOUT).expect("the view ended"), None);

    // Frames within max_frame_size make a message within max_message_size ...
    let (server, seen) = server_with(config);
    let stream = raw_websocket(server.addr(), "/seen");
    let mut message = client_frame(false, BINARY, &[1; 400]);
    message.extend(client_frame(false, CONTINUATION, &[1; 400]));
    message.extend(client_frame(true, CONTINUATION, &[1; 200]));
    send(&stream, &message);
    let got = seen.recv_timeout(TIMEOUT).expect("a message");
    assert_eq!(got, Some(Message::Binary(vec![1; 1000])));
    // ... but one byte more is too big.
    let mut message = client_frame(false, TEXT, &[b'a'; 400]);
    message.extend(client_frame(false, CONTINUATION, &[b'a'; 400]));
    message.extend(client_frame(true, CONTINUATION, &[b'a'; 201]));
    send(&stream, &message);
    assert_eq!(read_close_code(&stream), Some(1009));
    send(&stream, &close_frame(1009, b""));
    assert_server_closes(&stream);
    assert_eq!(seen.recv_timeout(TIMEOUT).expect("the view ended"), None);
}

#[test]
fn failing_views_close_with_1011() {
    let (server, _) = server();
    for view in ["/panic", "/error"] {
        let stream = raw_websocket(server.addr(), view);
        assert_eq!(read_close_code(&stream), Some(1011), "{view}");
        send(&stream, &close_frame(1011, b""));
        assert_server_closes(&stream);
    }
    let mut ws = server.websocket("/echo");
    ws.send("the server goes on");
    assert_eq!(ws.recv(), Some(Message::Text("the server goes on".into())));
}

#[test]
fn shutdown_closes_with_1001() {
    let (server, seen) = server();
    let stream = raw_websocket(server.addr(), "/seen");
    send(&stream, &client_frame(true, TEXT, b"hi"));
    assert_eq!(
        seen.recv_timeout(TIMEOUT).expect("a message"),
        Some(Message::Text("hi".into()))
    );
    let shutdown = std::thread::spawn(move || server.shutdown());
    assert_eq!(read_close_code(&stream), Some(1001));
    send(&stream, &close_frame(1001, b""));
    assert_server_closes(&stream);
    let report = shutdown.join().expect("shutdown");
    assert_eq!((report.websockets_closed, report.cut_off), (1, 0));
    assert_eq!(seen.recv_timeout(TIMEOUT).expect("the view ended"), None);
}

#[test]
fn client_close_is_echoed_then_the_server_closes_tcp() {
    let (server, seen) = server();
    let stream = raw_websocket(server.addr(), "/seen");
    send(&stream, &close_frame(4000, b"bye"));
    let (fin, opcode, payload) = read_server_frame(&stream).expect("the close answer");
    assert_eq!((fin, opcode), (true, CLOSE));
    assert_eq!(payload.get(..2), Some(&4000u16.to_be_bytes()[..]));
    assert_server_closes(&stream);
    assert_eq!(seen.recv_timeout(TIMEOUT).expect("the view ended"), None);

    // An empty close is answered with an empty close.
    let stream = raw_websocket(server.addr(), "/echo");
    send(&stream, &client_frame(true, CLOSE, b""));
    assert_eq!(read_server_frame(&stream), Some((true, CLOSE, Vec::new())));
    assert_server_closes(&stream);
}

#[test]
fn server_close_waits_for_the_client_then_closes_tcp() {
    // The client answers: the handshake completes and the server closes TCP.
    let (server, _) = server();
    let stream = raw_websocket(server.addr(), "/return");
    assert_eq!(read_close_code(&stream), Some(1000));
    send(&stream, &close_frame(1000, b""));
    assert_server_closes(&stream);

    // The client never answers: the server closes TCP after close_timeout.
    init_test_log();
    let (tx, _seen) = mpsc::channel();
    let config = ServerConfig::default().close_timeout(Duration::from_millis(100));
    let server = TestServer::start_with_config(urls(tx), config);
    let stream = raw_websocket(server.addr(), "/return");
    assert_eq!(read_close_code(&stream), Some(1000));
    assert_server_closes(&stream);
}

#[test]
fn pings_are_answered_with_their_payload_and_pongs_ignored() {
    let (server, seen) = server();
    let stream = raw_websocket(server.addr(), "/seen");
    send(&stream, &client_frame(true, PONG, b"unsolicited"));
    send(&stream, &client_frame(true, PING, b"are you there"));
    assert_eq!(
        read_server_frame(&stream),
        Some((true, PONG, b"are you there".to_vec()))
    );
    // A ping between the fragments of a message.
    send(&stream, &client_frame(false, TEXT, b"frag"));
    send(&stream, &client_frame(true, PING, b"mid"));
    send(&stream, &client_frame(true, CONTINUATION, b"mented"));
    assert_eq!(
        read_server_frame(&stream),
        Some((true, PONG, b"mid".to_vec()))
    );
    assert_eq!(
        seen.recv_timeout(TIMEOUT).expect("a message"),
        Some(Message::Text("fragmented".into()))
    );
}

#[test]
fn origin_allow_list_refuses_cross_site_handshakes() {
    init_test_log();
    let (tx, _seen) = mpsc::channel();
    let config = ServerConfig::default().allowed_origins(["https://app.example"]);
    let server = TestServer::start_with_config(urls(tx), config);
    let status = |extra: &[&str]| raw_request(server.addr(), handshake("/echo", extra).as_bytes());
    let refused = status(&["Origin: https://evil.example"]);
    assert_eq!(
        (refused.status, refused.text()),
        (403, "Origin not allowed".into())
    );
    assert_eq!(status(&["Origin: null"]).status, 403);
    assert_eq!(status(&["Origin: https://app.example.evil"]).status, 403);
    assert_eq!(status(&["Origin: HTTPS://APP.EXAMPLE"]).status, 101);
    assert_eq!(status(&["Origin: https://app.example"]).status, 101);
    assert_eq!(status(&[]).status, 101, "no Origin: not a browser");
}

#[test]
fn invalid_handshakes_are_refused() {
    let (server, _) = server();
    let status = |extra: &[&str]| raw_request(server.addr(), handshake("/echo", extra).as_bytes());
    let old = status(&["Sec-WebSocket-Version: 8"]);
    assert_eq!(
        (old.status, old.header("Sec-WebSocket-Version")),
        (426, Some("13"))
    );
    assert_eq!(status(&["Sec-WebSocket-Key: c2hvcnQ="]).status, 400);
    assert_eq!(status(&["Connection: keep-alive"]).status, 400);
    assert_eq!(status(&["Host:"]).status, 400);
}

#[test]
fn invalid_utf8_fails_fast_before_the_frame_is_complete() {
    let (server, seen) = server();
    // Announce 100 bytes of text; send 10 with an invalid sequence; stop.
    let stream = raw_websocket(server.addr(), "/seen");
    let mut text = b"valid \xf4\x90\x80\x80".to_vec();
    text.resize(100, b'x');
    send(&stream, &client_frame(true, TEXT, &text)[..16]);
    assert_eq!(read_close_code(&stream), Some(1007));
    assert_eq!(seen.recv_timeout(TIMEOUT).expect("the view ended"), None);

    // The same inside a continuation frame, with a character split across
    // the two frames.
    let stream = raw_websocket(server.addr(), "/seen");
    send(&stream, &client_frame(false, TEXT, b"ok \xe2\x82"));
    let mut rest = b"\xac then \xc0\xaf".to_vec();
    rest.resize(100, b'x');
    send(&stream, &client_frame(true, CONTINUATION, &rest)[..20]);
    assert_eq!(read_close_code(&stream), Some(1007));
    assert_eq!(seen.recv_timeout(TIMEOUT).expect("the view ended"), None);
}
