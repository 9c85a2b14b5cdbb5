//! Response heads on the wire, from the one head writer: a view's `Server`
//! header replaces the default, a header that could inject others never
//! reaches the wire, HTTP/1.0 keep-alive, `Connection: close` whenever the
//! server closes, and the heads of `101`, `100 Continue`, `204` and `503`.

mod support;

use std::io::{BufReader, Read, Write};

use support::*;
use wsviews::{path, require_websocket, HttpResponse, Request, ServerConfig};

fn server_with(config: ServerConfig) -> TestServer {
    init_test_log();
    let urls = vec![
        path("plain", |_: &Request| HttpResponse::text(200, "plain")),
        path("own-server", |_: &Request| {
            HttpResponse::text(200, "mine").with_header("Server", "my-app/1.0")
        }),
        path("injected", |_: &Request| {
            HttpResponse::text(200, "safe")
                .with_header("X-Split", "a\r\nSet-Cookie: evil=1")
                .with_header("X-Bad\r\nName", "1")
                .with_header("Content-Length", "1")
                .with_header("X-Fine", "kept")
        }),
        path("empty", |_: &Request| {
            HttpResponse::new("").with_status(204)
        }),
        path("odd-status", |_: &Request| HttpResponse::text(42, "odd")),
        path(
            "ws",
            require_websocket(|request: &Request| {
                let _ = request.websocket().map(|ws| ws.wait());
            }),
        ),
    ];
    TestServer::start_with_config(urls, config)
}

fn server() -> TestServer {
    server_with(ServerConfig::default())
}

fn count(head: &str, name: &str) -> usize {
    head.lines()
        .filter(|l| {
            l.to_ascii_lowercase()
                .starts_with(&format!("{}:", name.to_ascii_lowercase()))
        })
        .count()
}

#[test]
fn a_views_server_header_replaces_the_default_once() {
    let server = server();
    let stream = connect(server.addr());
    (&stream)
        .write_all(b"GET /own-server HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let raw = String::from_utf8(read_to_close(&stream)).unwrap();
    assert_eq!(count(&raw, "Server"), 1, "{raw}");
    assert!(raw.contains("\r\nServer: my-app/1.0\r\n"), "{raw}");
    assert!(raw.ends_with("\r\n\r\nmine"), "{raw}");
    let plain = server.get("/plain");
    assert_eq!(plain.header("Server"), Some("wsviews"));
    assert!(plain.header("Date").is_some_and(|d| d.ends_with(" GMT")));
}

#[test]
fn a_header_that_could_inject_never_reaches_the_wire() {
    let server = server();
    let stream = connect(server.addr());
    (&stream)
        .write_all(b"GET /injected HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let raw = String::from_utf8(read_to_close(&stream)).unwrap();
    for absent in ["evil", "X-Split", "X-Bad", "Content-Length: 1\r\n"] {
        assert!(!raw.contains(absent), "{absent:?} in {raw}");
    }
    assert!(raw.contains("\r\nX-Fine: kept\r\n") && raw.contains("\r\nContent-Length: 4\r\n"));
    assert!(
        raw.starts_with("HTTP/1.1 200 OK\r\n") && raw.ends_with("\r\n\r\nsafe"),
        "{raw}"
    );
}

#[test]
fn http_1_0_keep_alive_is_kept_and_said() {
    let server = server();
    let stream = connect(server.addr());
    let mut reader = BufReader::new(&stream);
    for _ in 0..2 {
        (&stream)
            .write_all(b"GET /plain HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            .unwrap();
        let response = read_response(&mut reader, false).unwrap();
        assert_eq!(response.header("Connection"), Some("keep-alive"));
        assert_eq!(response.text(), "plain");
    }
    (&stream).write_all(b"GET /plain HTTP/1.0\r\n\r\n").unwrap();
    let last = read_response(&mut reader, false).unwrap();
    assert_eq!(
        (last.text(), last.header("Connection")),
        ("plain".into(), None)
    );
    let mut rest = Vec::new();
    reader.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty(), "closed after a plain HTTP/1.0 request");
}

#[test]
fn the_server_says_connection_close_whenever_it_closes() {
    let server = server();
    // A refused WebSocket handshake closes the connection.
    let refused = raw_request(server.addr(), handshake("/plain", &[]).as_bytes());
    assert_eq!(
        (refused.status, refused.header("Connection")),
        (400, Some("close"))
    );
    // A body over the limit too.
    let limited = server_with(ServerConfig::default().max_body_size(4));
    let raw = b"POST /plain HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n12345";
    let too_big = raw_request(limited.addr(), raw);
    assert_eq!(
        (too_big.status, too_big.header("Connection")),
        (413, Some("close"))
    );
    // And a single-threaded server after each response.
    let single = server_with(ServerConfig::default().multithreaded(false));
    let stream = connect(single.addr());
    (&stream)
        .write_all(b"GET /plain HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut reader = BufReader::new(&stream);
    let response = read_response(&mut reader, false).unwrap();
    assert_eq!(response.header("Connection"), Some("close"));
}

#[test]
fn status_204_has_no_body_and_the_connection_goes_on() {
    let server = server();
    let stream = connect(server.addr());
    let mut reader = BufReader::new(&stream);
    (&stream)
        .write_all(b"GET /empty HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let response = read_response(&mut reader, false).unwrap();
    assert_eq!(response.status, 204);
    assert_eq!(response.header("Content-Length"), None);
    (&stream)
        .write_all(b"GET /plain HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    assert_eq!(read_response(&mut reader, false).unwrap().text(), "plain");
}

#[test]
fn a_status_that_is_not_three_digits_is_sent_as_500() {
    let server = server();
    let response = server.get("/odd-status");
    assert_eq!((response.status, response.text()), (500, "odd".into()));
}

#[test]
fn the_101_and_the_100_continue_heads() {
    let server = server();
    let stream = connect(server.addr());
    (&stream)
        .write_all(handshake("/ws", &[]).as_bytes())
        .unwrap();
    let switching = read_response(&mut BufReader::new(&stream), true).unwrap();
    assert_eq!(switching.status, 101);
    let names: Vec<&str> = switching.headers.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "Date",
            "Server",
            "Sec-WebSocket-Accept",
            "Connection",
            "Upgrade"
        ],
        "once each, no body framing"
    );
    assert_eq!(switching.header("Upgrade"), Some("websocket"));

    let stream = connect(server.addr());
    (&stream)
        .write_all(
            b"POST /plain HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n",
        )
        .unwrap();
    let mut continue_head = [0u8; 25];
    (&stream).read_exact(&mut continue_head).unwrap();
    assert_eq!(&continue_head, b"HTTP/1.1 100 Continue\r\n\r\n");
}

#[test]
fn a_refused_connection_gets_a_whole_503_head() {
    let server = server_with(ServerConfig::default().max_connections(1));
    let held = connect(server.addr());
    wait_until("the held connection is registered", || {
        server.handle().connection_count() == 1
    });
    let stream = connect(server.addr());
    (&stream)
        .write_all(b"GET /plain HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let raw = String::from_utf8(read_to_close(&stream)).unwrap();
    assert!(
        raw.starts_with("HTTP/1.1 503 Service Unavailable\r\n"),
        "{raw}"
    );
    for line in [
        "Retry-After: 1",
        "Connection: close",
        "Server: wsviews",
        "Content-Length: 27",
    ] {
        assert!(raw.contains(&format!("\r\n{line}\r\n")), "{line} in {raw}");
    }
    assert!(
        raw.ends_with("\r\n\r\nServer busy, retry shortly\n"),
        "{raw}"
    );
    drop(held);
}
