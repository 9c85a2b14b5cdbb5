//! The write side of a WebSocket, shared by the view, other threads'
//! [`Sender`]s, group deliveries and the reader's pong and close replies.
//!
//! Every frame is encoded by the core's one encoder ([`encode`]) in
//! [`Shared::queue_frame`] and queued on the connection's wire
//! ([`Socket::queue`]: through the TLS session when there is one), so frames
//! never interleave and nobody blocks on the client unless they chose to:
//! [`Sender::send`] waits for its own message with one total deadline,
//! [`Sender::try_send`], group deliveries, pongs and closes never wait.

use std::collections::VecDeque;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Instant;

use super::delivery::WritePolicy;
use super::message::Message;
use super::proto::{encode, CloseCode, Deflate, Outgoing};
use super::sender::{Sent, TrySendError};
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
    /// The negotiated compression of messages (permessage-deflate), if any.
    pub(super) deflate: Option<Box<dyn Deflate>>,
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
    pub fn new(
        stream: Arc<Socket>,
        policy: Arc<WritePolicy>,
        deflate: Option<Box<dyn Deflate>>,
    ) -> Arc<Self> {
        Arc::new_cyclic(|me| Shared {
            stream,
            state: Mutex::new(WriterState {
                deflate,
                ..WriterState::default()
            }),
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
        let queued = self.queue_message(&mut state, message)?;
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
        match self.queue_message(&mut state, &message) {
            Ok(queued) => Ok(self.after_queue(queued)),
            Err(_) => Err(TrySendError::Closed(message)),
        }
    }

    /// Whether a message of `len` bytes fits the client's bound now.
    pub(super) fn admits(&self, state: &mut WriterState, len: usize) -> bool {
        let (written, backlog) = self.stream.wire().progress();
        while state.ends.front().is_some_and(|&end| end <= written) {
            state.ends.pop_front();
        }
        self.policy.admits(backlog, state.ends.len(), len)
    }

    /// Queues a data message (counted, and remembered while unwritten).
    pub(super) fn queue_message(
        &self,
        state: &mut WriterState,
        message: &Message,
    ) -> Result<Queued> {
        let queued = self.queue_frame(state, Outgoing::Message(message))?;
        self.messages_out.fetch_add(1, Ordering::Relaxed);
        if queued.backlog > 0 {
            state.ends.push_back(queued.end);
        }
        Ok(queued)
    }

    /// Encodes a frame and queues it on the wire: every frame the server
    /// sends goes out here. A failure marks the connection dead.
    pub(super) fn queue_frame(
        &self,
        state: &mut WriterState,
        frame: Outgoing<'_>,
    ) -> Result<Queued> {
        let deflate = state.deflate.as_mut().map(|d| &mut **d as &mut dyn Deflate);
        let encoded = encode(frame, deflate);
        self.stream.queue(&encoded.bufs()).map_err(|e| {
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
        self.control(Outgoing::Pong(payload))
    }

    /// Sends a ping (keepalive), without waiting.
    pub fn ping(&self, payload: &[u8]) -> Result<()> {
        self.control(Outgoing::Ping(payload))
    }

    fn control(&self, frame: Outgoing<'_>) -> Result<()> {
        let mut state = self.lock();
        if state.close_sent.is_some() || state.broken {
            return Err(Error::ConnectionClosed);
        }
        if self.stream.wire().backlog() > self.policy.max_bytes {
            return Ok(());
        }
        let queued = self.queue_frame(&mut state, frame)?;
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

    /// Queues the server's close `close`, as [`close`](Self::close).
    pub fn close_with(&self, close: CloseCode) -> Result<bool> {
        self.close(Some(close.code()), close.reason())
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
        state.close_sent = Some(code.unwrap_or(CloseCode::NO_STATUS));
        let queued = self.queue_frame(state, Outgoing::Close(code, reason))?;
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
