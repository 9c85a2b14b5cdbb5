//! Property tests of the code that sees a client's raw bytes first: the
//! request-head parser, the handshake validator, the request built from them
//! and the body reader. On any input they return a result; they never panic.
//! And the response-head writer: whatever headers a view sets, the head
//! parses as one response holding only those it admitted.
//!
//! Bounded for CI: a fixed number of cases each (`PROPTEST_CASES` raises it
//! for a longer local run), a few seconds in all.

use proptest::prelude::*;

use crate::http::body::read_body;
use crate::http::handshake::{is_upgrade_request, validate_handshake};
use crate::http::head::{find_head_end, parse_head};
use crate::http::head_writer::{Body, Connection, Refusal, ResponseHead};
use crate::http::request::Request;

/// Cases per property unless `PROPTEST_CASES` says otherwise.
const CASES: u32 = 4096;

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(CASES);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Pieces a request head is made of, so random heads often parse and reach
/// the handshake validator and the request, not only the parser's first check.
fn piece() -> impl Strategy<Value = Vec<u8>> {
    let words: Vec<&'static [u8]> = vec![
        b"GET ",
        b"POST ",
        b"/chat?a=1&b=%zz&c",
        b"http://host/x",
        b" HTTP/1.1\r\n",
        b" HTTP/1.0\r\n",
        b"Host: h\r\n",
        b"Upgrade: websocket\r\n",
        b"Connection: keep-alive, Upgrade\r\n",
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n",
        b"Sec-WebSocket-Key: ====\r\n",
        b"Sec-WebSocket-Version: 13\r\n",
        b"Sec-WebSocket-Protocol: a, , b\r\n",
        b"Cookie: a=b; ; =c; d\r\n",
        b"Content-Type: application/x-www-form-urlencoded\r\n",
        b"Content-Length: 3\r\n",
        b"Transfer-Encoding: chunked\r\n",
        b"Origin: http://o\r\n",
        b"\r\n",
        b"\r",
        b"\n",
        b":",
        b"\xff\xfe",
    ];
    prop_oneof![
        3 => proptest::sample::select(words).prop_map(<[u8]>::to_vec),
        1 => proptest::collection::vec(any::<u8>(), 0..16),
    ]
}

fn head_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..512),
        proptest::collection::vec(piece(), 0..24).prop_map(|p| p.concat()),
    ]
}

fn addr() -> std::net::SocketAddr {
    std::net::SocketAddr::from(([127, 0, 0, 1], 8000))
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn head_parser_never_panics(bytes in head_bytes(), from in 0usize..600, max in 1usize..40) {
        if let Ok(Some(end)) = find_head_end(&bytes, from) {
            prop_assert!(end <= bytes.len());
        }
        if let Ok(Some((head, len))) = parse_head(&bytes, max) {
            prop_assert!(len <= bytes.len());
            prop_assert!(head.headers.len() <= max);
            let _ = is_upgrade_request(&head);
            let _ = head.wants_keep_alive();
        }
    }

    #[test]
    fn handshake_and_request_never_panic(bytes in head_bytes(), body in head_bytes()) {
        let Ok(Some((head, len))) = parse_head(&bytes, 32) else {
            return Ok(());
        };
        let _ = validate_handshake(&head);
        let mut rest = &bytes[len..];
        let body = read_body(&mut rest, &mut Vec::new(), &head, 64).unwrap_or(body);
        let request = Request::new(head, body, addr(), addr());
        let _ = (request.path(), request.get().getlist("a"), request.post().get("a"));
        let _ = (request.cookies().len(), request.meta().len(), request.is_websocket());
    }

    #[test]
    fn a_response_head_is_one_response_whatever_the_headers(
        pairs in proptest::collection::vec((header_text(), header_text()), 0..6),
        status in 0u16..1100,
        minor in 0u8..2,
    ) {
        let headers: Vec<(String, String)> = pairs;
        let head = ResponseHead {
            minor,
            status,
            headers: &headers,
            body: Body::Length(3),
            head_only: false,
            connection: Connection::KeepAlive,
        };
        let written = head.write(std::time::SystemTime::now());
        let mut parsed = [httparse::EMPTY_HEADER; 16];
        let mut response = httparse::Response::new(&mut parsed);
        let parsed = response.parse(&written.bytes);
        prop_assert_eq!(parsed, Ok(httparse::Status::Complete(written.bytes.len())));
        let trim = |v: &[u8]| String::from_utf8_lossy(v).trim_matches([' ', '\t']).to_owned();
        let own = |h: &httparse::Header<'_>| {
            headers.iter().any(|(n, v)| n == h.name && v.trim_matches([' ', '\t']) == trim(h.value))
        };
        let writers = ["Date", "Server", "Connection", "Content-Length"];
        let sent = response.headers.iter().filter(|h| own(h)).count();
        prop_assert!(response.headers.iter().all(|h| own(h) || writers.contains(&h.name)));
        let refused = written.refused.iter().filter(|r| !matches!(r, Refusal::Status(_)));
        prop_assert_eq!(sent, headers.len() - refused.count());
    }
}

/// Header names and values: tokens, or text with the bytes that could
/// split a head.
fn header_text() -> impl Strategy<Value = String> {
    let token = vec!['a', 'Z', '-', '_', '!'];
    let any = vec!['a', 'Z', '-', ':', ' ', '\t', '\r', '\n', '\0', '\x7f', 'é'];
    let text = |chars: Vec<char>| {
        proptest::collection::vec(proptest::sample::select(chars), 0..12)
            .prop_map(|chars| chars.into_iter().collect())
    };
    prop_oneof![text(token), text(any)]
}
