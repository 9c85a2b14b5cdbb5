//! The write side of a WebSocket: one lock shared by the view, other threads'
//! [`Sender`]s and the reader's pong and close replies, so frames never
//! interleave.

use std::io::{self, IoSlice, Write};

use crate::socket::Socket;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tungstenite::protocol::frame::coding::{Control, Data, OpCode};
use tungstenite::protocol::frame::FrameHeader;

use super::message::Message;
use super::outbox::{Delivery, Outbox};
use crate::error::{Error, Result};

/// Payloads up to this size are copied next to their header and written with
/// one `write`; larger ones go out as two slices of one vectored write.
const COPY_LIMIT: usize = 8 * 1024;

#[derive(Debug)]
pub(super) struct WriterState {
    pub(super) buf: Vec<u8>,
    /// The unsent rest of a frame a non-blocking write started; every
    /// writer sends it before its own frame.
    pub(super) pending: Vec<u8>,
    /// The close code we sent, once we sent a close frame.
    pub(super) close_sent: Option<u16>,
    /// A write failed; the connection is dead.
    pub(super) broken: bool,
}

/// The state every writer of one WebSocket shares.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(super) stream: Arc<Socket>,
    pub(super) state: Mutex<WriterState>,
    pub(super) messages_out: AtomicU64,
    pub(super) outbox: Mutex<Outbox>,
}

impl Shared {
    pub fn new(stream: Arc<Socket>) -> Self {
        Shared {
            stream,
            state: Mutex::new(WriterState {
                buf: Vec::new(),
                pending: Vec::new(),
                close_sent: None,
                broken: false,
            }),
            messages_out: AtomicU64::new(0),
            outbox: Mutex::new(Outbox::default()),
        }
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, WriterState> {
        // A panic while holding the lock cannot leave a half-written frame
        // behind that we would then continue: `broken` is set before writing.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Sends a data message.
    pub fn send_message(&self, message: &Message) -> Result<()> {
        let opcode = match message {
            Message::Text(_) => OpCode::Data(Data::Text),
            Message::Binary(_) => OpCode::Data(Data::Binary),
        };
        self.send_frame(opcode, message.as_bytes())?;
        self.messages_out.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Answers a ping.
    pub fn pong(&self, payload: &[u8]) -> Result<()> {
        self.send_frame(OpCode::Control(Control::Pong), payload)
    }

    /// Sends a ping (keepalive).
    pub fn ping(&self, payload: &[u8]) -> Result<()> {
        self.send_frame(OpCode::Control(Control::Ping), payload)
    }

    /// Sends a close frame unless one was sent already; `code` `None` sends an
    /// empty close payload. Returns whether this call sent it.
    pub fn close(&self, code: Option<u16>, reason: &str) -> Result<bool> {
        let mut state = self.lock();
        if state.close_sent.is_some() || state.broken {
            return Ok(false);
        }
        let mut payload = Vec::with_capacity(2 + reason.len());
        if let Some(code) = code {
            payload.extend_from_slice(&code.to_be_bytes());
            payload.extend_from_slice(truncate_reason(reason).as_bytes());
        }
        self.write_frame(&mut state, OpCode::Control(Control::Close), &payload)?;
        state.close_sent = Some(code.unwrap_or(1005));
        Ok(true)
    }

    fn send_frame(&self, opcode: OpCode, payload: &[u8]) -> Result<()> {
        let mut state = self.lock();
        if state.close_sent.is_some() || state.broken {
            return Err(Error::ConnectionClosed);
        }
        self.write_frame(&mut state, opcode, payload)
    }

    fn write_frame(&self, state: &mut WriterState, opcode: OpCode, payload: &[u8]) -> Result<()> {
        state.broken = true;
        if !state.pending.is_empty() {
            (&*self.stream)
                .write_all(&state.pending)
                .map_err(Error::from_peer_io)?;
            state.pending = Vec::new();
        }
        format_header(&mut state.buf, opcode, payload.len())?;
        let result = if payload.len() <= COPY_LIMIT {
            state.buf.extend_from_slice(payload);
            (&*self.stream).write_all(&state.buf)
        } else {
            write_all_vectored(&self.stream, &state.buf, payload)
        };
        if state.buf.capacity() > 2 * COPY_LIMIT {
            state.buf = Vec::new();
        }
        result.map_err(Error::from_peer_io)?;
        state.broken = false;
        Ok(())
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

fn write_all_vectored(mut stream: &Socket, mut head: &[u8], mut body: &[u8]) -> io::Result<()> {
    while !head.is_empty() || !body.is_empty() {
        let n = match stream.write_vectored(&[IoSlice::new(head), IoSlice::new(body)]) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let from_head = n.min(head.len());
        head = &head[from_head..];
        body = &body[n - from_head..];
    }
    Ok(())
}

/// Close reasons are limited to 123 bytes; cut on a character boundary.
fn truncate_reason(reason: &str) -> &str {
    let mut end = reason.len().min(123);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    &reason[..end]
}

/// A handle that sends on a WebSocket from any thread.
///
/// Get one with [`WebSocket::sender`](crate::WebSocket::sender); clone it
/// freely. Frames from all senders and the view never interleave.
///
/// ```no_run
/// # fn view(request: &wsviews::Request) -> wsviews::Result<()> {
/// let websocket = request.websocket().expect("a WebSocket view");
/// let sender = websocket.sender();
/// std::thread::spawn(move || {
///     for tick in 0.. {
///         if sender.send(format!("tick {tick}")).is_err() {
///             break; // the client went away
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
    /// Sends one message.
    ///
    /// # Errors
    /// [`Error::ConnectionClosed`] once the WebSocket is closed; an
    /// [`Error::Io`] if the write fails or blocks longer than the server's
    /// `send_timeout`.
    pub fn send(&self, message: impl Into<Message>) -> Result<()> {
        self.shared.send_message(&message.into())
    }

    /// Starts the closing handshake with `code` (e.g. 1000) and `reason`; the
    /// view's `wait()` returns `None` once the client answers.
    ///
    /// # Errors
    /// An [`Error::Io`] if the close frame cannot be written.
    pub fn close(&self, code: u16, reason: &str) -> Result<()> {
        self.shared.close(Some(code), reason).map(drop)
    }

    /// Whether the WebSocket is closed for sending.
    pub fn is_closed(&self) -> bool {
        self.shared.is_closed()
    }

    /// Delivers without waiting on a slow client (see [`Shared::deliver`]).
    pub(crate) fn deliver(&self, delivery: Delivery) {
        self.shared.deliver(delivery);
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
}
