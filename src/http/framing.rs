//! How a request body is framed (RFC 9112 §6), decided from the head alone,
//! as a pure function: the rules that keep a request from being read two
//! ways (request smuggling) live here.

use std::io;

use super::head::Head;

/// Why a request body was not read.
#[derive(Debug)]
pub(crate) enum BodyError {
    /// Larger than the limit (413).
    TooLarge,
    /// Framing that cannot be trusted: bad or conflicting `Content-Length`,
    /// `Content-Length` with `Transfer-Encoding`, a final coding other than
    /// `chunked`, bad chunks (400, then the connection is closed).
    Malformed(&'static str),
    /// A transfer coding we do not implement, before the final `chunked`
    /// (501).
    Unsupported,
    /// The body did not arrive within the server's `body_timeout` (408).
    TimedOut,
    /// The client vanished or the socket failed.
    Io(io::Error),
}

impl BodyError {
    /// The status code and one-line reason sent to the client, if any.
    pub fn status_and_reason(&self) -> Option<(u16, String)> {
        match self {
            BodyError::TooLarge => Some((413, "Request body too large".into())),
            BodyError::Malformed(why) => Some((400, format!("Malformed request body: {why}"))),
            BodyError::Unsupported => Some((501, "Unsupported transfer coding".into())),
            BodyError::TimedOut => Some((408, "Request body not received in time".into())),
            BodyError::Io(_) => None,
        }
    }
}

/// How the body of a request is framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    /// No body.
    None,
    /// Exactly this many bytes.
    Length(u64),
    /// Chunked transfer coding.
    Chunked,
}

/// The framing of the body that follows `head`, per RFC 9112 §6.1 and §6.3.
///
/// # Errors
/// [`BodyError::Malformed`] for both `Content-Length` and
/// `Transfer-Encoding`, `Transfer-Encoding` on HTTP/1.0, a final coding other
/// than `chunked` (as `chunked` then `identity` over two headers), `chunked`
/// twice, or a `Content-Length` that is empty, not a number or listed with
/// different values; [`BodyError::Unsupported`] for another coding before
/// `chunked`; [`BodyError::TooLarge`] for a length beyond `u64`.
pub(crate) fn framing(head: &Head) -> Result<Framing, BodyError> {
    let codings = list(head, "Transfer-Encoding");
    let lengths = list(head, "Content-Length");
    match (codings, lengths) {
        (Some(_), Some(_)) => Err(BodyError::Malformed(
            "both Content-Length and Transfer-Encoding",
        )),
        (Some(_), None) if head.minor_version == 0 => Err(BodyError::Malformed(
            "Transfer-Encoding in an HTTP/1.0 request",
        )),
        (Some(codings), None) => transfer_coding(&codings),
        (None, Some(lengths)) => content_length(&lengths),
        (None, None) => Ok(Framing::None),
    }
}

/// The comma-separated elements of every `name` header, trimmed, or `None`
/// without such a header. Empty elements are dropped (RFC 9110 §5.6.1), so an
/// empty header is an empty list.
fn list<'a>(head: &'a Head, name: &str) -> Option<Vec<&'a str>> {
    let mut values = head
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .peekable();
    values.peek()?;
    let elements = values
        .flat_map(|(_, v)| v.split(','))
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .collect();
    Some(elements)
}

fn transfer_coding(codings: &[&str]) -> Result<Framing, BodyError> {
    let is_chunked = |c: &&str| c.eq_ignore_ascii_case("chunked");
    match codings.split_last() {
        None => Err(BodyError::Malformed("empty Transfer-Encoding")),
        Some((last, _)) if !is_chunked(last) => Err(BodyError::Malformed(
            "Transfer-Encoding whose final coding is not chunked",
        )),
        Some((_, rest)) if rest.iter().any(is_chunked) => {
            Err(BodyError::Malformed("chunked applied more than once"))
        }
        Some((_, [])) => Ok(Framing::Chunked),
        Some(_) => Err(BodyError::Unsupported),
    }
}

fn content_length(lengths: &[&str]) -> Result<Framing, BodyError> {
    let Some((first, rest)) = lengths.split_first() else {
        return Err(BodyError::Malformed("empty Content-Length"));
    };
    if rest.iter().any(|l| l != first) || !first.bytes().all(|b| b.is_ascii_digit()) {
        return Err(BodyError::Malformed("invalid Content-Length"));
    }
    first
        .parse()
        .map(Framing::Length)
        .map_err(|_| BodyError::TooLarge)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::head::parse_head;

    fn framing_of(headers: &str, minor: u8) -> Result<Framing, u16> {
        let raw = format!("POST / HTTP/1.{minor}\r\nHost: x\r\n{headers}\r\n");
        let (head, _) = parse_head(raw.as_bytes(), 16).unwrap().unwrap();
        framing(&head).map_err(|e| e.status_and_reason().map_or(0, |s| s.0))
    }

    #[test]
    fn accepted() {
        let table: &[(&str, Framing)] = &[
            ("", Framing::None),
            ("Content-Length: 3\r\n", Framing::Length(3)),
            ("Content-Length: 0\r\n", Framing::Length(0)),
            (
                "Content-Length: 2\r\nContent-Length: 2\r\n",
                Framing::Length(2),
            ),
            ("Content-Length: 2, 2\r\n", Framing::Length(2)),
            ("Transfer-Encoding: chunked\r\n", Framing::Chunked),
            ("Transfer-Encoding: CHUNKED\r\n", Framing::Chunked),
            ("Transfer-Encoding: , chunked\r\n", Framing::Chunked),
        ];
        for (headers, want) in table {
            assert_eq!(framing_of(headers, 1), Ok(*want), "{headers:?}");
        }
        assert_eq!(
            framing_of("Content-Length: 5\r\n", 0),
            Ok(Framing::Length(5))
        );
    }

    #[test]
    fn refused() {
        let table: &[(&str, u8, u16)] = &[
            // RFC 9112 §6.1: Transfer-Encoding overrides, so both is an attack.
            (
                "Content-Length: 1\r\nTransfer-Encoding: chunked\r\n",
                1,
                400,
            ),
            (
                "Transfer-Encoding: chunked\r\nContent-Length: 1\r\n",
                1,
                400,
            ),
            // Duplicate headers read as one list: the final coding is identity.
            (
                "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n",
                1,
                400,
            ),
            ("Transfer-Encoding: chunked, identity\r\n", 1, 400),
            ("Transfer-Encoding: gzip\r\n", 1, 400),
            ("Transfer-Encoding: identity\r\n", 1, 400),
            ("Transfer-Encoding: \r\n", 1, 400),
            ("Transfer-Encoding: chunked, chunked\r\n", 1, 400),
            ("Transfer-Encoding: chunked;q=1\r\n", 1, 400),
            ("Transfer-Encoding: chunked\r\n", 0, 400),
            ("Transfer-Encoding: gzip, chunked\r\n", 1, 501),
            ("Content-Length: 1\r\nContent-Length: 2\r\n", 1, 400),
            ("Content-Length: 1, 2\r\n", 1, 400),
            ("Content-Length: \r\n", 1, 400),
            ("Content-Length: -1\r\n", 1, 400),
            ("Content-Length: +1\r\n", 1, 400),
            ("Content-Length: 0x10\r\n", 1, 400),
            ("Content-Length: 99999999999999999999999\r\n", 1, 413),
        ];
        for (headers, minor, status) in table {
            assert_eq!(framing_of(headers, *minor), Err(*status), "{headers:?}");
        }
    }
}
