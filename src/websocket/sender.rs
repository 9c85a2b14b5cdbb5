//! [`Sender`]: the public handle that sends on a WebSocket from any
//! thread, and what its sends report ([`Sent`], [`TrySendError`]).

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::message::Message;
use super::proto::CloseCode;
use super::writer::Shared;
use super::WebSocket;
use crate::error::{Error, Result};

/// How often a sending view also looks for pings and close frames.
const POLL_ON_SEND_EVERY: Duration = Duration::from_millis(50);

impl WebSocket {
    /// Sends one message: `&str`/`String` as text, `Vec<u8>`/`&[u8]` as
    /// binary, or a [`Message`] (django-websocket's `send()`). Accepts the
    /// handshake first if need be.
    ///
    /// Waits until the message is written, at most the server's
    /// `send_timeout` in all; a client that has not taken it by then is
    /// closed. [`try_send`](Self::try_send) never waits.
    ///
    /// # Errors
    /// [`Error::ConnectionClosed`](crate::Error::ConnectionClosed) once the
    /// WebSocket is closed or the client has gone; an I/O error if the write
    /// fails otherwise (it blocked longer than the server's `send_timeout`).
    pub fn send(&self, message: impl Into<Message>) -> Result<()> {
        if !self.use_socket() {
            return Err(Error::ConnectionClosed);
        }
        self.poll_control();
        self.shared.send_message(&message.into())
    }

    /// Sends one message without ever blocking (see [`Sender::try_send`]).
    /// Accepts the handshake first if need be.
    ///
    /// # Errors
    /// [`TrySendError::Full`] for a client over its bound,
    /// [`TrySendError::Closed`] once the WebSocket is closed.
    pub fn try_send(&self, message: impl Into<Message>) -> std::result::Result<Sent, TrySendError> {
        let message = message.into();
        if !self.use_socket() {
            return Err(TrySendError::Closed(message));
        }
        self.poll_control();
        self.shared.try_send_message(message)
    }

    /// A cloneable handle to send from other threads. Accepts the handshake
    /// first if need be (if that fails, the sender's sends fail).
    pub fn sender(&self) -> Sender {
        self.use_socket();
        self.new_sender()
    }

    pub(super) fn new_sender(&self) -> Sender {
        Sender {
            shared: Arc::clone(&self.shared),
        }
    }

    /// Answers pings and notices closes while a view only sends.
    fn poll_control(&self) {
        if self.last_poll.get().elapsed() >= POLL_ON_SEND_EVERY {
            self.last_poll.set(Instant::now());
            self.lock_inbound().poll(&self.shared);
        }
    }
}

/// How a [`Sender::try_send`] went when the message was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sent {
    /// Handed to the kernel whole.
    Written,
    /// Queued behind other bytes; it goes out as the client reads.
    Queued,
}

/// Why a [`Sender::try_send`] refused a message; the message is given back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrySendError {
    /// The client is slow: its queue is at the server's bound
    /// (`max_queued_bytes` / `max_queued_messages`).
    Full(Message),
    /// The WebSocket is closed (or closing).
    Closed(Message),
}

impl TrySendError {
    /// The message that was not sent.
    pub fn into_message(self) -> Message {
        match self {
            TrySendError::Full(message) | TrySendError::Closed(message) => message,
        }
    }
}

impl std::fmt::Display for TrySendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("the client's send queue is full"),
            TrySendError::Closed(_) => f.write_str("the WebSocket is closed"),
        }
    }
}

impl std::error::Error for TrySendError {}

/// A handle that sends on a WebSocket from any thread.
///
/// Get one with [`WebSocket::sender`](crate::WebSocket::sender); clone it
/// freely. Frames from all senders and the view never interleave.
///
/// ```no_run
/// # fn view(request: &wsviews::Request) -> wsviews::Result<()> {
/// use wsviews::TrySendError;
///
/// let websocket = request.websocket().expect("a WebSocket view");
/// let sender = websocket.sender();
/// std::thread::spawn(move || {
///     for tick in 0.. {
///         // Never blocks: a slow client misses ticks instead of stalling us.
///         match sender.try_send(format!("tick {tick}")) {
///             Ok(_) | Err(TrySendError::Full(_)) => {}
///             Err(TrySendError::Closed(_)) => break, // the client went away
///         }
///         std::thread::sleep(std::time::Duration::from_secs(1));
///     }
/// });
/// for message in websocket {
///     websocket.send(message)?;
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Sender {
    pub(crate) shared: Arc<Shared>,
}

/// A [`Sender`] that does not keep its WebSocket's state alive (the
/// default one is of no WebSocket: it never upgrades).
#[derive(Debug, Clone, Default)]
pub(crate) struct WeakSender {
    shared: std::sync::Weak<Shared>,
    socket: std::sync::Weak<crate::net::socket::Socket>,
}

impl WeakSender {
    /// The sender, while its WebSocket's state is alive.
    pub fn upgrade(&self) -> Option<Sender> {
        self.shared.upgrade().map(|shared| Sender { shared })
    }

    /// Reads (and ignores) a word of the writer state and of the socket, so
    /// both are in the CPU cache when this member is sent to (see
    /// `channels::members::warmed`).
    pub fn warm(&self) {
        std::hint::black_box(self.shared.strong_count() + self.socket.strong_count());
    }
}

impl Sender {
    /// A reference that does not keep this WebSocket's state (and socket)
    /// alive.
    pub(crate) fn downgrade(&self) -> WeakSender {
        WeakSender {
            shared: Arc::downgrade(&self.shared),
            socket: Arc::downgrade(&self.shared.stream),
        }
    }

    /// Sends one message and waits until it is written: at most the
    /// server's `send_timeout` in all (a total deadline for this message,
    /// however many writes it takes). A client that has not taken it by then
    /// is closed.
    ///
    /// # Errors
    /// [`Error::ConnectionClosed`](crate::Error::ConnectionClosed) once the WebSocket is closed or the client
    /// went away; an [`Error::Io`](crate::Error::Io) (`TimedOut`) past the deadline.
    pub fn send(&self, message: impl Into<Message>) -> Result<()> {
        self.shared.send_message(&message.into())
    }

    /// Sends one message without ever blocking: written at once, queued
    /// behind what the client has not read yet, or refused (and given back)
    /// because the client is over its bound or gone.
    ///
    /// # Errors
    /// [`TrySendError::Full`] for a slow client, [`TrySendError::Closed`]
    /// once the WebSocket is closed.
    pub fn try_send(&self, message: impl Into<Message>) -> Result<Sent, TrySendError> {
        self.shared.try_send_message(message.into())
    }

    /// Starts the closing handshake with `code` (e.g. 1000) and `reason`,
    /// without waiting for the client; the view's `wait()` returns `None`
    /// once the client answers. The same call as
    /// [`WebSocket::close_with`](crate::WebSocket::close_with).
    ///
    /// # Errors
    /// An [`Error::Io`](crate::Error::Io) if the connection has failed.
    pub fn close_with(&self, code: u16, reason: &str) -> Result<()> {
        self.shared.close(Some(code), reason).map(drop)
    }

    /// Starts the closing handshake with `code` and `reason`.
    ///
    /// # Errors
    /// As [`close_with`](Self::close_with).
    #[deprecated(
        since = "0.2.0",
        note = "use `close_with(code, reason)`, as on `WebSocket` (whose `close()` takes none)"
    )]
    pub fn close(&self, code: u16, reason: &str) -> Result<()> {
        self.close_with(code, reason)
    }

    /// Starts the closing handshake with one of the server's closes.
    pub(crate) fn close_because(&self, close: CloseCode) -> Result<()> {
        self.shared.close_with(close).map(drop)
    }

    /// Whether the WebSocket is closed for sending.
    pub fn is_closed(&self) -> bool {
        self.shared.is_closed()
    }
}
