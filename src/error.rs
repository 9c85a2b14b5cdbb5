//! The crate's one error type.

use std::fmt;
use std::io;

/// Everything that can go wrong in wsviews.
///
/// Every variant is `Send + Sync + 'static`, so errors cross threads and box
/// into `Box<dyn std::error::Error + Send + Sync>`.
#[non_exhaustive]
#[derive(Debug)]
pub enum Error {
    /// An I/O error on a socket, file or pipe.
    Io(io::Error),
    /// The WebSocket (or connection) is closed; nothing more can be sent.
    ConnectionClosed,
    /// A configuration value was rejected (at `bind` or at start-up).
    Config(String),
    /// A message is larger than the limit that applies to it.
    MessageTooLarge {
        /// The size of the message, in bytes.
        size: usize,
        /// The limit, in bytes.
        max: usize,
    },
    /// A channel is at its capacity; the message was not sent.
    ChannelFull(String),
    /// A channel or group name is not valid (too long, or a character outside
    /// `A-Za-z0-9-_.!?`).
    InvalidName(String),
    /// A channel-layer backend failed (for example, Redis is unreachable).
    Layer(String),
    /// A message could not be encoded or decoded as JSON.
    Json(serde_json::Error),
    /// A channel-layer message was refused: one without the `"type"` that
    /// Django Channels consumers need, or a body that cannot be decoded.
    InvalidMessage(String),
}

/// `Result` with [`Error`] as its default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(e) => write!(f, "I/O error: {e}"),
            Error::ConnectionClosed => f.write_str("connection closed"),
            Error::Config(why) => write!(f, "invalid configuration: {why}"),
            Error::MessageTooLarge { size, max } => {
                write!(
                    f,
                    "message of {size} bytes is over the limit of {max} bytes"
                )
            }
            Error::ChannelFull(name) => write!(f, "channel {name:?} is full"),
            Error::InvalidName(why) => write!(f, "invalid channel or group name: {why}"),
            Error::Layer(why) => write!(f, "channel layer error: {why}"),
            Error::Json(e) => write!(f, "JSON error: {e}"),
            Error::InvalidMessage(why) => write!(f, "invalid channel-layer message: {why}"),
        }
    }
}

impl Error {
    /// The error of a write to (or read from) a client: a peer that went
    /// away (reset, broken pipe, end of stream) is [`Error::ConnectionClosed`],
    /// anything else an [`Error::Io`].
    pub(crate) fn from_peer_io(e: io::Error) -> Self {
        if is_disconnect(&e) {
            Error::ConnectionClosed
        } else {
            Error::Io(e)
        }
    }

    /// Whether this error only says the client went away: normal, not a
    /// fault of the server.
    pub(crate) fn is_disconnect(&self) -> bool {
        match self {
            Error::ConnectionClosed => true,
            Error::Io(e) => is_disconnect(e),
            _ => false,
        }
    }
}

/// Whether an I/O error says the peer went away.
pub(crate) fn is_disconnect(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
            | io::ErrorKind::NotConnected
            | io::ErrorKind::UnexpectedEof
    )
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io(e) => Some(e),
            Error::Json(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Self {
        Error::Io(e)
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error::Json(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_peer_going_away_is_connection_closed() {
        use io::ErrorKind::*;
        for kind in [
            ConnectionReset,
            ConnectionAborted,
            BrokenPipe,
            NotConnected,
            UnexpectedEof,
        ] {
            let error = Error::from_peer_io(kind.into());
            assert!(matches!(error, Error::ConnectionClosed), "{kind:?}");
            assert!(Error::Io(kind.into()).is_disconnect(), "{kind:?}");
        }
        for kind in [TimedOut, WouldBlock, PermissionDenied] {
            let error = Error::from_peer_io(kind.into());
            assert!(matches!(error, Error::Io(_)), "{kind:?}");
            assert!(!error.is_disconnect(), "{kind:?}");
        }
    }
}
