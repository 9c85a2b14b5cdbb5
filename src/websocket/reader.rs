//! The read side of a WebSocket: a thin loop that moves the client's bytes
//! from the socket into the protocol core ([`Decoder`]) and acts on what
//! comes out: messages are queued, pings answered, a client's close
//! echoed, a protocol error closed with the core's [`CloseCode`].

use std::collections::VecDeque;
use std::io::{self, Read};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::liveness::Liveness;
use super::message::Message;
use super::proto::{ClientClose, CloseCode, Decoder, Event, Inflate, Limits};
use super::writer::Shared;
use crate::net::socket::{is_timeout, Socket};

/// Limits of one WebSocket's read side.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReadLimits {
    pub max_message: usize,
    pub max_frame: usize,
    pub queue_bytes: usize,
}

/// Why reading stopped for good.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Ended {
    /// The client sent a close frame, with this code (if any) and reason;
    /// `by_client` unless it answered a close we had sent.
    Closed {
        code: Option<u16>,
        reason: String,
        by_client: bool,
    },
    /// We closed because the client broke the protocol, with this code.
    Failed(u16),
    /// The TCP connection ended without a close handshake.
    Dropped,
}

/// Whether a read may wait for the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Wait for bytes (up to the socket's read timeout).
    Blocking,
    /// Only use bytes that have already arrived.
    NonBlocking,
}

/// Reads messages, queues complete ones, answers pings and closes.
#[derive(Debug)]
pub(crate) struct Inbound {
    stream: Arc<Socket>,
    decoder: Decoder,
    limits: ReadLimits,
    queue: VecDeque<Message>,
    queued_bytes: usize,
    ended: Option<Ended>,
    /// The read timeout last set on the socket; `None` until the first set
    /// (the socket still has the request head's timeout then).
    timeout: Option<Option<Duration>>,
    live: Arc<Liveness>,
    pub messages_in: u64,
}

impl Inbound {
    /// The read side of `stream`, starting with `buffered`, the bytes read
    /// past the handshake.
    pub fn new(
        stream: Arc<Socket>,
        buffered: Vec<u8>,
        limits: ReadLimits,
        live: Arc<Liveness>,
        inflate: Option<Box<dyn Inflate>>,
    ) -> Self {
        let core = Limits {
            max_message: limits.max_message,
            max_frame: limits.max_frame,
        };
        Inbound {
            stream,
            decoder: Decoder::new(core, buffered, inflate),
            limits,
            queue: VecDeque::new(),
            queued_bytes: 0,
            ended: None,
            timeout: None,
            live,
            messages_in: 0,
        }
    }

    /// Why reading stopped, if it did.
    pub fn ended(&self) -> Option<&Ended> {
        self.ended.as_ref()
    }

    /// The connection ended before the WebSocket opened.
    pub fn set_dropped(&mut self) {
        self.ended = Some(Ended::Dropped);
    }

    /// Complete messages queued.
    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    /// Whether the queue is at its byte limit: further messages wait in the
    /// kernel until the view takes some.
    pub fn is_full(&self) -> bool {
        self.queued_bytes >= self.limits.queue_bytes
    }

    /// A message already queued or arrived, never waiting.
    pub fn next_now(&mut self, out: &Shared) -> Option<Message> {
        if let Some(message) = self.pop() {
            return Some(message);
        }
        while self.ended.is_none() {
            match self.read_message(Mode::NonBlocking, out) {
                Step::Message(message) => return Some(message),
                Step::Again => {}
                Step::Pending => break,
            }
        }
        None
    }

    /// The next message, waiting for one until `deadline` (for ever if
    /// `None`); `None` once reading has ended or the deadline passed.
    pub fn next_until(&mut self, deadline: Option<Instant>, out: &Shared) -> Option<Message> {
        if let Some(message) = self.pop() {
            return Some(message);
        }
        while self.ended.is_none() {
            let timeout = match deadline {
                None => None,
                Some(deadline) => match deadline.checked_duration_since(Instant::now()) {
                    Some(left) if !left.is_zero() => Some(left),
                    _ => return None,
                },
            };
            self.set_timeout(timeout);
            if let Step::Message(message) = self.read_message(Mode::Blocking, out) {
                return Some(message);
            }
        }
        None
    }

    /// Queues messages that have already arrived, without blocking, while
    /// the queue is under its byte limit; answers pings and closes on the way.
    pub fn poll(&mut self, out: &Shared) {
        while self.ended.is_none() && !self.is_full() {
            match self.read_message(Mode::NonBlocking, out) {
                Step::Message(message) => {
                    self.queued_bytes += message.len();
                    self.queue.push_back(message);
                }
                Step::Again => {}
                Step::Pending => break,
            }
        }
    }

    /// Discards messages until the client's close frame arrives or `deadline`
    /// passes (the end of the closing handshake we started).
    pub fn drain_until_closed(&mut self, out: &Shared, deadline: Instant) {
        while self.ended.is_none() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return;
            }
            self.set_timeout(Some(left));
            match self.decoder.next_event() {
                Ok(Some(Event::Close(close))) => self.on_close(close, out),
                Ok(Some(_)) => {}
                Ok(None) => match self.fill(Mode::Blocking) {
                    Ok(_) => {}
                    Err(e) if is_timeout(&e) => return,
                    Err(_) => self.ended = Some(Ended::Dropped),
                },
                Err(_) => self.ended = Some(Ended::Dropped),
            }
        }
    }

    fn pop(&mut self) -> Option<Message> {
        let message = self.queue.pop_front()?;
        self.queued_bytes -= message.len();
        Some(message)
    }

    fn set_timeout(&mut self, timeout: Option<Duration>) {
        if self.timeout != Some(timeout) {
            self.timeout = Some(timeout);
            let _ = self.stream.set_read_timeout(timeout);
        }
    }

    /// Reads until the core gives an event (or an error), or no more bytes
    /// come now (or before the read timeout).
    fn read_message(&mut self, mode: Mode, out: &Shared) -> Step {
        loop {
            match self.decoder.next_event() {
                Ok(Some(event)) => return self.on_event(event, out),
                Ok(None) => {}
                Err(close) => {
                    self.fail(out, close);
                    return Step::Pending;
                }
            }
            match self.fill(mode) {
                Ok(true) => {}
                Ok(false) => return Step::Pending,
                Err(e) if is_timeout(&e) => return Step::Pending,
                Err(_) => {
                    self.ended = Some(Ended::Dropped);
                    return Step::Pending;
                }
            }
        }
    }

    /// Reads what the socket has into the core; `Ok(false)` if nothing has
    /// arrived and `mode` is non-blocking. The end of the stream is an error.
    fn fill(&mut self, mode: Mode) -> io::Result<bool> {
        if mode == Mode::NonBlocking && !self.stream.ready()? {
            return Ok(false);
        }
        match (&*self.stream).read(self.decoder.space())? {
            0 => Err(io::ErrorKind::UnexpectedEof.into()),
            n => {
                self.decoder.filled(n);
                self.live.heard_now();
                Ok(true)
            }
        }
    }

    fn on_event(&mut self, event: Event, out: &Shared) -> Step {
        match event {
            Event::Message(message) => {
                self.messages_in += 1;
                return Step::Message(message);
            }
            Event::Ping(payload) => {
                if out.pong(&payload).is_err() {
                    self.ended = Some(Ended::Dropped);
                }
            }
            Event::Pong(_) => {}
            Event::Close(close) => self.on_close(close, out),
        }
        Step::Again
    }

    /// The client's close frame: answered with its code (unless we closed
    /// first); reading ends.
    fn on_close(&mut self, close: Option<ClientClose>, out: &Shared) {
        let by_client = out.close_sent().is_none();
        let (code, reason) = close.map_or((None, String::new()), |c| (Some(c.code), c.reason));
        let _ = out.close(code, "");
        self.ended = Some(Ended::Closed {
            code,
            reason,
            by_client,
        });
    }

    /// The client broke the protocol: close with what the core says.
    fn fail(&mut self, out: &Shared, close: CloseCode) {
        let code = close.code();
        log::info!("closing WebSocket with {code}: {}", close.reason());
        let _ = out.close_with(close);
        self.ended = Some(Ended::Failed(code));
    }
}

enum Step {
    Message(Message),
    Again,
    Pending,
}
