//! `HttpResponse`: what a view returns, and how it is written to the socket.

use std::fmt;
use std::io::{self, BufWriter, Cursor, Read, Write};
use std::time::SystemTime;

use super::chunk_reader::ChunkReader;
pub use super::cookie::Cookie;
use super::head_writer::{self, Connection, ResponseHead, SendBody, Written};

/// An HTTP response, as Django's `HttpResponse`.
///
/// ```
/// use wsviews::{Cookie, HttpResponse};
///
/// let mut response = HttpResponse::new("hello").with_header("X-Frame-Options", "DENY");
/// response.set_cookie(Cookie::new("sessionid", "abc").http_only(true));
/// assert_eq!(response.status(), 200);
/// assert_eq!(response.content(), Some(&b"hello"[..]));
///
/// let missing = HttpResponse::not_found("no such page");
/// assert_eq!(missing.status(), 404);
/// ```
pub struct HttpResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: Body,
}

enum Body {
    Bytes(Vec<u8>),
    Stream(Box<dyn Read + Send>),
}

impl HttpResponse {
    /// A `200 OK` response with `content`, typed `text/html; charset=utf-8`
    /// as Django's default.
    pub fn new(content: impl Into<Vec<u8>>) -> Self {
        HttpResponse {
            status: 200,
            headers: vec![("Content-Type".into(), "text/html; charset=utf-8".into())],
            body: Body::Bytes(content.into()),
        }
    }

    /// A plain-text (`text/plain; charset=utf-8`) response with `status`.
    pub fn text(status: u16, content: impl Into<Vec<u8>>) -> Self {
        HttpResponse::new(content)
            .with_status(status)
            .with_content_type("text/plain; charset=utf-8")
    }

    /// `400 Bad Request` with a plain-text reason (`HttpResponseBadRequest`).
    pub fn bad_request(reason: impl Into<String>) -> Self {
        HttpResponse::text(400, reason.into())
    }

    /// `403 Forbidden` with a plain-text reason (`HttpResponseForbidden`).
    pub fn forbidden(reason: impl Into<String>) -> Self {
        HttpResponse::text(403, reason.into())
    }

    /// `404 Not Found` with a plain-text reason (`HttpResponseNotFound`).
    pub fn not_found(reason: impl Into<String>) -> Self {
        HttpResponse::text(404, reason.into())
    }

    /// `405 Method Not Allowed` listing the `permitted` methods in `Allow`
    /// (`HttpResponseNotAllowed`).
    pub fn not_allowed(permitted: &[&str]) -> Self {
        HttpResponse::text(405, "Method not allowed").with_header("Allow", permitted.join(", "))
    }

    /// `302 Found` to `url` (`HttpResponseRedirect`).
    pub fn redirect(url: impl Into<String>) -> Self {
        HttpResponse::new(Vec::new())
            .with_status(302)
            .with_header("Location", url)
    }

    /// `301 Moved Permanently` to `url` (`HttpResponsePermanentRedirect`).
    pub fn permanent_redirect(url: impl Into<String>) -> Self {
        HttpResponse::redirect(url).with_status(301)
    }

    /// A JSON response (`JsonResponse`), typed `application/json`.
    pub fn json(value: &serde_json::Value) -> Self {
        HttpResponse::new(value.to_string()).with_content_type("application/json")
    }

    /// A streaming response (`StreamingHttpResponse`): the body is each item
    /// of `chunks` in turn, sent with chunked transfer encoding as it is
    /// produced (HTTP/1.0 clients get it buffered).
    ///
    /// ```
    /// use wsviews::HttpResponse;
    ///
    /// let progress = (1..=3).map(|i| format!("step {i}\n"));
    /// let response = HttpResponse::streaming(progress);
    /// assert_eq!(response.content(), None);
    /// ```
    pub fn streaming<I>(chunks: I) -> Self
    where
        I: IntoIterator + Send + 'static,
        I::IntoIter: Send,
        I::Item: Into<Vec<u8>>,
    {
        HttpResponse::from_reader(ChunkReader {
            chunks: chunks.into_iter(),
            current: Cursor::new(Vec::new()),
        })
    }

    /// A streaming response whose body is read from `reader` (a file, a pipe)
    /// and sent chunked.
    pub fn from_reader(reader: impl Read + Send + 'static) -> Self {
        HttpResponse {
            body: Body::Stream(Box::new(reader)),
            ..HttpResponse::new(Vec::new()).with_content_type("application/octet-stream")
        }
    }

    /// Replaces the status code.
    #[must_use]
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    /// Replaces the `Content-Type`.
    #[must_use]
    pub fn with_content_type(self, content_type: impl Into<String>) -> Self {
        self.with_header("Content-Type", content_type)
    }

    /// Sets header `name` (replacing earlier values), as Django's
    /// `response[name] = value`.
    #[must_use]
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.set_header(name, value);
        self
    }

    /// Sets header `name`, replacing earlier values.
    pub fn set_header(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let name = name.into();
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(&name));
        self.headers.push((name, value.into()));
    }

    /// Adds header `name`, keeping earlier values.
    #[cfg_attr(not(feature = "consumers"), allow(dead_code))]
    pub(crate) fn append_header(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.headers.push((name.into(), value.into()));
    }

    /// Adds a `Set-Cookie` header, as Django's `response.set_cookie(...)`.
    pub fn set_cookie(&mut self, cookie: Cookie) -> &mut Self {
        self.headers.push(("Set-Cookie".into(), cookie.to_string()));
        self
    }

    /// Tells the client to delete cookie `name` (`response.delete_cookie`).
    pub fn delete_cookie(&mut self, name: &str) -> &mut Self {
        self.set_cookie(Cookie::new(name, "").max_age(0))
    }

    /// The status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        crate::http::find_header(&self.headers, name)
    }

    /// Every header, in order.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The body, unless the response is streaming.
    pub fn content(&self) -> Option<&[u8]> {
        match &self.body {
            Body::Bytes(bytes) => Some(bytes),
            Body::Stream(_) => None,
        }
    }

    /// Writes the response as HTTP/1.`minor` (the body left out for `HEAD`),
    /// its head by the one head writer; returns whether the connection may
    /// serve another request after it.
    ///
    /// The head and a fixed body go out in one buffered write. A streaming
    /// body is sent chunked, one chunk per piece as soon as it is produced,
    /// so a progress stream reaches the client while the view still works;
    /// an HTTP/1.0 client gets it buffered, with a `Content-Length`.
    pub(crate) fn write_to<W: Write>(
        mut self,
        out: &mut W,
        minor: u8,
        head_only: bool,
        connection: Connection<'_>,
    ) -> io::Result<bool> {
        if let (0, Body::Stream(reader)) = (minor, &mut self.body) {
            let mut bytes = Vec::new();
            reader.read_to_end(&mut bytes)?;
            self.body = Body::Bytes(bytes);
        }
        let head = self.head(minor, head_only, connection);
        head.warn_refused();
        let mut buffered = BufWriter::with_capacity(8 * 1024, &mut *out);
        buffered.write_all(&head.bytes)?;
        send_body(&mut buffered, head.send, self.body)?;
        buffered.flush()?;
        Ok(head.keep_alive)
    }

    /// The head, by the one head writer.
    fn head(&self, minor: u8, head_only: bool, connection: Connection<'_>) -> Written {
        let body = match &self.body {
            Body::Bytes(bytes) => head_writer::Body::Length(bytes.len() as u64),
            Body::Stream(_) => head_writer::Body::Stream,
        };
        ResponseHead {
            minor,
            status: self.status,
            headers: &self.headers,
            body,
            head_only,
            connection,
        }
        .write(SystemTime::now())
    }
}

/// Sends `body` after its head, as the head said: a stream chunked through
/// `chunked_transfer`'s encoder, each piece flushed as it comes.
fn send_body(out: &mut impl Write, send: SendBody, body: Body) -> io::Result<()> {
    match (send, body) {
        (SendBody::Nothing, _) => Ok(()),
        (_, Body::Bytes(bytes)) => out.write_all(&bytes),
        (SendBody::Chunked, Body::Stream(mut reader)) => {
            out.flush()?;
            let mut chunked = chunked_transfer::Encoder::with_flush_after_write(out);
            io::copy(&mut reader, &mut chunked).map(drop)
        }
        (SendBody::Plain, Body::Stream(mut reader)) => io::copy(&mut reader, out).map(drop),
    }
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let body = match &self.body {
            Body::Bytes(b) => format!("{} bytes", b.len()),
            Body::Stream(_) => "streaming".to_owned(),
        };
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body", &body)
            .finish()
    }
}

#[cfg(test)]
#[path = "response_tests.rs"]
mod tests;
