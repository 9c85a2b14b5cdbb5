//! The demo app run through `runserver`, as a user runs it: every route, the
//! access log, and `--multithreaded` against one connection at a time.

#[path = "support/examples.rs"]
mod examples;
#[path = "support/processes.rs"]
mod processes;
mod support;

use std::io::{BufReader, Write};
use std::process::Command;

use examples::example_binary;
use processes::App;
use support::*;
use tungstenite::Message as WsMessage;

fn ws(
    demo: &App,
    path: &str,
) -> tungstenite::WebSocket<tungstenite::stream::MaybeTlsStream<std::net::TcpStream>> {
    let stream = connect(demo.addr());
    let url = format!("ws://{}{path}", demo.addr());
    tungstenite::client(url, tungstenite::stream::MaybeTlsStream::Plain(stream))
        .expect("handshake")
        .0
}

fn get(demo: &App, target: &str) -> TestResponse {
    raw_request(
        demo.addr(),
        format!("GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes(),
    )
}

#[test]
fn demo_routes() {
    let demo = App::server("demo", &["--multithreaded"]);
    let plain = get(&demo, "/plain");
    assert_eq!((plain.status, plain.text()), (200, "plain".into()));
    demo.wait_for_log("\"GET /plain HTTP/1.1\" 200 5", TIMEOUT);
    assert_eq!(
        raw_request(demo.addr(), handshake("/plain", &[]).as_bytes()).status,
        400
    );

    assert_eq!(get(&demo, "/echo_once").status, 400);
    let mut once = ws(&demo, "/echo_once");
    once.send(WsMessage::text("one")).unwrap();
    assert_eq!(once.read().unwrap(), WsMessage::text("one"));
    match once.read().unwrap() {
        WsMessage::Close(Some(frame)) => assert_eq!(u16::from(frame.code), 1000),
        other => panic!("expected a close, got {other:?}"),
    }

    let lower = get(&demo, "/lower_case?message=HeLLo");
    assert_eq!((lower.status, lower.text()), (200, "hello".into()));
    assert_eq!(get(&demo, "/lower_case").status, 400);
    let mut lower = ws(&demo, "/lower_case");
    for text in ["HeLLo", "WORLD"] {
        lower.send(WsMessage::text(text)).unwrap();
        assert_eq!(lower.read().unwrap(), WsMessage::text(text.to_lowercase()));
    }
    lower.close(None).unwrap();

    let mut echo = ws(&demo, "/echo");
    echo.send(WsMessage::text("text")).unwrap();
    echo.send(WsMessage::binary(vec![1u8, 2, 3])).unwrap();
    assert_eq!(echo.read().unwrap(), WsMessage::text("text"));
    assert_eq!(echo.read().unwrap(), WsMessage::binary(vec![1u8, 2, 3]));
    let normal = tungstenite::protocol::CloseFrame {
        code: 1000.into(),
        reason: "".into(),
    };
    echo.close(Some(normal)).unwrap();
    while echo.read().is_ok() {}
    let session = demo.wait_for_log("WebSocket /echo closed after", TIMEOUT);
    assert!(
        session.contains("2 messages in, 2 out, close code 1000"),
        "{session}"
    );
}

#[test]
fn rohrpost_route_answers_ping() {
    let demo = App::server("demo", &["--multithreaded"]);
    let mut socket = ws(&demo, "/rohrpost");
    socket
        .send(WsMessage::text(
            r#"{"id": 0, "type": "ping", "data": [1, 2]}"#,
        ))
        .unwrap();
    assert_eq!(
        socket.read().unwrap(),
        WsMessage::text(r#"{"id": 0, "type": "pong", "data": {"data": [1, 2]}}"#)
    );
    socket.send(WsMessage::text("")).unwrap();
    assert_eq!(
        socket.read().unwrap(),
        WsMessage::text(r#"{"error": "Received empty message."}"#)
    );
}

#[test]
fn without_multithreaded_one_connection_is_served_at_a_time() {
    let demo = App::server("demo", &[]);
    let mut socket = ws(&demo, "/echo");
    socket.send(WsMessage::text("hold")).unwrap();
    assert_eq!(socket.read().unwrap(), WsMessage::text("hold"));
    demo.wait_for_log("other requests wait until it closes", TIMEOUT);

    let waiting = connect(demo.addr());
    waiting
        .set_read_timeout(Some(std::time::Duration::from_millis(300)))
        .unwrap();
    (&waiting)
        .write_all(b"GET /plain HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut reader = BufReader::new(&waiting);
    assert!(
        read_response(&mut reader, false).is_err(),
        "answered while the WebSocket is open"
    );

    socket.close(None).unwrap();
    while socket.read().is_ok() {}
    waiting.set_read_timeout(Some(TIMEOUT)).unwrap();
    assert_eq!(read_response(&mut reader, false).unwrap().text(), "plain");
}

#[test]
fn with_multithreaded_requests_are_served_while_a_websocket_is_open() {
    let demo = App::server("demo", &["--multithreaded"]);
    let mut socket = ws(&demo, "/echo");
    socket.send(WsMessage::text("hold")).unwrap();
    assert_eq!(socket.read().unwrap(), WsMessage::text("hold"));
    assert_eq!(get(&demo, "/plain").text(), "plain");
    let mut second = ws(&demo, "/echo");
    second.send(WsMessage::text("two")).unwrap();
    assert_eq!(second.read().unwrap(), WsMessage::text("two"));
}

#[test]
fn max_message_size_flag() {
    let demo = App::server("demo", &["--multithreaded", "--max-message-size", "100"]);
    let mut socket = ws(&demo, "/echo");
    socket.send(WsMessage::text("x".repeat(100))).unwrap();
    assert_eq!(socket.read().unwrap(), WsMessage::text("x".repeat(100)));
    socket.send(WsMessage::text("x".repeat(101))).unwrap();
    match socket.read().unwrap() {
        WsMessage::Close(Some(frame)) => assert_eq!(u16::from(frame.code), 1009),
        other => panic!("expected a close, got {other:?}"),
    }
}

#[test]
fn help_and_usage_errors() {
    let help = Command::new(example_binary("demo"))
        .args(["runserver", "--help"])
        .output()
        .unwrap();
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("--multithreaded"));
    let bad = Command::new(example_binary("demo"))
        .args(["runserver", "--bogus"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown option \"--bogus\""));
    let taken = App::server("demo", &[]);
    let busy = Command::new(example_binary("demo"))
        .args(["runserver", &taken.addr().to_string()])
        .output()
        .unwrap();
    assert_eq!(busy.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&busy.stderr).contains("already in use"));
}

/// A raw WebSocket handshake to the demo with `extra` headers: the answer.
fn handshake_answer(demo: &App, path: &str, extra: &[&str]) -> TestResponse {
    raw_request(demo.addr(), handshake(path, extra).as_bytes())
}

#[test]
fn private_route_refuses_without_the_session_cookie() {
    let demo = App::server("demo", &["--multithreaded"]);
    for cookie in [
        &[][..],
        &["Cookie: session=guess"],
        &["Cookie: other=letmein"],
    ] {
        let refused = handshake_answer(&demo, "/private", cookie);
        assert_eq!(refused.status, 403, "{cookie:?}");
        assert!(refused.text().contains("session cookie"), "{cookie:?}");
    }
    demo.wait_for_log("\"GET /private HTTP/1.1\" 403", TIMEOUT);

    let stream = connect(demo.addr());
    let url = format!("ws://{}/private", demo.addr());
    let mut request = tungstenite::client::IntoClientRequest::into_client_request(url).unwrap();
    request
        .headers_mut()
        .insert("Cookie", "theme=dark; session=letmein".parse().unwrap());
    let (mut socket, response) =
        tungstenite::client(request, tungstenite::stream::MaybeTlsStream::Plain(stream))
            .expect("handshake with the cookie");
    assert_eq!(response.status(), 101);
    for text in ["one", "two"] {
        socket.send(WsMessage::text(text)).unwrap();
        assert_eq!(socket.read().unwrap(), WsMessage::text(text));
    }
    socket.close(None).unwrap();
    while socket.read().is_ok() {}
}

#[test]
fn cookbook_session_cookie_refuses_anonymous_websockets_with_401() {
    let app = App::server("cookbook_session_cookie", &["--multithreaded"]);
    let anonymous = handshake_answer(&app, "/notifications", &[]);
    assert_eq!(
        (anonymous.status, anonymous.text()),
        (401, "not logged in\n".into())
    );

    let login = raw_request(
        app.addr(),
        b"POST /login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
          Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 8\r\n\r\nname=ada",
    );
    assert_eq!(login.status, 200);
    let cookie = login.header("Set-Cookie").expect("a session cookie");
    let session = cookie.split(';').next().expect("name=value");

    let stream = connect(app.addr());
    let url = format!("ws://{}/notifications", app.addr());
    let mut request = tungstenite::client::IntoClientRequest::into_client_request(url).unwrap();
    request
        .headers_mut()
        .insert("Cookie", session.parse().unwrap());
    let (mut socket, _) =
        tungstenite::client(request, tungstenite::stream::MaybeTlsStream::Plain(stream))
            .expect("handshake with the session");
    assert_eq!(socket.read().unwrap(), WsMessage::text("welcome back, ada"));
    socket.send(WsMessage::text("hi")).unwrap();
    assert_eq!(socket.read().unwrap(), WsMessage::text("ada said hi"));
}

#[test]
fn ticker_route_ticks_while_quiet_and_echoes_at_once() {
    let demo = App::server("demo", &["--multithreaded"]);
    let mut socket = ws(&demo, "/ticker");
    assert_eq!(socket.read().unwrap(), WsMessage::text("tick 1"));
    assert_eq!(socket.read().unwrap(), WsMessage::text("tick 2"));
    socket.send(WsMessage::text("hello")).unwrap();
    // A tick may have been on its way; the echo comes before the next one.
    let mut next = socket.read().unwrap();
    if next == WsMessage::text("tick 3") {
        next = socket.read().unwrap();
    }
    assert_eq!(next, WsMessage::text("echo: hello"));
    let tick = socket.read().unwrap();
    assert!(tick.to_text().unwrap().starts_with("tick "), "{tick:?}");
    let normal = tungstenite::protocol::CloseFrame {
        code: 1000.into(),
        reason: "".into(),
    };
    socket.close(Some(normal)).unwrap();
    while socket.read().is_ok() {}
    let session = demo.wait_for_log("WebSocket /ticker closed after", TIMEOUT);
    assert!(session.contains("close code 1000"), "{session}");
}

#[test]
fn ping_flags_drop_a_silent_client() {
    let demo = App::server(
        "demo",
        &[
            "--multithreaded",
            "--ping-interval",
            "0.2",
            "--ping-timeout",
            "0.2",
        ],
    );
    let stream = raw_websocket(demo.addr(), "/echo");
    let mut opcodes = Vec::new();
    while let Some((_, opcode, _)) = read_server_frame(&stream) {
        opcodes.push(opcode);
    }
    assert_eq!(opcodes, [0x9, 0x8], "a ping, then the close");
    demo.wait_for_log("no answer to a keepalive ping", TIMEOUT);
    let session = demo.wait_for_log("WebSocket /echo closed after", TIMEOUT);
    assert!(session.contains("close code 1011"), "{session}");

    let help = Command::new(example_binary("demo"))
        .args(["runserver", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout).into_owned();
    assert!(
        help.contains("--ping-interval SECS") && help.contains("(default 20)"),
        "{help}"
    );
}

#[test]
fn a_client_that_vanishes_mid_frame_is_logged_as_1006() {
    let demo = App::server("demo", &["--multithreaded"]);
    let stream = raw_websocket(demo.addr(), "/echo");
    // Half of a masked text frame, then the TCP connection ends: no close
    // frame, so no close frame back either, and 1006 in the log (RFC 6455
    // 7.1.5), not the 1000 the view's end would have sent.
    (&stream).write_all(&[0x81, 0x85, 1, 2, 3]).unwrap();
    drop(stream);
    let session = demo.wait_for_log("WebSocket /echo closed after", TIMEOUT);
    assert!(session.contains("close code 1006"), "{session}");
}
