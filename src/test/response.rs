//! HTTP responses as a test sees them, read from a socket.

use std::io::{self, BufRead, Read};

/// A response as a test sees it.
#[derive(Debug, Clone)]
pub struct TestResponse {
    /// The status code.
    pub status: u16,
    /// Headers in order, names as sent.
    pub headers: Vec<(String, String)>,
    /// The body, de-chunked.
    pub body: Vec<u8>,
}

impl TestResponse {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        crate::http::find_header(&self.headers, name)
    }

    /// The body as text (lossy UTF-8).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Reads one HTTP/1.x response from `reader` (a test's raw socket, say).
///
/// # Errors
/// An I/O error, or `InvalidData` for a malformed response.
pub fn read_response(reader: &mut impl BufRead, head_only: bool) -> io::Result<TestResponse> {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        if reader.read_until(b'\n', &mut head)? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
    }
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut response = httparse::Response::new(&mut headers);
    let invalid = |e: String| io::Error::new(io::ErrorKind::InvalidData, e);
    response.parse(&head).map_err(|e| invalid(e.to_string()))?;
    let status = response.code.ok_or_else(|| invalid("no status".into()))?;
    let headers = crate::http::owned_headers(response.headers);
    let mut result = TestResponse {
        status,
        headers,
        body: Vec::new(),
    };
    if head_only || status < 200 || status == 204 || status == 304 {
        return Ok(result);
    }
    if result
        .header("Transfer-Encoding")
        .is_some_and(|te| te.eq_ignore_ascii_case("chunked"))
    {
        chunked_transfer::Decoder::new(reader).read_to_end(&mut result.body)?;
    } else if let Some(length) = result.header("Content-Length") {
        let length: u64 = length
            .trim()
            .parse()
            .map_err(|_| invalid("bad Content-Length".into()))?;
        reader.take(length).read_to_end(&mut result.body)?;
    } else {
        reader.read_to_end(&mut result.body)?;
    }
    Ok(result)
}
