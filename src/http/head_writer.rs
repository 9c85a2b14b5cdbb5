//! The one writer of HTTP response heads. Every response wsviews sends (a
//! view's, an error, the `101` of a WebSocket handshake, the `100 Continue`
//! before a request body, the `503` of a refused connection) gets its status
//! line and headers here: a pure function of the response's parts and the
//! time, tested with tables (`head_writer_tests.rs`).
//!
//! The writer owns the headers that frame the message (`Content-Length`,
//! `Transfer-Encoding`, `Connection`, `Upgrade`, `Trailer`) and adds `Date`
//! and `Server: wsviews` unless the response has its own. A header whose name
//! is not a token, or whose value holds a control character (CR, LF, ...) or
//! a non-ASCII byte, is refused, so no view can inject a header or split the
//! response. Reason phrases and the name and value rules are the `http`
//! crate's; the date is `httpdate`'s IMF-fixdate.

use std::fmt;
use std::time::SystemTime;

use http::{HeaderName, HeaderValue, StatusCode};

/// The `Server` header's value unless the response has its own.
const SERVER: &str = "wsviews";

/// Headers the writer sets itself from the body and the connection.
const SET_BY_SERVER: [&str; 5] = [
    "Content-Length",
    "Transfer-Encoding",
    "Connection",
    "Upgrade",
    "Trailer",
];

/// What follows the head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Body {
    /// `n` bytes, known before the head is written.
    Length(u64),
    /// Bytes produced as the response goes out, their number unknown.
    Stream,
}

/// What the connection does after the response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Connection<'a> {
    /// Stays open for another request, if the body's end can be told.
    KeepAlive,
    /// Closes after the response.
    Close,
    /// Switches to the protocol named (a `101`: `Upgrade: websocket`).
    Upgrade(&'a str),
}

/// A response head, as the writer needs it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ResponseHead<'a> {
    /// HTTP/1.`minor`, the request's version (0 or 1).
    pub minor: u8,
    /// The status code; one that is not three digits goes out as `500`.
    pub status: u16,
    /// The response's own headers, in order.
    pub headers: &'a [(String, String)],
    /// The body that follows.
    pub body: Body,
    /// Answers a `HEAD` request: the head a `GET` would get, no body.
    pub head_only: bool,
    /// Keep-alive, close or upgrade.
    pub connection: Connection<'a>,
}

/// How the body goes out after the head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SendBody {
    /// No body: a `HEAD` request, or a `1xx`, `204` or `304` status.
    Nothing,
    /// The bytes as they are: `Content-Length` tells where they end, or
    /// (HTTP/1.0 streaming) the connection's close does.
    Plain,
    /// In chunks (`Transfer-Encoding: chunked`).
    Chunked,
}

/// What the writer left out of a head, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// A status code that is not three digits: `500` went out instead.
    Status(u16),
    /// A header name that is not an RFC 9110 token.
    Name(String),
    /// A value holding a control character (CR, LF, ...) or a non-ASCII byte.
    Value(String),
    /// A header the writer sets itself from the body and the connection.
    SetByServer(String),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Status(status) => {
                write!(f, "status {status} is not three digits; sent 500 instead")
            }
            Refusal::Name(name) => write!(f, "header {name:?} not sent: invalid name"),
            Refusal::Value(name) => write!(
                f,
                "header {name:?} not sent: its value holds a control character (CR, LF, ...) or non-ASCII"
            ),
            Refusal::SetByServer(name) => write!(
                f,
                "header {name:?} not sent: the server sets it from the body and the connection"
            ),
        }
    }
}

/// A head as bytes, and what the caller does next.
#[derive(Debug)]
pub(crate) struct Written {
    /// The status line, the headers and the blank line.
    pub bytes: Vec<u8>,
    /// How the body follows.
    pub send: SendBody,
    /// Whether the connection may serve another request after the body.
    pub keep_alive: bool,
    /// What was left out.
    pub refused: Vec<Refusal>,
}

impl Written {
    /// Logs each refusal as a warning: a view's mistake the operator sees.
    pub fn warn_refused(&self) {
        for refusal in &self.refused {
            log::warn!("response {refusal}");
        }
    }
}

impl ResponseHead<'_> {
    /// The head, as it goes out at `now` (its `Date`).
    pub fn write(&self, now: SystemTime) -> Written {
        let mut refused = Vec::new();
        let status = StatusCode::from_u16(self.status).unwrap_or_else(|_| {
            refused.push(Refusal::Status(self.status));
            StatusCode::INTERNAL_SERVER_ERROR
        });
        let mut bytes = Vec::with_capacity(256);
        status_line(&mut bytes, self.minor, status);
        self.own_headers(&mut bytes, &mut refused, now);
        let (send, framing) = self.framing(status);
        let keep_alive = self.connection_headers(&mut bytes, send);
        if let Some((name, value)) = framing {
            header(&mut bytes, name, &value);
        }
        bytes.extend_from_slice(b"\r\n");
        Written {
            bytes,
            send,
            keep_alive,
            refused,
        }
    }

    /// Writes `Date` and `Server` unless the response has its own, then the
    /// response's headers that may go out.
    fn own_headers(&self, bytes: &mut Vec<u8>, refused: &mut Vec<Refusal>, now: SystemTime) {
        let own: Vec<&(String, String)> = self
            .headers
            .iter()
            .filter(|header| admit(header, refused))
            .collect();
        let has = |name: &str| own.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));
        if !has("Date") {
            header(bytes, "Date", &httpdate::fmt_http_date(now));
        }
        if !has("Server") {
            header(bytes, "Server", SERVER);
        }
        for (name, value) in own {
            header(bytes, name, value);
        }
    }

    /// How the body goes, and the header that says so.
    fn framing(&self, status: StatusCode) -> (SendBody, Option<(&'static str, String)>) {
        let code = status.as_u16();
        if status.is_informational() || code == 204 || code == 304 {
            return (SendBody::Nothing, None);
        }
        let (send, framing) = match (self.body, self.minor) {
            (Body::Length(n), _) => (SendBody::Plain, Some(("Content-Length", n.to_string()))),
            (Body::Stream, 0) => (SendBody::Plain, None),
            (Body::Stream, _) => (
                SendBody::Chunked,
                Some(("Transfer-Encoding", "chunked".to_owned())),
            ),
        };
        (
            if self.head_only {
                SendBody::Nothing
            } else {
                send
            },
            framing,
        )
    }

    /// Writes `Connection` (and `Upgrade`); returns whether the connection
    /// may stay open. A body whose end only the close tells ends it.
    fn connection_headers(&self, bytes: &mut Vec<u8>, send: SendBody) -> bool {
        let close_delimited = send == SendBody::Plain && self.body == Body::Stream;
        match self.connection {
            Connection::Upgrade(protocol) => {
                header(bytes, "Connection", "Upgrade");
                header(bytes, "Upgrade", protocol);
                false
            }
            Connection::KeepAlive if !close_delimited => {
                if self.minor == 0 {
                    header(bytes, "Connection", "keep-alive");
                }
                true
            }
            Connection::KeepAlive | Connection::Close => {
                if self.minor >= 1 {
                    header(bytes, "Connection", "close");
                }
                false
            }
        }
    }
}

/// An interim (`1xx`) response such as `100 Continue`: the status line
/// alone, as the client waits for it before sending a body.
pub(crate) fn interim(minor: u8, status: u16) -> Vec<u8> {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::CONTINUE);
    let mut bytes = Vec::with_capacity(32);
    status_line(&mut bytes, minor, status);
    bytes.extend_from_slice(b"\r\n");
    bytes
}

fn status_line(bytes: &mut Vec<u8>, minor: u8, status: StatusCode) {
    let minor = minor.min(1);
    let reason = status.canonical_reason().unwrap_or("Unknown");
    let line = format!("HTTP/1.{minor} {} {reason}\r\n", status.as_u16());
    bytes.extend_from_slice(line.as_bytes());
}

fn header(bytes: &mut Vec<u8>, name: &str, value: &str) {
    for part in [name, ": ", value, "\r\n"] {
        bytes.extend_from_slice(part.as_bytes());
    }
}

/// Whether a response's own header may go out; if not, says why.
fn admit((name, value): &(String, String), refused: &mut Vec<Refusal>) -> bool {
    let refusal = if HeaderName::from_bytes(name.as_bytes()).is_err() {
        Refusal::Name(name.clone())
    } else if !HeaderValue::from_str(value).is_ok_and(|v| v.to_str().is_ok()) {
        // Visible ASCII, spaces and tabs only (`to_str`), as before: obs-text
        // would reach clients as Latin-1.
        Refusal::Value(name.clone())
    } else if SET_BY_SERVER.iter().any(|n| n.eq_ignore_ascii_case(name)) {
        Refusal::SetByServer(name.clone())
    } else {
        return true;
    };
    refused.push(refusal);
    false
}

#[cfg(test)]
#[path = "head_writer_tests.rs"]
mod tests;
