//! HTTP over real sockets: routing, requests, responses, keep-alive, limits.

mod support;

use std::io::{BufReader, Write};
use std::time::Duration;

use support::*;
use wsviews::{path, require_websocket, Cookie, HttpResponse, Request, ServerConfig, UrlPattern};

fn describe(request: &Request) -> HttpResponse {
    let body = format!(
        "{} {} get={:?} post={:?} body={} cookie={:?} ua={:?} id={:?}",
        request.method(),
        request.path(),
        request.get().getlist("a"),
        request.post().get("name"),
        request.body().len(),
        request.cookies().get("sessionid"),
        request.meta().get("HTTP_USER_AGENT"),
        request.kwarg("id"),
    );
    HttpResponse::text(200, body)
}

fn urls() -> Vec<UrlPattern> {
    vec![
        path("plain", |_: &Request| HttpResponse::text(200, "plain")),
        path("describe", describe),
        path("item/<int:id>", describe),
        path("ws", require_websocket(|_: &Request| ())),
        path("panic", |_: &Request| -> HttpResponse { panic!("boom") }),
        path("error", |_: &Request| -> wsviews::Result<HttpResponse> {
            Err(wsviews::Error::ConnectionClosed)
        }),
        path("stream", |_: &Request| {
            HttpResponse::streaming((1..=3).map(|i| format!("step {i}\n")))
        }),
        path("cookie", |_: &Request| {
            let mut response = HttpResponse::new("ok");
            response.set_cookie(Cookie::new("sessionid", "abc").http_only(true));
            response
        }),
    ]
}

fn server() -> TestServer {
    init_test_log();
    TestServer::start(urls())
}

#[test]
fn plain_view_and_404() {
    let server = server();
    let response = server.get("/plain");
    assert_eq!((response.status, response.text()), (200, "plain".into()));
    assert_eq!(response.header("Content-Length"), Some("5"));
    let missing = server.get("/nothing/here");
    assert_eq!(missing.status, 404);
    assert_eq!(missing.text(), "Not Found: /nothing/here");
}

#[test]
fn request_attributes_reach_the_view() {
    let server = server();
    let response = server.request(
        "POST",
        "/item/42?a=1&a=2",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Cookie", "sessionid=s1; other=x"),
            ("User-Agent", "tests"),
        ],
        b"name=Jo+Do",
    );
    assert_eq!(
        response.text(),
        "POST /item/42 get=[\"1\", \"2\"] post=Some(\"Jo Do\") body=10 cookie=Some(\"s1\") ua=Some(\"tests\") id=Some(\"42\")"
    );
    assert_eq!(server.get("/item/x").status, 404);
    let cookie = server.get("/cookie");
    assert_eq!(
        cookie.header("Set-Cookie"),
        Some("sessionid=abc; Path=/; HttpOnly")
    );
}

#[test]
fn keep_alive_and_pipelining() {
    let server = server();
    let stream = connect(server.addr());
    (&stream)
        .write_all(b"GET /plain HTTP/1.1\r\nHost: x\r\n\r\nGET /item/7 HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut reader = BufReader::new(&stream);
    assert_eq!(read_response(&mut reader, false).unwrap().text(), "plain");
    assert!(read_response(&mut reader, false)
        .unwrap()
        .text()
        .contains("id=Some(\"7\")"));
    (&stream)
        .write_all(b"HEAD /plain HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let head = read_response(&mut reader, true).unwrap();
    assert_eq!(
        (head.status, head.header("Content-Length")),
        (200, Some("5"))
    );
    (&stream)
        .write_all(b"GET /plain HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    assert_eq!(read_response(&mut reader, false).unwrap().text(), "plain");
    assert!(
        read_to_close(&stream).is_empty(),
        "closed after Connection: close"
    );
}

#[test]
fn http_1_0_gets_one_response_and_a_close() {
    let server = server();
    let stream = connect(server.addr());
    (&stream).write_all(b"GET /plain HTTP/1.0\r\n\r\n").unwrap();
    let all = String::from_utf8(read_to_close(&stream)).unwrap();
    assert!(
        all.starts_with("HTTP/1.0 200 OK\r\n") && all.ends_with("\r\n\r\nplain"),
        "{all}"
    );
}

#[test]
fn chunked_request_body_and_expect_continue() {
    let server = server();
    let raw = b"POST /describe HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\
        Content-Type: application/x-www-form-urlencoded\r\n\r\n4\r\nname\r\n3\r\n=Jo\r\n0\r\n\r\n";
    assert!(raw_request(server.addr(), raw)
        .text()
        .contains("post=Some(\"Jo\") body=7"));

    let stream = connect(server.addr());
    (&stream)
        .write_all(b"POST /describe HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n")
        .unwrap();
    let mut reader = BufReader::new(&stream);
    assert_eq!(read_response(&mut reader, false).unwrap().status, 100);
    (&stream).write_all(b"abc").unwrap();
    assert!(read_response(&mut reader, false)
        .unwrap()
        .text()
        .contains("body=3"));
}

#[test]
fn streaming_response_is_chunked() {
    let server = server();
    let stream = connect(server.addr());
    (&stream)
        .write_all(b"GET /stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let raw = String::from_utf8(read_to_close(&stream)).unwrap();
    assert!(raw.contains("Transfer-Encoding: chunked\r\n"), "{raw}");
    assert!(
        raw.ends_with("7\r\nstep 1\n\r\n7\r\nstep 2\n\r\n7\r\nstep 3\n\r\n0\r\n\r\n"),
        "{raw}"
    );
    assert_eq!(server.get("/stream").text(), "step 1\nstep 2\nstep 3\n");
}

#[test]
fn panicking_and_failing_views_give_500_and_the_server_goes_on() {
    let server = server();
    assert_eq!(server.get("/panic").status, 500);
    assert_eq!(server.get("/error").status, 500);
    assert_eq!(server.get("/plain").status, 200);
}

#[test]
fn require_websocket_refuses_plain_http() {
    let server = server();
    let response = server.get("/ws");
    assert_eq!(response.status, 400);
    assert_eq!(response.text(), "This view requires a WebSocket connection");
}

fn limited() -> TestServer {
    init_test_log();
    let config = ServerConfig::default()
        .max_head_size(1024)
        .max_headers(8)
        .max_body_size(100)
        .head_timeout(Duration::from_millis(300));
    TestServer::start_with_config(urls(), config)
}

#[test]
fn head_and_body_limits() {
    let server = limited();
    let big_head = format!("GET /plain HTTP/1.1\r\nX-Big: {}\r\n\r\n", "x".repeat(2000));
    assert_eq!(raw_request(server.addr(), big_head.as_bytes()).status, 431);
    let many = format!("GET /plain HTTP/1.1\r\n{}\r\n", "X-A: 1\r\n".repeat(9));
    assert_eq!(raw_request(server.addr(), many.as_bytes()).status, 431);
    let big_body = b"POST /describe HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\n\r\n";
    assert_eq!(raw_request(server.addr(), big_body).status, 413);
    let chunked = format!(
        "POST /describe HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n65\r\n{}\r\n0\r\n\r\n",
        "x".repeat(101)
    );
    assert_eq!(raw_request(server.addr(), chunked.as_bytes()).status, 413);
    let garbage = b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n";
    assert_eq!(raw_request(server.addr(), garbage).status, 400);
    assert_eq!(server.get("/plain").status, 200);
}

#[test]
fn stalled_head_is_closed_and_blocks_nobody() {
    let server = limited();
    let stalled = connect(server.addr());
    (&stalled)
        .write_all(b"GET /plain HTTP/1.1\r\nHost:")
        .unwrap();
    assert_eq!(
        server.get("/plain").status,
        200,
        "another client is served meanwhile"
    );
    assert!(
        read_to_close(&stalled).is_empty(),
        "the stalled client is disconnected"
    );
}

#[test]
fn max_connections_answers_503() {
    init_test_log();
    let server = TestServer::start_with_config(urls(), ServerConfig::default().max_connections(2));
    let held: Vec<_> = (0..2).map(|_| connect(server.addr())).collect();
    wait_until("both connections are registered", || {
        server.handle().connection_count() == 2
    });
    let refused = raw_request(server.addr(), b"GET /plain HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(
        (refused.status, refused.header("Retry-After")),
        (503, Some("1"))
    );
    drop(held);
    wait_until("the held connections are gone", || {
        server.handle().connection_count() == 0
    });
    assert_eq!(server.get("/plain").status, 200);
}
