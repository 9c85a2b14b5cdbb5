//! One request-response exchange, as the access log and the response
//! writer see it.

use crate::http::handshake::is_upgrade_request;
use crate::http::head::Head;

/// What the access log and the response writer need from a request head.
pub(super) struct Exchange {
    /// The request line, for the access log: `GET /path HTTP/1.1`.
    pub line: String,
    /// The HTTP minor version: the response's too.
    pub minor: u8,
    /// Whether the client wants the connection kept open.
    pub keep_alive: bool,
    /// A `HEAD` request: the response goes out without its body.
    pub head_only: bool,
    /// A WebSocket handshake (`Upgrade: websocket`).
    pub upgrade: bool,
}

impl Exchange {
    /// The exchange of `head`.
    pub fn of(head: &Head) -> Self {
        Exchange {
            line: format!("{} {} {}", head.method, head.target, head.protocol()),
            minor: head.minor_version,
            keep_alive: head.wants_keep_alive(),
            head_only: head.method.eq_ignore_ascii_case("HEAD"),
            upgrade: is_upgrade_request(head),
        }
    }
}
