//! Hostile HTTP clients over real sockets (issue 12, points 1, 2 and 4):
//! request smuggling (RFC 9112 §6.1/§6.3), Host rules, bare LF, chunk sizes
//! that overflow, and bodies that trickle in. Each is refused at once, and
//! no request hidden behind a refused one is ever executed.

mod support;

use std::io::{BufReader, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use support::*;
use wsviews::{path, require_websocket, HttpResponse, Request, ServerConfig, UrlPattern};

/// `/post` answers with the body's length; `/hit` counts its calls.
fn urls(hits: Arc<AtomicUsize>) -> Vec<UrlPattern> {
    vec![
        path("post", |request: &Request| {
            HttpResponse::text(200, format!("body={}", request.body().len()))
        }),
        path("hit", move |_: &Request| {
            hits.fetch_add(1, Ordering::SeqCst);
            HttpResponse::text(200, "hit")
        }),
        path("ws", require_websocket(|_: &Request| ())),
    ]
}

fn server_with(config: ServerConfig) -> (TestServer, Arc<AtomicUsize>) {
    init_test_log();
    let hits = Arc::new(AtomicUsize::new(0));
    let config = config.max_body_size(1000);
    (
        TestServer::start_with_config(urls(Arc::clone(&hits)), config),
        hits,
    )
}

fn server() -> (TestServer, Arc<AtomicUsize>) {
    server_with(ServerConfig::default())
}

/// Sends `raw` on a new connection: the one response, and whatever the
/// server sent after it before closing (it must close).
fn exchange(server: &TestServer, raw: &str) -> (u16, Vec<u8>) {
    let stream = connect(server.addr());
    (&stream).write_all(raw.as_bytes()).expect("write");
    let mut reader = BufReader::new(&stream);
    let response = read_response(&mut reader, false).expect("a response within the timeout");
    let mut rest = reader.buffer().to_vec();
    rest.extend(read_to_close(&stream));
    (response.status, rest)
}

/// A pipelined `GET /hit` that must never run.
const SMUGGLED: &str = "GET /hit HTTP/1.1\r\nHost: x\r\n\r\n";

#[test]
fn ambiguous_framing_is_400_and_the_request_behind_it_never_runs() {
    let (server, hits) = server();
    let cases = [
        // Two Transfer-Encoding headers: the final coding is identity.
        "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n",
        "Transfer-Encoding: chunked, identity\r\n",
        "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
        "Transfer-Encoding: chunked\r\nContent-Length: 0\r\n",
        "Content-Length: 5\r\nContent-Length: 0\r\n",
        "Content-Length: 5, 0\r\n",
        "Transfer-Encoding: identity\r\n",
        "Transfer-Encoding: chunked, chunked\r\n",
    ];
    for framing in cases {
        let raw = format!("POST /post HTTP/1.1\r\nHost: x\r\n{framing}\r\n0\r\n\r\n{SMUGGLED}");
        let (status, rest) = exchange(&server, &raw);
        assert_eq!(status, 400, "{framing:?}");
        assert!(
            rest.is_empty(),
            "{framing:?}: nothing after the 400: {rest:?}"
        );
    }
    let http10 = format!(
        "POST /post HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n{SMUGGLED}"
    );
    assert_eq!(exchange(&server, &http10).0, 400);
    assert_eq!(hits.load(Ordering::SeqCst), 0, "a smuggled request ran");

    // Honest pipelining still works: both requests are answered.
    let honest = format!(
        "POST /post HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n{SMUGGLED}"
    );
    let stream = connect(server.addr());
    (&stream).write_all(honest.as_bytes()).expect("write");
    let mut reader = BufReader::new(&stream);
    assert_eq!(read_response(&mut reader, false).unwrap().text(), "body=3");
    assert_eq!(read_response(&mut reader, false).unwrap().text(), "hit");
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

#[test]
fn chunk_sizes_past_the_limit_or_u64_are_refused_at_once() {
    // The default head timeout (10 s) is longer than the client's: an answer
    // that waited for a timeout would fail the test.
    let (server, _) = server();
    let chunked = |size: &str| {
        format!("POST /post HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n{size}\r\n")
    };
    assert_eq!(exchange(&server, &chunked("10000000000000000")).0, 400);
    assert_eq!(
        exchange(&server, &chunked("ffffffffffffffffffffffff")).0,
        400
    );
    assert_eq!(exchange(&server, &chunked("ffffffffffffffff")).0, 413);
    assert_eq!(exchange(&server, &chunked("3e9")).0, 413);
    assert_eq!(exchange(&server, &chunked("3\nabc")).0, 400);
}

#[test]
fn host_and_header_rules() {
    let (server, hits) = server();
    let get = |head: &str| exchange(&server, &format!("{head}\r\n")).0;
    assert_eq!(get("GET /hit HTTP/1.1\r\n"), 400, "no Host");
    assert_eq!(get("GET /hit HTTP/1.1\r\nHost: a\r\nHost: b\r\n"), 400);
    assert_eq!(get("GET /hit HTTP/1.1\r\nHost: a\r\nhost: a\r\n"), 400);
    assert_eq!(
        get("POST /post HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n"),
        400
    );
    assert_eq!(hits.load(Ordering::SeqCst), 0);
    assert_eq!(get("GET /hit HTTP/1.0\r\n"), 200, "HTTP/1.0 needs no Host");

    let two_keys = handshake("/ws", &[]).replace(
        "\r\n\r\n",
        "\r\nSec-WebSocket-Key: AQIDBAUGBwgJCgsMDQ4PEA==\r\n\r\n",
    );
    assert_eq!(
        exchange(&server, &two_keys).0,
        400,
        "two Sec-WebSocket-Keys"
    );
}

#[test]
fn bare_lf_is_400_at_once_never_a_hang() {
    let (server, hits) = server();
    for raw in [
        "GET /hit HTTP/1.1\nHost: x\n\n",
        "GET /hit HTTP/1.1\r\nHost: x\n\n",
        "GET /hit HTTP/1.1\r\nHost: x\r\n\n",
        "GET /hit HTTP/1.1\nHost: x\r\n\r\n",
    ] {
        assert_eq!(exchange(&server, raw).0, 400, "{raw:?}");
    }
    assert_eq!(hits.load(Ordering::SeqCst), 0);
}

#[test]
fn a_trickling_body_gets_408_at_its_deadline() {
    let (server, _) = server_with(ServerConfig::default().body_timeout(Duration::from_millis(300)));
    let stream = connect(server.addr());
    (&stream)
        .write_all(b"POST /post HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
        .expect("write");
    // One byte every 20 ms: every read succeeds long before any per-read
    // timeout, so only a deadline for the whole body ends it.
    let (done, stop) = crossbeam_channel::bounded::<()>(1);
    let writer = stream.try_clone().expect("clone");
    let trickle = std::thread::spawn(move || {
        let mut sent = 0;
        let paced = || {
            matches!(
                stop.recv_timeout(Duration::from_millis(20)),
                Err(crossbeam_channel::RecvTimeoutError::Timeout)
            )
        };
        while sent < 999 && paced() {
            if (&writer).write_all(b"x").is_err() {
                break;
            }
            sent += 1;
        }
        sent
    });
    let response = read_response(&mut BufReader::new(&stream), false).expect("a 408");
    drop(done);
    assert_eq!(response.status, 408);
    let sent = trickle.join().expect("trickle");
    assert!(sent < 999, "the server waited for the whole body");
    assert_eq!(server.get("/hit").status, 200, "the server serves others");
}
