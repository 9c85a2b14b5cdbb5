//! Reading a request body: by `Content-Length` or chunked, within a limit.
//! What the framing is, and how chunks decode, are pure (`framing.rs`,
//! `chunked.rs`); this is the read loop around them.

use std::io::{self, BufRead, Read, Write};

use super::chunked::ChunkedDecoder;
pub(crate) use super::framing::BodyError;
use super::framing::{framing, Framing};
use super::head::Head;
use super::head_writer::interim;
use crate::net::socket::is_timeout;

/// Reads the body that follows `head` from `reader`, at most `max` bytes.
///
/// Answers `Expect: 100-continue` on `writer` before reading, as a client
/// waits for that before it sends the body. Reads stop at the body's end, so
/// bytes after it stay in `reader` for the next request. A read that times
/// out (the reader's deadline) is [`BodyError::TimedOut`].
pub(crate) fn read_body(
    reader: &mut impl BufRead,
    writer: &mut impl Write,
    head: &Head,
    max: usize,
) -> Result<Vec<u8>, BodyError> {
    let framing = framing(head)?;
    if let Framing::Length(len) = framing {
        if len > max as u64 {
            return Err(BodyError::TooLarge);
        }
    }
    if framing != Framing::None
        && head.minor_version >= 1
        && head.has_token("Expect", "100-continue")
    {
        writer
            .write_all(&interim(head.minor_version, 100))
            .map_err(io_error)?;
    }
    let mut body = Vec::new();
    match framing {
        Framing::None => {}
        Framing::Length(len) => {
            reader.take(len).read_to_end(&mut body).map_err(io_error)?;
            if (body.len() as u64) < len {
                return Err(BodyError::Io(io::ErrorKind::UnexpectedEof.into()));
            }
        }
        Framing::Chunked => read_chunked(reader, max, &mut body)?,
    }
    Ok(body)
}

fn read_chunked(
    reader: &mut impl BufRead,
    max: usize,
    body: &mut Vec<u8>,
) -> Result<(), BodyError> {
    let mut decoder = ChunkedDecoder::new(max);
    while !decoder.is_done() {
        let input = reader.fill_buf().map_err(io_error)?;
        if input.is_empty() {
            return Err(BodyError::Io(io::ErrorKind::UnexpectedEof.into()));
        }
        let used = decoder.decode(input, body)?;
        reader.consume(used);
    }
    Ok(())
}

fn io_error(e: io::Error) -> BodyError {
    if is_timeout(&e) {
        BodyError::TimedOut
    } else {
        BodyError::Io(e)
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
        let refused = [
            ("POST / HTTP/1.1\r\nContent-Length: 101\r\n\r\n", Some(413)),
            ("POST / HTTP/1.1\r\nContent-Length: \r\n\r\n", Some(400)),
            (
                "POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
                Some(400),
            ),
            (
                "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
                Some(501),
            ),
            (
                "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                Some(400),
            ),
            (
                "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n65\r\n",
                Some(413),
            ),
            ("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nab", None),
            (
                "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
                None,
            ),
        ];
        for (raw, want) in refused {
            assert_eq!(status(raw, 100), want, "{raw:?}");
        }
    }

    #[test]
    fn a_pipelined_request_after_a_chunked_body_stays_buffered() {
        let raw =
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\nGET /next";
        let (head, len) = parse_head(raw.as_bytes(), 16).unwrap().unwrap();
        let mut rest = &raw.as_bytes()[len..];
        assert_eq!(
            read_body(&mut rest, &mut Vec::new(), &head, 10).unwrap(),
            b"x"
        );
        assert_eq!(rest, b"GET /next");
    }

    #[test]
    fn a_timed_out_read_is_408() {
        struct Stalled;
        impl Read for Stalled {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::ErrorKind::WouldBlock.into())
            }
        }
        let raw = "POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n";
        let (head, _) = parse_head(raw.as_bytes(), 16).unwrap().unwrap();
        let mut reader = io::BufReader::new(Stalled);
        let error = read_body(&mut reader, &mut Vec::new(), &head, 10).unwrap_err();
        assert_eq!(error.status_and_reason().map(|s| s.0), Some(408));
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
