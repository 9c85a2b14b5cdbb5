//! The lazy end of the opening handshake: a WebSocket view runs before the
//! `101 Switching Protocols` goes out, so it can still refuse the handshake
//! with an HTTP response (a `401` for a missing session cookie, say).

use std::io;
use std::sync::Arc;

use super::keepalive::{Watch, Watched};
use super::sender::Sender;
use crate::layers::ChannelLayer;

/// A reply channel: the layer it lives on and its name.
pub(crate) type ReplyChannel = (Arc<dyn ChannelLayer>, String);

/// What an open WebSocket is registered with.
#[derive(Debug)]
pub(crate) struct Registration {
    /// For shutdown's 1001.
    pub sender: Sender,
    /// For the keepalive timer.
    pub watched: Watched,
}

/// What the registrations gave the WebSocket.
#[derive(Debug)]
pub(crate) struct Opened {
    /// A reply channel made at once (most are made on first need).
    pub reply: Option<ReplyChannel>,
    /// The keepalive's hold, if the server pings.
    pub watch: Option<Watch>,
}

/// Completes an opening handshake; the connection layer implements it (it
/// owns the socket's registrations: shutdown, keepalive).
pub(crate) trait Open: Send {
    /// Writes the `101` agreeing on `protocol`, then registers the open
    /// WebSocket.
    ///
    /// # Errors
    /// The write's error: the client is gone.
    fn open(
        self: Box<Self>,
        protocol: Option<&str>,
        registration: Registration,
    ) -> io::Result<Opened>;
}

/// Where a WebSocket is in its opening handshake.
pub(crate) enum Opening {
    /// The view has not used the socket yet; the client waits for an answer.
    Pending(Box<dyn Open>),
    /// The `101` went out: the WebSocket is open (or was, and closed).
    Open,
    /// The view closed the WebSocket before accepting it: the handshake is
    /// refused with `403 Forbidden`, as Django Channels does.
    Refused,
    /// The `101` could not be written: the client left.
    Failed,
}

impl Opening {
    /// The state, without the opener, for a `Debug` or a decision.
    pub fn state(&self) -> OpeningState {
        match self {
            Opening::Pending(_) => OpeningState::Pending,
            Opening::Open => OpeningState::Open,
            Opening::Refused => OpeningState::Refused,
            Opening::Failed => OpeningState::Failed,
        }
    }
}

/// [`Opening`] without its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OpeningState {
    /// Not accepted yet.
    Pending,
    /// Accepted: the `101` went out.
    Open,
    /// Closed before it was accepted: answer `403`.
    Refused,
    /// The `101` could not be written.
    Failed,
}

/// Whether `protocol` may be agreed on: the client offered it.
pub(crate) fn check_protocol(offered: &[String], protocol: &str) -> io::Result<()> {
    if offered.iter().any(|p| p == protocol) {
        return Ok(());
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("the client did not offer the subprotocol {protocol:?}"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_offered_protocols_are_agreed() {
        let offered = vec!["chat.v2".to_owned(), "chat.v1".to_owned()];
        assert!(check_protocol(&offered, "chat.v1").is_ok());
        assert!(check_protocol(&offered, "chat").is_err());
        assert!(check_protocol(&[], "chat.v1").is_err());
    }
}
