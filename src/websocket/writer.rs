//! The write side of a WebSocket, shared by the view, other threads'
//! [`Sender`]s, group deliveries and the reader's pong and close replies.
//!
//! Every frame is encoded here and queued on the connection's wire
//! ([`Socket::queue`]: through the TLS session when there is one), so frames
//! never interleave and nobody blocks on the client unless they chose to:
//! [`Sender::send`] waits for its own message with one total deadline,
//! [`Sender::try_send`], group deliveries, pongs and closes never wait.

use std::collections::VecDeque;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Instant;

use tungstenite::protocol::frame::coding::{Control, Data, OpCode};
use tungstenite::protocol::frame::FrameHeader;

use super::delivery::WritePolicy;
use super::message::Message;
use crate::error::{Error, Result};
use crate::net::socket::{Queued, Socket};

#[derive(Debug, Default)]
pub(super) struct WriterState {
    /// The close code we sent (or queued), once we did.
    pub(super) close_sent: Option<u16>,
    /// The connection is dead (a write failed, or it was given up).
    pub(super) broken: bool,
    /// Where each queued data message ends on the wire, while unwritten.
    pub(super) ends: VecDeque<u64>,
    /// A slow client we are closing: give up on it at this time.
    pub(super) give_up_at: Option<Instant>,
}

/// The state every writer of one WebSocket shares.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(super) stream: Arc<Socket>,
    pub(super) state: Mutex<WriterState>,
    pub(super) messages_out: AtomicU64,
    pub(super) policy: Arc<WritePolicy>,
    /// This, for starting a drain thread from `&self`.
    pub(super) me: Weak<Shared>,
}

impl Shared {
    pub fn new(stream: Arc<Socket>, policy: Arc<WritePolicy>) -> Arc<Self> {
        Arc::new_cyclic(|me| Shared {
            stream,
            state: Mutex::default(),
            messages_out: AtomicU64::new(0),
            policy,
            me: me.clone(),
        })
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, WriterState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Sends a data message and waits until it is written, at most the
    /// server's `send_timeout` in all; a client that takes longer is closed.
    pub fn send_message(&self, message: &Message) -> Result<()> {
        let mut state = self.lock();
        if state.close_sent.is_some() || state.broken {
            return Err(Error::ConnectionClosed);
        }
        let deadline = Instant::now() + self.policy.send_timeout;
        let queued = self.queue_message(&mut state, message.as_bytes(), opcode(message))?;
        drop(state);
        match self.stream.wire().wait_written(queued.end, Some(deadline)) {
            Ok(()) => {
                if queued.start_drain && !self.stream.wire().drain_done() {
                    self.start_drain();
                }
                Ok(())
            }
            Err(e) if e.kind() == io::ErrorKind::TimedOut => {
                self.give_up(Some("a message was not taken within send_timeout"));
                Err(Error::Io(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "the client did not take the message within send_timeout ({:?}); connection closed",
                        self.policy.send_timeout
                    ),
                )))
            }
            Err(e) => Err(self.broke(e)),
        }
    }

    /// Queues a data message without waiting, if the client's bound allows.
    pub fn try_send_message(&self, message: Message) -> Result<Sent, TrySendError> {
        let mut state = self.lock();
        if state.close_sent.is_some() || state.broken {
            return Err(TrySendError::Closed(message));
        }
        if !self.admits(&mut state, message.len()) {
            return Err(TrySendError::Full(message));
        }
        match self.queue_message(&mut state, message.as_bytes(), opcode(&message)) {
            Ok(queued) => Ok(self.after_queue(queued)),
            Err(_) => Err(TrySendError::Closed(message)),
        }
    }

    /// Whether a message of `len` bytes fits the client's bound now.
    pub(super) fn admits(&self, state: &mut WriterState, len: usize) -> bool {
        let written = self.stream.wire().written();
        while state.ends.front().is_some_and(|&end| end <= written) {
            state.ends.pop_front();
        }
        let backlog = self.stream.wire().backlog();
        self.policy.admits(backlog, state.ends.len(), len)
    }

    fn queue_message(
        &self,
        state: &mut WriterState,
        payload: &[u8],
        opcode: OpCode,
    ) -> Result<Queued> {
        let mut header = Vec::with_capacity(14);
        format_header(&mut header, opcode, payload.len())?;
        let queued = self.queue(state, &[&header, payload])?;
        self.messages_out.fetch_add(1, Ordering::Relaxed);
        if queued.backlog > 0 {
            state.ends.push_back(queued.end);
        }
        Ok(queued)
    }

    /// Queues bytes on the wire; a failure marks the connection dead.
    pub(super) fn queue(&self, state: &mut WriterState, bufs: &[&[u8]]) -> Result<Queued> {
        self.stream.queue(bufs).map_err(|e| {
            state.broken = true;
            Error::from_peer_io(e)
        })
    }

    /// Starts a drain if the queue asked for one; says how it went.
    pub(super) fn after_queue(&self, queued: Queued) -> Sent {
        if queued.start_drain {
            self.start_drain();
        }
        if queued.backlog == 0 {
            Sent::Written
        } else {
            Sent::Queued
        }
    }

    /// Answers a ping, without waiting; skipped for a client that has more
    /// than its bound waiting (a later pong answers a later ping).
    pub fn pong(&self, payload: &[u8]) -> Result<()> {
        self.control(Control::Pong, payload)
    }

    /// Sends a ping (keepalive), without waiting.
    pub fn ping(&self, payload: &[u8]) -> Result<()> {
        self.control(Control::Ping, payload)
    }

    fn control(&self, control: Control, payload: &[u8]) -> Result<()> {
        let mut state = self.lock();
        if state.close_sent.is_some() || state.broken {
            return Err(Error::ConnectionClosed);
        }
        if self.stream.wire().backlog() > self.policy.max_bytes {
            return Ok(());
        }
        let mut frame = Vec::with_capacity(2 + payload.len());
        format_header(&mut frame, OpCode::Control(control), payload.len())?;
        frame.extend_from_slice(payload);
        let queued = self.queue(&mut state, &[&frame])?;
        self.after_queue(queued);
        Ok(())
    }

    /// Queues a close frame unless one was sent already, without waiting;
    /// `code` `None` sends an empty close payload. Returns whether this call
    /// queued it.
    pub fn close(&self, code: Option<u16>, reason: &str) -> Result<bool> {
        let mut state = self.lock();
        self.close_locked(&mut state, code, reason)
    }

    pub(super) fn close_locked(
        &self,
        state: &mut WriterState,
        code: Option<u16>,
        reason: &str,
    ) -> Result<bool> {
        if state.close_sent.is_some() || state.broken {
            return Ok(false);
        }
        let frame = close_frame(code, reason)?;
        state.close_sent = Some(code.unwrap_or(1005));
        let queued = self.queue(state, &[&frame])?;
        self.after_queue(queued);
        Ok(true)
    }

    /// The connection failed: mark it dead and say so.
    pub(super) fn broke(&self, e: io::Error) -> Error {
        self.lock().broken = true;
        Error::from_peer_io(e)
    }

    /// Whether we sent a close frame, or the connection broke.
    pub fn is_closed(&self) -> bool {
        let state = self.lock();
        state.close_sent.is_some() || state.broken
    }

    /// The close code we sent, if any.
    pub fn close_sent(&self) -> Option<u16> {
        self.lock().close_sent
    }

    /// The socket.
    pub fn stream(&self) -> &Socket {
        &self.stream
    }

    /// Messages sent so far.
    pub fn messages_out(&self) -> u64 {
        self.messages_out.load(Ordering::Relaxed)
    }
}

fn opcode(message: &Message) -> OpCode {
    match message {
        Message::Text(_) => OpCode::Data(Data::Text),
        Message::Binary(_) => OpCode::Data(Data::Binary),
    }
}

/// A whole close frame.
pub(super) fn close_frame(code: Option<u16>, reason: &str) -> Result<Vec<u8>> {
    let mut payload = Vec::with_capacity(2 + reason.len());
    if let Some(code) = code {
        payload.extend_from_slice(&code.to_be_bytes());
        payload.extend_from_slice(truncate_reason(reason).as_bytes());
    }
    let mut frame = Vec::with_capacity(4 + payload.len());
    format_header(&mut frame, OpCode::Control(Control::Close), payload.len())?;
    frame.extend_from_slice(&payload);
    Ok(frame)
}

/// A whole data frame carrying `message`: encoded once, written to every
/// member of a group.
pub(crate) fn data_frame(message: &Message) -> Result<Vec<u8>> {
    let payload = message.as_bytes();
    let mut frame = Vec::with_capacity(14 + payload.len());
    format_header(&mut frame, opcode(message), payload.len())?;
    frame.extend_from_slice(payload);
    Ok(frame)
}

pub(super) fn format_header(buf: &mut Vec<u8>, opcode: OpCode, len: usize) -> Result<()> {
    let header = FrameHeader {
        opcode,
        ..FrameHeader::default()
    };
    buf.clear();
    header
        .format(len as u64, buf)
        .map_err(|e| Error::Io(io::Error::other(e.to_string())))
}

/// Close reasons are limited to 123 bytes; cut on a character boundary.
fn truncate_reason(reason: &str) -> &str {
    let mut end = reason.len().min(123);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    &reason[..end]
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

impl Sender {
    /// Sends one message and waits until it is written: at most the
    /// server's `send_timeout` in all (a total deadline for this message,
    /// however many writes it takes). A client that has not taken it by then
    /// is closed.
    ///
    /// # Errors
    /// [`Error::ConnectionClosed`] once the WebSocket is closed or the client
    /// went away; an [`Error::Io`] (`TimedOut`) past the deadline.
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
    /// once the client answers.
    ///
    /// # Errors
    /// An [`Error::Io`] if the connection has failed.
    pub fn close(&self, code: u16, reason: &str) -> Result<()> {
        self.shared.close(Some(code), reason).map(drop)
    }

    /// Whether the WebSocket is closed for sending.
    pub fn is_closed(&self) -> bool {
        self.shared.is_closed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_cut_on_char_boundaries() {
        assert_eq!(truncate_reason("ok"), "ok");
        let long = "é".repeat(100);
        let cut = truncate_reason(&long);
        assert!(cut.len() <= 123 && cut.chars().all(|c| c == 'é'));
    }

    #[test]
    fn frames() {
        assert_eq!(
            close_frame(Some(1000), "").expect("frame"),
            [0x88, 2, 0x03, 0xe8]
        );
        assert_eq!(close_frame(None, "ignored").expect("frame"), [0x88, 0]);
        let text = data_frame(&Message::Text("hi".into())).expect("frame");
        assert_eq!(text, [0x81, 2, b'h', b'i']);
        let binary = data_frame(&Message::Binary(vec![0; 200])).expect("frame");
        assert_eq!(&binary[..4], [0x82, 126, 0, 200]);
    }
}
