//! How a WebSocket ends: what [`WebSocket::wait_timeout`] tells the view,
//! why the socket closed ([`CloseReason`]), and the session's end once the
//! view returned.

use std::net::Shutdown;
use std::time::{Duration, Instant};

use super::message::Message;
use super::opening::{Opening, OpeningState};
use super::proto::CloseCode;
use super::reader::Ended;
use super::WebSocket;
use crate::error::Result;

/// What [`WebSocket::wait_timeout`] got.
#[must_use]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    /// A message from the client.
    Message(Message),
    /// Nothing arrived in time; the WebSocket is still open.
    TimedOut,
    /// The WebSocket is closed; [`WebSocket::close_reason`] says why.
    Closed,
}

impl Received {
    /// The message, if one arrived.
    pub fn into_message(self) -> Option<Message> {
        match self {
            Received::Message(message) => Some(message),
            Received::TimedOut | Received::Closed => None,
        }
    }
}

/// Why a WebSocket closed; see [`WebSocket::close_reason`].
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CloseReason {
    /// The client closed the WebSocket with this code (1005 when its close
    /// frame had none) and reason.
    Client {
        /// The close code the client sent.
        code: u16,
        /// The reason the client gave (often empty).
        reason: String,
    },
    /// This side closed first, with this code: the view's
    /// [`close_with`](WebSocket::close_with), a shutdown's 1001, or a
    /// protocol error of the client (1002, 1007, 1009).
    Server {
        /// The close code the server sent.
        code: u16,
    },
    /// The connection ended without a closing handshake: the client's side
    /// reset or closed the TCP connection (a crash, a lost network).
    Reset,
    /// The client did not answer a keepalive ping within the server's
    /// `ping_timeout`; the server closed with 1011.
    TimedOut,
}

impl CloseReason {
    /// The close code: the client's, or the one the server sent (1011 for
    /// a timeout); 1006 for a reset, as a browser reports it.
    pub fn code(&self) -> u16 {
        match self {
            CloseReason::Client { code, .. } | CloseReason::Server { code } => *code,
            CloseReason::Reset => CloseCode::ABNORMAL,
            CloseReason::TimedOut => CloseCode::Internal("").code(),
        }
    }
}

impl WebSocket {
    /// Starts the closing handshake with 1000 (normal closure). Before the
    /// handshake is accepted, refuses it with `403 Forbidden` instead.
    ///
    /// # Errors
    /// An I/O error if the close frame cannot be written.
    pub fn close(&self) -> Result<()> {
        self.close_because(CloseCode::Normal)
    }

    /// Starts the closing handshake with `code` and `reason`; later `wait()`s
    /// return `None`. Before the handshake is accepted, refuses it with
    /// `403 Forbidden` instead, as Channels does.
    ///
    /// # Errors
    /// An I/O error if the close frame cannot be written.
    pub fn close_with(&self, code: u16, reason: &str) -> Result<()> {
        {
            let mut opening = self.opening.borrow_mut();
            if let Opening::Pending(_) = &*opening {
                *opening = Opening::Refused;
                return Ok(());
            }
        }
        self.shared.close(Some(code), reason).map(drop)
    }

    /// [`close_with`](Self::close_with) one of the server's closes.
    pub(crate) fn close_because(&self, close: CloseCode) -> Result<()> {
        self.close_with(close.code(), close.reason())
    }

    /// Whether the WebSocket is closed: either side sent a close frame, the
    /// connection dropped or went silent past the keepalive timeout (or the
    /// handshake was refused). True as soon as the reader has seen the end.
    pub fn is_closed(&self) -> bool {
        match self.opening_state() {
            OpeningState::Pending => false,
            OpeningState::Refused | OpeningState::Failed => true,
            OpeningState::Open => {
                self.shared.is_closed()
                    || self.live.timed_out()
                    || self.lock_inbound().ended().is_some()
            }
        }
    }

    /// Why the WebSocket closed; `None` while it is open (or not accepted
    /// yet). Useful once [`wait`](Self::wait) returned `None` or a send
    /// failed:
    ///
    /// ```no_run
    /// # fn view(request: &wsviews::Request) -> wsviews::Result<()> {
    /// use wsviews::CloseReason;
    ///
    /// let websocket = request.websocket().expect("a WebSocket view");
    /// for message in websocket {
    ///     websocket.send(message)?;
    /// }
    /// match websocket.close_reason() {
    ///     Some(CloseReason::Client { code, reason }) => println!("left: {code} {reason}"),
    ///     Some(CloseReason::TimedOut) => println!("went silent"),
    ///     other => println!("ended: {other:?}"),
    /// }
    /// # Ok(()) }
    /// ```
    pub fn close_reason(&self) -> Option<CloseReason> {
        match self.opening_state() {
            OpeningState::Pending | OpeningState::Refused => return None,
            OpeningState::Failed => return Some(CloseReason::Reset),
            OpeningState::Open => {}
        }
        if self.live.timed_out() {
            return Some(CloseReason::TimedOut);
        }
        let sent = self.shared.close_sent();
        let server = sent.map(|code| CloseReason::Server { code });
        match self.lock_inbound().ended() {
            Some(Ended::Closed {
                code,
                reason,
                by_client: true,
            }) => Some(CloseReason::Client {
                code: code.unwrap_or(CloseCode::NO_STATUS),
                reason: reason.clone(),
            }),
            Some(Ended::Failed(code)) => Some(CloseReason::Server { code: *code }),
            Some(_) => server.or(Some(CloseReason::Reset)),
            None if sent.is_none() && self.shared.is_closed() => Some(CloseReason::Reset),
            None => server,
        }
    }

    /// Ends the session after the view returned: closes with `close` unless
    /// a close was already sent (or the client is gone), waits up to
    /// `timeout` for the client's close, then closes the TCP connection.
    pub(crate) fn finish(&self, close: CloseCode, timeout: Duration) -> SessionEnd {
        self.leave_groups();
        let deadline = Instant::now() + timeout;
        let mut inbound = self.lock_inbound();
        // A client that went away without a close frame gets none: nobody
        // reads it, and the session ended with 1006 (RFC 6455 7.1.5).
        if inbound.ended() != Some(&Ended::Dropped) {
            let _ = self.shared.close_with(close);
        }
        inbound.drain_until_closed(&self.shared, deadline);
        // Our close frame (an answer to the client's, say) may still wait.
        let wire = self.shared.stream().wire();
        let _ = wire.wait_written(wire.written() + wire.backlog() as u64, Some(deadline));
        let _ = self.shared.stream().shutdown(Shutdown::Both);
        SessionEnd {
            messages_in: inbound.messages_in,
            messages_out: self.shared.messages_out(),
            sent: self.shared.close_sent(),
            ended: inbound.ended().cloned(),
        }
    }
}

/// What a finished WebSocket session did, for the access log.
#[derive(Debug, Clone)]
pub(crate) struct SessionEnd {
    pub messages_in: u64,
    pub messages_out: u64,
    pub sent: Option<u16>,
    pub ended: Option<Ended>,
}

impl SessionEnd {
    /// The close code that ended the session, as a client would report it.
    pub fn close_code(&self) -> u16 {
        match (&self.ended, self.sent) {
            (Some(Ended::Failed(code)), _) => *code,
            (_, Some(code)) => code,
            (Some(Ended::Closed { code, .. }), None) => code.unwrap_or(CloseCode::NO_STATUS),
            _ => CloseCode::ABNORMAL,
        }
    }
}
