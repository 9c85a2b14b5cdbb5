//! Close codes (RFC 6455 §7.4): every close the server sends, as one
//! [`CloseCode`], and the checks of a client's close frame.

/// A close the server sends: its code and the reason it gives. Protocol
/// errors of the client come out of the core as one of these; the server's
/// own closes (a view returning, a shutdown, a slow client) are named here
/// too, so every close code the server sends is decided in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CloseCode {
    /// 1000: the view returned or closed the WebSocket.
    Normal,
    /// 1001: the server is shutting down.
    GoingAway,
    /// 1002: the client broke the protocol (framing, masking, reserved bits
    /// or opcodes, fragments, control frames, its close frame).
    Protocol(&'static str),
    /// 1007: invalid UTF-8 in a text message or a close reason.
    InvalidData(&'static str),
    /// 1009: a frame or message over the server's limits.
    TooBig(&'static str),
    /// 1011: the view panicked or failed, a keepalive ping went unanswered,
    /// or the channel layer failed.
    Internal(&'static str),
    /// 1013: the client, or the channel layer, cannot keep up.
    TryAgainLater(&'static str),
    /// A code a view or a channel-layer message chose, or the client's code
    /// echoed back; sent with the reason given alongside.
    Other(u16),
}

impl CloseCode {
    /// 1005, what an endpoint reports for a close frame without a code
    /// (never sent in one).
    pub const NO_STATUS: u16 = 1005;
    /// 1006, what an endpoint reports for a connection that ended without a
    /// close frame (never sent in one).
    pub const ABNORMAL: u16 = 1006;

    /// The close for `code`: its named variant (with an empty reason) if it
    /// has one.
    pub fn from_code(code: u16) -> Self {
        match code {
            1000 => CloseCode::Normal,
            1001 => CloseCode::GoingAway,
            1002 => CloseCode::Protocol(""),
            1007 => CloseCode::InvalidData(""),
            1009 => CloseCode::TooBig(""),
            1011 => CloseCode::Internal(""),
            1013 => CloseCode::TryAgainLater(""),
            other => CloseCode::Other(other),
        }
    }

    /// The code on the wire.
    pub fn code(self) -> u16 {
        match self {
            CloseCode::Normal => 1000,
            CloseCode::GoingAway => 1001,
            CloseCode::Protocol(_) => 1002,
            CloseCode::InvalidData(_) => 1007,
            CloseCode::TooBig(_) => 1009,
            CloseCode::Internal(_) => 1011,
            CloseCode::TryAgainLater(_) => 1013,
            CloseCode::Other(code) => code,
        }
    }

    /// The reason sent with the code (at most 123 bytes).
    pub fn reason(self) -> &'static str {
        match self {
            CloseCode::Normal | CloseCode::Other(_) => "",
            CloseCode::GoingAway => "server shutting down",
            CloseCode::Protocol(why)
            | CloseCode::InvalidData(why)
            | CloseCode::TooBig(why)
            | CloseCode::Internal(why)
            | CloseCode::TryAgainLater(why) => why,
        }
    }
}

/// Whether an endpoint may send `code` in a close frame: 1004-1006 and 1015
/// are reserved or never sent, 1016-2999 are unassigned, 0-999 and 5000 up
/// are not codes.
pub(crate) fn is_valid_close_code(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}

/// A client's close frame: its code and reason (`None` for an empty
/// payload).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ClientClose {
    pub code: u16,
    pub reason: String,
}

/// Checks a client's close payload (RFC 6455 §5.5.1, §7.4): empty, or a
/// valid code and a UTF-8 reason.
pub(crate) fn parse_close(payload: &[u8]) -> Result<Option<ClientClose>, CloseCode> {
    match payload {
        [] => Ok(None),
        [_] => Err(CloseCode::Protocol("close frame payload of one byte")),
        [hi, lo, reason @ ..] => {
            let code = u16::from_be_bytes([*hi, *lo]);
            if !is_valid_close_code(code) {
                return Err(CloseCode::Protocol("invalid close code"));
            }
            let reason = std::str::from_utf8(reason)
                .map_err(|_| CloseCode::InvalidData("invalid UTF-8 in close reason"))?;
            Ok(Some(ClientClose {
                code,
                reason: reason.to_owned(),
            }))
        }
    }
}

/// A close frame's payload: `code` and `reason` cut to 123 bytes on a
/// character boundary; empty without a code.
pub(crate) fn close_payload(code: Option<u16>, reason: &str) -> Vec<u8> {
    let Some(code) = code else {
        return Vec::new();
    };
    let reason = truncate_reason(reason);
    let mut payload = Vec::with_capacity(2 + reason.len());
    payload.extend_from_slice(&code.to_be_bytes());
    payload.extend_from_slice(reason.as_bytes());
    payload
}

/// Close reasons are limited to 123 bytes; cut on a character boundary.
fn truncate_reason(reason: &str) -> &str {
    let mut end = reason.len().min(123);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    &reason[..end]
}

#[cfg(test)]
#[path = "close_tests.rs"]
mod tests;
