//! Reading a request body: by `Content-Length` or chunked, within a limit.

use std::io::{self, Read, Write};

use super::head::Head;

/// Why a request body was not read.
#[derive(Debug)]
pub(crate) enum BodyError {
    /// Larger than the limit (413).
    TooLarge,
    /// Framing that cannot be trusted: bad `Content-Length`, both
    /// `Content-Length` and `Transfer-Encoding`, bad chunks (400).
    Malformed(&'static str),
    /// An unsupported transfer coding (501).
    Unsupported,
    /// The client vanished or stalled.
    Io(io::Error),
}

impl BodyError {
    /// The status code and one-line reason sent to the client, if any.
    pub fn status_and_reason(&self) -> Option<(u16, String)> {
        match self {
            BodyError::TooLarge => Some((413, "Request body too large".into())),
            BodyError::Malformed(why) => Some((400, format!("Malformed request body: {why}"))),
            BodyError::Unsupported => Some((501, "Unsupported transfer coding".into())),
            BodyError::Io(_) => None,
        }
    }
}

/// How the body of a request is framed.
#[derive(Debug, PartialEq, Eq)]
enum Framing {
    None,
    Length(usize),
    Chunked,
}

fn framing(head: &Head) -> Result<Framing, BodyError> {
    let lengths: Vec<&str> = head
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("Content-Length"))
        .map(|(_, v)| v.trim())
        .collect();
    let coding = head.header("Transfer-Encoding");
    match (coding, lengths.as_slice()) {
        (Some(_), [_, ..]) => Err(BodyError::Malformed(
            "both Content-Length and Transfer-Encoding",
        )),
        (Some(te), []) if te.trim().eq_ignore_ascii_case("chunked") => Ok(Framing::Chunked),
        (Some(_), []) => Err(BodyError::Unsupported),
        (None, []) => Ok(Framing::None),
        (None, [first, rest @ ..]) => {
            if rest.iter().any(|l| l != first) || !first.bytes().all(|b| b.is_ascii_digit()) {
                return Err(BodyError::Malformed("invalid Content-Length"));
            }
            first
                .parse()
                .map(Framing::Length)
                .map_err(|_| BodyError::TooLarge)
        }
    }
}

/// Reads the body that follows `head` from `reader`, at most `max` bytes.
///
/// Answers `Expect: 100-continue` on `writer` before reading, as a client
/// waits for that before it sends the body.
pub(crate) fn read_body(
    reader: &mut impl Read,
    writer: &mut impl Write,
    head: &Head,
    max: usize,
) -> Result<Vec<u8>, BodyError> {
    let framing = framing(head)?;
    if let Framing::Length(len) = framing {
        if len > max {
            return Err(BodyError::TooLarge);
        }
    }
    if framing != Framing::None
        && head.minor_version >= 1
        && head.has_token("Expect", "100-continue")
    {
        writer
            .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
            .map_err(BodyError::Io)?;
    }
    let mut body = Vec::new();
    match framing {
        Framing::None => {}
        Framing::Length(len) => {
            reader
                .take(len as u64)
                .read_to_end(&mut body)
                .map_err(BodyError::Io)?;
            if body.len() < len {
                return Err(BodyError::Io(io::ErrorKind::UnexpectedEof.into()));
            }
        }
        Framing::Chunked => read_chunked(reader, max, &mut body)?,
    }
    Ok(body)
}

fn read_chunked(reader: &mut impl Read, max: usize, body: &mut Vec<u8>) -> Result<(), BodyError> {
    // Bound the raw bytes too: chunk-size lines are not counted in `max`.
    let raw_limit = (max as u64).saturating_mul(2).saturating_add(64 * 1024);
    let mut decoder = chunked_transfer::Decoder::new(reader.take(raw_limit));
    match decoder.by_ref().take(max as u64 + 1).read_to_end(body) {
        Ok(_) if body.len() > max => Err(BodyError::TooLarge),
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::InvalidInput => Err(BodyError::Malformed("bad chunk")),
        Err(e) => Err(BodyError::Io(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::head::parse_head;

    fn body(raw: &str, max: usize) -> Result<Vec<u8>, BodyError> {
        let (head, len) = parse_head(raw.as_bytes(), 16).unwrap().unwrap();
        let mut rest = &raw.as_bytes()[len..];
        read_body(&mut rest, &mut Vec::new(), &head, max)
    }

    #[test]
    fn table() {
        let ok = [
            ("POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcdef", "abc"),
            ("GET / HTTP/1.1\r\n\r\nabc", ""),
            ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n", "abcde"),
            ("POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nab", "ab"),
        ];
        for (raw, want) in ok {
            assert_eq!(body(raw, 100).unwrap(), want.as_bytes(), "{raw:?}");
        }
        let status = |raw: &str, max| body(raw, max).unwrap_err().status_and_reason().map(|s| s.0);
        assert_eq!(
            status("POST / HTTP/1.1\r\nContent-Length: 101\r\n\r\n", 100),
            Some(413)
        );
        assert_eq!(
            status(
                "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n",
                100
            ),
            Some(413)
        );
        assert_eq!(
            status("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 100),
            Some(400)
        );
        assert_eq!(
            status(
                "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
                100
            ),
            Some(400)
        );
        assert_eq!(
            status(
                "POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
                100
            ),
            Some(400)
        );
        assert_eq!(
            status("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 100),
            Some(501)
        );
        assert_eq!(
            status(
                "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                100
            ),
            Some(400)
        );
        let big = format!(
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n65\r\n{}\r\n0\r\n\r\n",
            "x".repeat(101)
        );
        assert_eq!(status(&big, 100), Some(413));
        assert_eq!(
            status("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nab", 100),
            None
        );
    }

    #[test]
    fn expect_continue() {
        let raw = "POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx";
        let (head, len) = parse_head(raw.as_bytes(), 16).unwrap().unwrap();
        let mut out = Vec::new();
        let mut rest = &raw.as_bytes()[len..];
        assert_eq!(read_body(&mut rest, &mut out, &head, 10).unwrap(), b"x");
        assert_eq!(out, b"HTTP/1.1 100 Continue\r\n\r\n");
    }
}
