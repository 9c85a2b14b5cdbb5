use std::time::{Duration, UNIX_EPOCH};

use super::*;

/// RFC 9110's example date.
const DATE: &str = "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n";

fn at() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(784_111_777)
}

fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}

fn head(
    minor: u8,
    status: u16,
    body: Body,
    connection: Connection<'static>,
) -> ResponseHead<'static> {
    ResponseHead {
        minor,
        status,
        headers: &[],
        body,
        head_only: false,
        connection,
    }
}

/// The bytes after `Date` and `Server: wsviews`, the send mode, keep-alive.
fn rest(written: &Written) -> (String, SendBody, bool) {
    let text = String::from_utf8(written.bytes.clone()).unwrap();
    let line_end = text.find("\r\n").unwrap() + 2;
    let (line, headers) = text.split_at(line_end);
    let tail = headers
        .strip_prefix(DATE)
        .and_then(|t| t.strip_prefix("Server: wsviews\r\n"))
        .unwrap_or_else(|| panic!("Date and Server first: {text:?}"));
    (format!("{line}{tail}"), written.send, written.keep_alive)
}

#[test]
fn framing_and_connection_rules() {
    use Body::{Length, Stream};
    use Connection::{Close, KeepAlive};
    use SendBody::{Chunked, Nothing, Plain};
    let head_request = |h: ResponseHead<'static>| ResponseHead {
        head_only: true,
        ..h
    };
    #[rustfmt::skip]
    let cases: Vec<(&str, ResponseHead<'static>, &str, SendBody, bool)> = vec![
        ("1.1 keep-alive says nothing", head(1, 200, Length(5), KeepAlive),
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", Plain, true),
        ("1.1 close", head(1, 200, Length(5), Close),
            "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 5\r\n\r\n", Plain, false),
        ("1.0 keep-alive is said", head(0, 200, Length(5), KeepAlive),
            "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 5\r\n\r\n", Plain, true),
        ("1.0 closes by default", head(0, 200, Length(5), Close),
            "HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\n", Plain, false),
        ("1.1 stream is chunked", head(1, 200, Stream, KeepAlive),
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", Chunked, true),
        ("1.1 stream, close", head(1, 200, Stream, Close),
            "HTTP/1.1 200 OK\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n", Chunked, false),
        ("1.0 stream ends with the close", head(0, 200, Stream, KeepAlive),
            "HTTP/1.0 200 OK\r\n\r\n", Plain, false),
        ("HEAD keeps the length", head_request(head(1, 200, Length(5), KeepAlive)),
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", Nothing, true),
        ("HEAD of a stream", head_request(head(1, 200, Stream, KeepAlive)),
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", Nothing, true),
        ("HEAD of a 1.0 stream", head_request(head(0, 200, Stream, KeepAlive)),
            "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n", Nothing, true),
        ("204 has no body", head(1, 204, Length(3), KeepAlive),
            "HTTP/1.1 204 No Content\r\n\r\n", Nothing, true),
        ("204 stream", head(1, 204, Stream, KeepAlive),
            "HTTP/1.1 204 No Content\r\n\r\n", Nothing, true),
        ("304 has no body", head(1, 304, Length(3), Close),
            "HTTP/1.1 304 Not Modified\r\nConnection: close\r\n\r\n", Nothing, false),
        ("1xx has no body", head(1, 103, Length(0), KeepAlive),
            "HTTP/1.1 103 Early Hints\r\n\r\n", Nothing, true),
        ("empty 200 says 0", head(1, 200, Length(0), KeepAlive),
            "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", Plain, true),
        ("101 upgrade", head(1, 101, Length(0), Connection::Upgrade("websocket")),
            "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n", Nothing, false),
    ];
    for (what, head, bytes, send, keep_alive) in cases {
        let written = head.write(at());
        assert_eq!(
            rest(&written),
            (bytes.to_owned(), send, keep_alive),
            "{what}"
        );
        assert!(written.refused.is_empty(), "{what}");
    }
}

#[test]
fn status_lines_and_reason_phrases() {
    #[rustfmt::skip]
    let cases = [
        (1, 200, "HTTP/1.1 200 OK"), (0, 200, "HTTP/1.0 200 OK"),
        (1, 101, "HTTP/1.1 101 Switching Protocols"), (1, 302, "HTTP/1.1 302 Found"),
        (1, 400, "HTTP/1.1 400 Bad Request"), (1, 404, "HTTP/1.1 404 Not Found"),
        (1, 413, "HTTP/1.1 413 Payload Too Large"), (1, 426, "HTTP/1.1 426 Upgrade Required"),
        (1, 431, "HTTP/1.1 431 Request Header Fields Too Large"),
        (1, 500, "HTTP/1.1 500 Internal Server Error"), (1, 501, "HTTP/1.1 501 Not Implemented"),
        (1, 503, "HTTP/1.1 503 Service Unavailable"), (1, 299, "HTTP/1.1 299 Unknown"),
        (1, 999, "HTTP/1.1 999 Unknown"),
    ];
    for (minor, status, line) in cases {
        let written = head(minor, status, Body::Length(0), Connection::KeepAlive).write(at());
        let text = String::from_utf8(written.bytes).unwrap();
        assert_eq!(text.split("\r\n").next(), Some(line), "{status}");
        assert!(written.refused.is_empty());
    }
}

#[test]
fn a_status_that_is_not_three_digits_goes_out_as_500() {
    for status in [0, 42, 99, 1000, u16::MAX] {
        let written = head(1, status, Body::Length(0), Connection::KeepAlive).write(at());
        assert!(written
            .bytes
            .starts_with(b"HTTP/1.1 500 Internal Server Error\r\n"));
        assert_eq!(written.refused, [Refusal::Status(status)]);
    }
}

#[test]
fn own_server_and_date_replace_the_defaults() {
    let own = headers(&[
        ("server", "mine"),
        ("Date", "Mon, 07 Nov 1994 08:49:37 GMT"),
    ]);
    let written = ResponseHead {
        headers: &own,
        ..head(1, 200, Body::Length(0), Connection::KeepAlive)
    }
    .write(at());
    assert_eq!(
        String::from_utf8(written.bytes).unwrap(),
        "HTTP/1.1 200 OK\r\nserver: mine\r\nDate: Mon, 07 Nov 1994 08:49:37 GMT\r\n\
         Content-Length: 0\r\n\r\n"
    );
}

#[test]
fn headers_that_could_inject_or_reframe_are_refused() {
    #[rustfmt::skip]
    let cases = [
        ("X-Split", "a\r\nSet-Cookie: evil=1", Refusal::Value("X-Split".into())),
        ("X-Lf", "a\nb", Refusal::Value("X-Lf".into())),
        ("X-Cr", "a\rb", Refusal::Value("X-Cr".into())),
        ("X-Nul", "a\0b", Refusal::Value("X-Nul".into())),
        ("X-Del", "a\x7fb", Refusal::Value("X-Del".into())),
        ("X-Accent", "caf\u{e9}", Refusal::Value("X-Accent".into())),
        ("X-Name\r\nEvil", "1", Refusal::Name("X-Name\r\nEvil".into())),
        ("Bad Name", "1", Refusal::Name("Bad Name".into())),
        ("Bad:Name", "1", Refusal::Name("Bad:Name".into())),
        ("", "1", Refusal::Name(String::new())),
        ("Content-Length", "99", Refusal::SetByServer("Content-Length".into())),
        ("transfer-encoding", "chunked", Refusal::SetByServer("transfer-encoding".into())),
        ("Connection", "close", Refusal::SetByServer("Connection".into())),
        ("Upgrade", "h2c", Refusal::SetByServer("Upgrade".into())),
        ("Trailer", "X", Refusal::SetByServer("Trailer".into())),
    ];
    for (name, value, refusal) in cases {
        let own = headers(&[
            ("X-Before", "1"),
            (name, value),
            ("X-After", "\ttab and space ok"),
        ]);
        let written = ResponseHead {
            headers: &own,
            ..head(1, 200, Body::Length(2), Connection::KeepAlive)
        }
        .write(at());
        let (text, _, _) = rest(&written);
        assert_eq!(
            text,
            "HTTP/1.1 200 OK\r\nX-Before: 1\r\nX-After: \ttab and space ok\r\n\
             Content-Length: 2\r\n\r\n",
            "{name:?}: {value:?}"
        );
        assert_eq!(written.refused, std::slice::from_ref(&refusal));
        assert!(refusal.to_string().contains("not sent"), "{refusal}");
    }
}

#[test]
fn interim_responses_are_the_status_line_alone() {
    assert_eq!(interim(1, 100), b"HTTP/1.1 100 Continue\r\n\r\n");
    assert_eq!(interim(1, 103), b"HTTP/1.1 103 Early Hints\r\n\r\n");
}

#[test]
fn every_head_parses_as_one_response() {
    let own = headers(&[
        ("Content-Type", "text/plain"),
        ("Set-Cookie", "a=b"),
        ("Set-Cookie", "c=d"),
    ]);
    let written = ResponseHead {
        headers: &own,
        ..head(1, 404, Body::Length(9), Connection::Close)
    }
    .write(at());
    let mut parsed = [httparse::EMPTY_HEADER; 16];
    let mut response = httparse::Response::new(&mut parsed);
    let status = response.parse(&written.bytes).unwrap();
    assert_eq!(status, httparse::Status::Complete(written.bytes.len()));
    assert_eq!(response.code, Some(404));
    let names: Vec<_> = response.headers.iter().map(|h| h.name).collect();
    assert_eq!(
        names,
        [
            "Date",
            "Server",
            "Content-Type",
            "Set-Cookie",
            "Set-Cookie",
            "Connection",
            "Content-Length"
        ]
    );
}
