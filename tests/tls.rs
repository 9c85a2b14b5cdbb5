//! HTTPS and `wss://` over real sockets, with a certificate made at test
//! time and rustls as the client.
#![cfg(feature = "tls")]

#[path = "support/certificate.rs"]
mod certificate;
#[path = "support/examples.rs"]
mod examples;
#[path = "support/processes.rs"]
mod processes;
mod support;

use std::io::{BufReader, Write};
use std::thread;

use certificate::Certificate;
use support::*;
use wsviews::{path, require_websocket, HttpResponse, Request, Server, ServerHandle};

/// Starts `urlpatterns` over HTTPS with `cert`.
fn start(cert: &Certificate, urlpatterns: Vec<wsviews::UrlPattern>) -> ServerHandle {
    init_test_log();
    Server::bind_tls("127.0.0.1:0", urlpatterns, cert.cert_pem(), cert.key_pem())
        .expect("bind_tls")
        .spawn()
        .expect("spawn")
}

fn describe(request: &Request) -> HttpResponse {
    HttpResponse::new(format!(
        "{} {} secure={} scheme={}",
        request.method(),
        request.path(),
        request.is_secure(),
        request.scheme()
    ))
}

/// Echoes every message while another thread sends `ticks` through a Sender.
fn echo_with_ticks(request: &Request) -> wsviews::Result<()> {
    let websocket = request.websocket().expect("a WebSocket");
    let sender = websocket.sender();
    let ticker = thread::spawn(move || {
        for i in 0..TICKS {
            sender.send(format!("tick {i}"))?;
        }
        Ok::<(), wsviews::Error>(())
    });
    for message in websocket {
        websocket.send(message)?;
    }
    let _ = ticker.join();
    Ok(())
}

const TICKS: usize = 200;

#[test]
fn https_get_with_keep_alive() {
    let cert = Certificate::new();
    let server = start(&cert, vec![path("describe", describe)]);
    let mut stream = cert.connect(server.local_addr());
    for _ in 0..2 {
        stream
            .write_all(b"GET /describe HTTP/1.1\r\nHost: localhost\r\n\r\n")
            .expect("request");
        let mut reader = BufReader::new(&mut stream);
        let response = read_response(&mut reader, false).expect("response");
        assert_eq!(response.status, 200);
        assert_eq!(response.text(), "GET /describe secure=true scheme=https");
    }
    assert_eq!(
        stream.conn.alpn_protocol(),
        None,
        "no ALPN offered, none chosen"
    );
}

#[test]
fn wss_echo_while_a_sender_writes_from_another_thread() {
    let cert = Certificate::new();
    let server = start(
        &cert,
        vec![path("echo", require_websocket(echo_with_ticks))],
    );
    let stream = cert.connect(server.local_addr());
    let (mut ws, _) = tungstenite::client("wss://localhost/echo", stream).expect("handshake");
    let mut echoes = Vec::new();
    let mut ticks = Vec::new();
    for i in 0..TICKS {
        ws.send(tungstenite::Message::text(format!("echo {i}")))
            .expect("send");
    }
    while echoes.len() < TICKS || ticks.len() < TICKS {
        match ws.read().expect("a message") {
            tungstenite::Message::Text(text) if text.starts_with("echo") => {
                echoes.push(text.to_string())
            }
            tungstenite::Message::Text(text) => ticks.push(text.to_string()),
            other => panic!("unexpected {other:?}"),
        }
    }
    let want = |word: &str| {
        (0..TICKS)
            .map(|i| format!("{word} {i}"))
            .collect::<Vec<_>>()
    };
    assert_eq!(echoes, want("echo"));
    assert_eq!(ticks, want("tick"));
    let normal = tungstenite::protocol::CloseFrame {
        code: tungstenite::protocol::frame::coding::CloseCode::Normal,
        reason: "".into(),
    };
    ws.close(Some(normal)).expect("close");
    loop {
        match ws.read() {
            Ok(tungstenite::Message::Close(frame)) => {
                assert_eq!(frame.map(|f| u16::from(f.code)), Some(1000));
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
}

/// Polls with the non-blocking `count_messages` and `read`, which ask the
/// TLS socket whether a read would block.
fn poll_three(request: &Request) -> wsviews::Result<()> {
    let websocket = request.websocket().expect("a WebSocket");
    websocket.send("go")?;
    let deadline = std::time::Instant::now() + TIMEOUT;
    while websocket.count_messages() < 3 && std::time::Instant::now() < deadline {
        thread::sleep(std::time::Duration::from_millis(1));
    }
    websocket.send(websocket.count_messages().to_string())?;
    while let Some(message) = websocket.read() {
        websocket.send(message)?;
    }
    websocket.send("drained")?;
    Ok(())
}

#[test]
fn non_blocking_reads_over_tls() {
    let cert = Certificate::new();
    let server = start(&cert, vec![path("poll", require_websocket(poll_three))]);
    let stream = cert.connect(server.local_addr());
    let (mut ws, _) = tungstenite::client("wss://localhost/poll", stream).expect("handshake");
    let first = ws.read().expect("a message").into_text().expect("text");
    assert_eq!(first.as_str(), "go");
    for word in ["a", "b", "c"] {
        ws.send(tungstenite::Message::text(word)).expect("send");
    }
    let got: Vec<String> = (0..5)
        .map(|_| {
            ws.read()
                .expect("a message")
                .into_text()
                .expect("text")
                .to_string()
        })
        .collect();
    assert_eq!(got, ["3", "a", "b", "c", "drained"]);
}

#[test]
fn plain_http_on_the_tls_port_is_dropped_and_the_server_lives_on() {
    let cert = Certificate::new();
    let server = start(&cert, vec![path("describe", describe)]);
    let plain = connect(server.local_addr());
    (&plain)
        .write_all(b"GET /describe HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .expect("write");
    let answer = read_to_close(&plain);
    assert!(!answer.starts_with(b"HTTP/"), "no plaintext HTTP answer");
    let mut stream = cert.connect(server.local_addr());
    stream
        .write_all(b"GET /describe HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .expect("request");
    let response = read_response(&mut BufReader::new(stream), false).expect("response");
    assert_eq!(response.status, 200);
}

#[test]
fn bad_pem_files_are_errors() {
    let cert = Certificate::new();
    let missing = Server::bind_tls(
        "127.0.0.1:0",
        vec![],
        cert.dir.join("nope.pem"),
        cert.dir.join("key.pem"),
    );
    assert!(matches!(missing, Err(wsviews::Error::Io(_))), "{missing:?}");
    let swapped = Server::bind_tls(
        "127.0.0.1:0",
        vec![],
        cert.dir.join("key.pem"),
        cert.dir.join("cert.pem"),
    );
    assert!(
        matches!(swapped, Err(wsviews::Error::Config(_))),
        "{swapped:?}"
    );
}

#[test]
fn runserver_serves_https_and_wss_with_cert_and_key() {
    let cert = Certificate::new();
    let (cert_pem, key_pem) = (cert.dir.join("cert.pem"), cert.dir.join("key.pem"));
    let demo = processes::App::server(
        "demo",
        &[
            "--multithreaded",
            "--cert",
            cert_pem.to_str().expect("utf-8 path"),
            "--key",
            key_pem.to_str().expect("utf-8 path"),
        ],
    );
    let mut stream = cert.connect(demo.addr());
    stream
        .write_all(b"GET /plain HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .expect("request");
    let response = read_response(&mut BufReader::new(&mut stream), false).expect("response");
    assert_eq!(
        (response.status, response.text()),
        (200, "plain".to_owned())
    );

    let stream = cert.connect(demo.addr());
    let (mut ws, _) = tungstenite::client("wss://localhost/echo", stream).expect("wss handshake");
    ws.send(tungstenite::Message::text("over TLS"))
        .expect("send");
    assert_eq!(
        ws.read().expect("echo"),
        tungstenite::Message::text("over TLS")
    );
}
