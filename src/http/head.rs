//! The request head: parsing and header look-ups, as pure functions over bytes.

/// A parsed HTTP/1.x request head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Head {
    /// The method, as sent (`GET`, `POST`, ...).
    pub method: String,
    /// The request target, as sent (`/path?query`).
    pub target: String,
    /// The minor version: 0 for HTTP/1.0, 1 for HTTP/1.1.
    pub minor_version: u8,
    /// Headers in the order sent; values decoded lossily as UTF-8.
    pub headers: Vec<(String, String)>,
}

/// Why a request head was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum HeadError {
    /// The head is larger than the limit (431).
    TooLarge,
    /// More headers than the limit (431).
    TooManyHeaders,
    /// Not a valid HTTP/1.x request head (400).
    Malformed(String),
}

impl HeadError {
    /// The status code and one-line reason sent to the client.
    pub fn status_and_reason(&self) -> (u16, String) {
        match self {
            HeadError::TooLarge => (431, "Request header fields too large".into()),
            HeadError::TooManyHeaders => (431, "Too many request header fields".into()),
            HeadError::Malformed(why) => (400, format!("Malformed request: {why}")),
        }
    }
}

/// Parses a complete request head at the start of `buf`.
///
/// Returns `Ok(None)` while the head is incomplete, and the head with its
/// length in bytes once it is complete; bytes after it belong to the body or
/// to the next request.
pub(crate) fn parse_head(
    buf: &[u8],
    max_headers: usize,
) -> Result<Option<(Head, usize)>, HeadError> {
    let mut headers = vec![httparse::EMPTY_HEADER; max_headers];
    let mut request = httparse::Request::new(&mut headers);
    let len = match request.parse(buf) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => return Err(HeadError::TooManyHeaders),
        Err(e) => return Err(HeadError::Malformed(e.to_string())),
    };
    let (Some(method), Some(target), Some(minor_version)) =
        (request.method, request.path, request.version)
    else {
        return Err(HeadError::Malformed("incomplete request line".into()));
    };
    let headers = super::owned_headers(request.headers);
    let head = Head {
        method: method.to_owned(),
        target: target.to_owned(),
        minor_version,
        headers,
    };
    Ok(Some((head, len)))
}

/// Where the blank line ending a head is, searching `buf` from `from`.
///
/// Returns the index just past it. Searching only the newly read bytes keeps
/// the read loop linear however the head arrives. A bare LF line ending is
/// refused as soon as it arrives (RFC 9112 §2.2 lets a server reject it; we
/// do everywhere, heads and chunked bodies alike), so such a head gets its
/// `400` at once instead of waiting out the head timeout.
pub(crate) fn find_head_end(buf: &[u8], from: usize) -> Result<Option<usize>, HeadError> {
    let start = from.saturating_sub(3);
    let Some(new) = buf.get(start..) else {
        return Ok(None);
    };
    for (i, _) in new.iter().enumerate().filter(|(_, b)| **b == b'\n') {
        let at = start + i;
        if at == 0 || buf[at - 1] != b'\r' {
            return Err(HeadError::Malformed("bare LF line ending".into()));
        }
        if at >= 3 && &buf[at - 3..=at] == b"\r\n\r\n" {
            return Ok(Some(at + 1));
        }
    }
    Ok(None)
}

/// Checks what RFC 9112 asks of every request head beyond its syntax: an
/// HTTP/1.1 request names exactly one `Host` (§3.2), and no request names
/// several.
pub(crate) fn check_head(head: &Head) -> Result<(), HeadError> {
    let hosts = head
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("Host"))
        .count();
    match hosts {
        0 if head.minor_version >= 1 => Err(HeadError::Malformed(
            "HTTP/1.1 request without a Host header".into(),
        )),
        0 | 1 => Ok(()),
        _ => Err(HeadError::Malformed("several Host headers".into())),
    }
}

impl Head {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        crate::http::find_header(&self.headers, name)
    }

    /// Whether any value of header `name` lists `token` (comma-separated,
    /// case-insensitive), as `Connection: keep-alive, Upgrade` lists `upgrade`.
    pub fn has_token(&self, name: &str, token: &str) -> bool {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .flat_map(|(_, v)| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    }

    /// Whether the client wants the connection kept open after the response:
    /// HTTP/1.1 unless it says `Connection: close`, HTTP/1.0 only if it says
    /// `Connection: keep-alive` (the response then says so too).
    pub fn wants_keep_alive(&self) -> bool {
        if self.has_token("Connection", "close") {
            false
        } else {
            self.minor_version >= 1 || self.has_token("Connection", "keep-alive")
        }
    }

    /// The protocol as it appears in a request line: `HTTP/1.1`.
    pub fn protocol(&self) -> String {
        format!("HTTP/1.{}", self.minor_version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> Result<Option<(Head, usize)>, HeadError> {
        parse_head(raw.as_bytes(), 8)
    }

    #[test]
    fn complete_partial_and_malformed() {
        let raw = "GET /a?b=1 HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n\r\nBODY";
        let (head, len) = parse(raw).unwrap().unwrap();
        assert_eq!(head.method, "GET");
        assert_eq!(head.target, "/a?b=1");
        assert_eq!(head.minor_version, 1);
        assert_eq!(&raw[len..], "BODY");
        assert_eq!(head.header("x-a"), Some("1"));

        for partial in ["", "GET", "GET / HTTP/1.1\r\nHost: x\r\n"] {
            assert_eq!(parse(partial), Ok(None), "{partial:?}");
        }
        for bad in [
            "GET / HTTP/2.0\r\n\r\n",
            "G T / HTTP/1.1\r\n\r\n",
            "GET / HTTP/1.1\r\nBad Header: x\r\n\r\n",
            "\x00\x01\r\n\r\n",
        ] {
            assert!(
                matches!(parse(bad), Err(HeadError::Malformed(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn too_many_headers() {
        let raw = format!("GET / HTTP/1.1\r\n{}\r\n", "A: b\r\n".repeat(9));
        assert_eq!(parse(&raw), Err(HeadError::TooManyHeaders));
    }

    #[test]
    fn tokens_and_keep_alive() {
        let (head, _) = parse("GET / HTTP/1.1\r\nConnection: keep-alive, Upgrade\r\n\r\n")
            .unwrap()
            .unwrap();
        assert!(head.has_token("connection", "upgrade"));
        assert!(head.has_token("CONNECTION", "Keep-Alive"));
        assert!(!head.has_token("connection", "close"));
        assert!(head.wants_keep_alive());
        let (head, _) = parse("GET / HTTP/1.1\r\nConnection: close\r\n\r\n")
            .unwrap()
            .unwrap();
        assert!(!head.wants_keep_alive());
        let (head, _) = parse("GET / HTTP/1.0\r\n\r\n").unwrap().unwrap();
        assert!(!head.wants_keep_alive());
        let (head, _) = parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")
            .unwrap()
            .unwrap();
        assert!(head.wants_keep_alive(), "HTTP/1.0 asking for keep-alive");
    }

    #[test]
    fn head_end_is_found_across_reads() {
        let buf = b"GET / HTTP/1.1\r\n\r\nrest";
        assert_eq!(find_head_end(buf, 0), Ok(Some(18)));
        assert_eq!(find_head_end(buf, 16), Ok(Some(18)));
        assert_eq!(find_head_end(b"GET / HTTP/1.1\r\n\r", 0), Ok(None));
        assert_eq!(find_head_end(b"", 10), Ok(None));
        assert_eq!(find_head_end(b"\r\n", 10), Ok(None));
    }

    #[test]
    fn bare_lf_is_refused_as_it_arrives() {
        for (buf, from) in [
            (&b"GET / HTTP/1.1\n"[..], 0),
            (b"GET / HTTP/1.1\r\nHost: x\n", 14),
            (b"GET / HTTP/1.1\r\nHost: x\r\n\n", 0),
            (b"\n", 0),
        ] {
            assert!(
                matches!(find_head_end(buf, from), Err(HeadError::Malformed(_))),
                "{buf:?}"
            );
        }
    }

    #[test]
    fn host_rules() {
        let check = |raw: &str| check_head(&parse(raw).unwrap().unwrap().0);
        let ok = [
            "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET / HTTP/1.1\r\nhost: \r\n\r\n",
            "GET / HTTP/1.0\r\n\r\n",
            "GET / HTTP/1.0\r\nHost: x\r\n\r\n",
        ];
        for raw in ok {
            assert_eq!(check(raw), Ok(()), "{raw:?}");
        }
        let bad = [
            "GET / HTTP/1.1\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nHOST: x\r\n\r\n",
            "GET / HTTP/1.0\r\nHost: x\r\nHost: y\r\n\r\n",
        ];
        for raw in bad {
            let status = check(raw).map_err(|e| e.status_and_reason().0);
            assert_eq!(status, Err(400), "{raw:?}");
        }
    }
}
