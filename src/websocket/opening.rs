//! The lazy end of the opening handshake: a WebSocket view runs before the
//! `101 Switching Protocols` goes out, so it can still refuse the handshake
//! with an HTTP response (a `401` for a missing session cookie, say).

use std::io;
use std::sync::Arc;

use super::keepalive::{Watch, Watched};
use super::sender::Sender;
use super::WebSocket;
use crate::error::{Error, Result};
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

impl WebSocket {
    /// Completes the opening handshake now: the client gets its `101` with
    /// the subprotocol chosen by [`View::protocols`](crate::View::protocols),
    /// if any. Using the socket in any other way accepts it too; calling this
    /// once it is accepted does nothing.
    ///
    /// # Errors
    /// [`Error::ConnectionClosed`] if the client has gone, or the view closed
    /// the WebSocket before accepting it.
    pub fn accept(&self) -> Result<()> {
        self.open(None)
    }

    /// Completes the opening handshake agreeing on `protocol`, which must be
    /// one the client offered (see
    /// [`offered_protocols`](Self::offered_protocols)); as Channels'
    /// `accept(subprotocol=...)`.
    ///
    /// # Errors
    /// [`Error::Io`] with `InvalidInput` if the client did not offer
    /// `protocol`, or the WebSocket was already accepted with another one;
    /// otherwise as [`accept`](Self::accept).
    pub fn accept_with_protocol(&self, protocol: &str) -> Result<()> {
        check_protocol(&self.offered, protocol)?;
        if self.opening_state() == OpeningState::Open && self.protocol() != Some(protocol) {
            let why = "the WebSocket was already accepted with another subprotocol";
            return Err(Error::Io(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                why,
            )));
        }
        self.open(Some(protocol))
    }

    /// Whether the handshake was accepted (the client got its `101`).
    pub fn is_accepted(&self) -> bool {
        self.opening_state() == OpeningState::Open
    }

    /// The subprotocols the client offered (`Sec-WebSocket-Protocol`), in its
    /// order of preference.
    pub fn offered_protocols(&self) -> &[String] {
        &self.offered
    }

    pub(crate) fn opening_state(&self) -> OpeningState {
        self.opening.borrow().state()
    }

    /// Accepts the handshake unless it is already; `Err` if it cannot be.
    fn open(&self, protocol: Option<&str>) -> Result<()> {
        let opener = {
            let mut opening = self.opening.borrow_mut();
            match &*opening {
                Opening::Open => return Ok(()),
                Opening::Refused | Opening::Failed => return Err(Error::ConnectionClosed),
                Opening::Pending(_) => {}
            }
            match std::mem::replace(&mut *opening, Opening::Failed) {
                Opening::Pending(opener) => opener,
                _ => return Err(Error::ConnectionClosed),
            }
        };
        let protocol = protocol.or(self.default_protocol.as_deref());
        let registration = Registration {
            sender: self.new_sender(),
            watched: Watched {
                inbound: Arc::clone(&self.inbound),
                shared: Arc::clone(&self.shared),
                live: Arc::clone(&self.live),
            },
        };
        match opener.open(protocol, registration) {
            Ok(opened) => {
                *self.opening.borrow_mut() = Opening::Open;
                if let Some(protocol) = protocol {
                    let _ = self.protocol.set(protocol.to_owned());
                }
                if let Some((_, channel)) = opened.reply {
                    self.set_reply(channel);
                }
                if let Some(watch) = opened.watch {
                    let _ = self.watch.set(watch);
                }
                Ok(())
            }
            Err(e) => {
                log::debug!("handshake reply not sent: {e}");
                self.shared.lock().broken = true;
                self.lock_inbound().set_dropped();
                Err(Error::ConnectionClosed)
            }
        }
    }

    /// Accepts the handshake if need be; whether the WebSocket is open.
    pub(super) fn use_socket(&self) -> bool {
        self.open(None).is_ok()
    }

    /// The subprotocol agreed in the handshake, if any; before the handshake
    /// is accepted, the one [`accept`](Self::accept) would agree on.
    pub fn protocol(&self) -> Option<&str> {
        self.protocol
            .get()
            .map(String::as_str)
            .or(self.default_protocol.as_deref())
    }
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
