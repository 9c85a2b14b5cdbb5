//! The read side of a WebSocket: frames into messages, with every protocol
//! check of RFC 6455 and the close codes they lead to.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tungstenite::protocol::frame::coding::{Control, Data, OpCode};
use tungstenite::protocol::frame::FrameHeader;

use super::frames::{FrameError, FrameLimit, FrameReader, Mode, RawFrame};
use super::keepalive::Liveness;
use super::message::Message;
use super::validate::{check_utf8, parse_close, utf8_valid_prefix};
use super::writer::Shared;
use crate::net::socket::is_timeout;

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

/// A fragmented message being reassembled.
#[derive(Debug)]
struct Fragments {
    text: bool,
    data: Vec<u8>,
    /// Bytes of `data` known to be valid UTF-8 so far.
    valid: usize,
}

/// Reads messages, queues complete ones, answers pings and closes.
#[derive(Debug)]
pub(crate) struct Inbound {
    frames: FrameReader,
    limits: ReadLimits,
    fragments: Option<Fragments>,
    /// Bytes of the frame still arriving known to be valid UTF-8.
    frame_valid: usize,
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
    pub fn new(frames: FrameReader, limits: ReadLimits, live: Arc<Liveness>) -> Self {
        Inbound {
            frames,
            limits,
            fragments: None,
            frame_valid: 0,
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
        while self.ended.is_none() && self.queued_bytes < self.limits.queue_bytes {
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
            match self
                .frames
                .read_frame(self.frame_limit(), Mode::Blocking, &mut |_, _| Ok(()))
            {
                Ok(Some(frame)) if is_close(&frame) => drop(self.on_frame(frame, out)),
                Ok(_) => {}
                Err(FrameError::Io(e)) if is_timeout(&e) => return,
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
            let _ = self.frames.stream().set_read_timeout(timeout);
        }
    }

    /// A frame may not announce more than `max_frame`, and a continuation
    /// not more than the message being reassembled has room for: refused
    /// with 1009 from its header, before its payload is buffered.
    fn frame_limit(&self) -> FrameLimit {
        let buffered = self.fragments.as_ref().map_or(0, |f| f.data.len());
        FrameLimit {
            frame: self.limits.max_frame,
            continuation: self.limits.max_message.saturating_sub(buffered),
        }
    }

    fn read_message(&mut self, mode: Mode, out: &Shared) -> Step {
        let limit = self.frame_limit();
        let fragments = self.fragments.as_ref();
        let valid = &mut self.frame_valid;
        let read = self.frames.read_frame(limit, mode, &mut |header, payload| {
            check_partial_text(fragments, header, payload, valid)
        });
        match read {
            Ok(Some(frame)) => {
                self.frame_valid = 0;
                self.live.heard_now();
                match self.on_frame(frame, out) {
                    Ok(Some(message)) => {
                        self.messages_in += 1;
                        Step::Message(message)
                    }
                    Ok(None) => Step::Again,
                    Err(fail) => {
                        self.fail(out, fail.0, fail.1);
                        Step::Pending
                    }
                }
            }
            Ok(None) => Step::Pending,
            Err(FrameError::Io(e)) if is_timeout(&e) => Step::Pending,
            Err(FrameError::Io(_) | FrameError::Eof) => {
                self.ended = Some(Ended::Dropped);
                Step::Pending
            }
            Err(FrameError::Protocol(why)) => {
                self.fail(out, 1002, why);
                Step::Pending
            }
            Err(FrameError::TooBig) => {
                self.fail(out, 1009, "frame too large");
                Step::Pending
            }
            Err(FrameError::Invalid(code, why)) => {
                self.fail(out, code, why);
                Step::Pending
            }
        }
    }

    fn fail(&mut self, out: &Shared, code: u16, why: &str) {
        log::info!("closing WebSocket with {code}: {why}");
        let _ = out.close(Some(code), why);
        self.ended = Some(Ended::Failed(code));
    }

    fn on_frame(
        &mut self,
        frame: RawFrame,
        out: &Shared,
    ) -> Result<Option<Message>, (u16, &'static str)> {
        let h = &frame.header;
        if h.rsv1 || h.rsv2 || h.rsv3 {
            return Err((1002, "reserved bits set without an extension"));
        }
        match h.opcode {
            OpCode::Control(control) => self.on_control(control, frame, out).map(|()| None),
            OpCode::Data(data) => self.on_data(data, frame),
        }
    }

    fn on_control(
        &mut self,
        control: Control,
        frame: RawFrame,
        out: &Shared,
    ) -> Result<(), (u16, &'static str)> {
        if !frame.header.is_final || frame.payload.len() > 125 {
            return Err((1002, "control frames must be final and at most 125 bytes"));
        }
        match control {
            Control::Ping => {
                if out.pong(&frame.payload).is_err() {
                    self.ended = Some(Ended::Dropped);
                }
                Ok(())
            }
            Control::Pong => Ok(()),
            Control::Close => {
                let code = parse_close(&frame.payload)?;
                let reason = frame.payload.get(2..).unwrap_or_default();
                let by_client = out.close_sent().is_none();
                let _ = out.close(code, "");
                self.ended = Some(Ended::Closed {
                    code,
                    reason: String::from_utf8_lossy(reason).into_owned(),
                    by_client,
                });
                Ok(())
            }
            Control::Reserved(_) => Err((1002, "reserved control opcode")),
        }
    }

    fn on_data(
        &mut self,
        data: Data,
        frame: RawFrame,
    ) -> Result<Option<Message>, (u16, &'static str)> {
        let fragments = match (data, self.fragments.take()) {
            (Data::Continue, Some(fragments)) => fragments,
            (Data::Continue, None) => return Err((1002, "continuation frame without a message")),
            (Data::Text | Data::Binary, Some(_)) => {
                return Err((1002, "new message inside a fragmented one"))
            }
            (Data::Text, None) => Fragments {
                text: true,
                data: Vec::new(),
                valid: 0,
            },
            (Data::Binary, None) => Fragments {
                text: false,
                data: Vec::new(),
                valid: 0,
            },
            (Data::Reserved(_), _) => return Err((1002, "reserved data opcode")),
        };
        let mut fragments = fragments;
        if fragments.data.len() + frame.payload.len() > self.limits.max_message {
            return Err((1009, "message too large"));
        }
        if fragments.data.is_empty() {
            fragments.data = frame.payload;
        } else {
            fragments.data.extend_from_slice(&frame.payload);
        }
        if fragments.text && !(frame.header.is_final && fragments.valid == 0) {
            // Fail fast inside fragmented messages; a whole message is checked
            // once, below.
            fragments.valid = check_utf8(&fragments.data, fragments.valid, frame.header.is_final)?;
        }
        if !frame.header.is_final {
            self.fragments = Some(fragments);
            return Ok(None);
        }
        Ok(Some(if fragments.text {
            Message::Text(
                String::from_utf8(fragments.data)
                    .map_err(|_| (1007, "invalid UTF-8 in text message"))?,
            )
        } else {
            Message::Binary(fragments.data)
        }))
    }
}

enum Step {
    Message(Message),
    Again,
    Pending,
}

fn is_close(frame: &RawFrame) -> bool {
    frame.header.opcode == OpCode::Control(Control::Close)
}

/// Fails fast on invalid UTF-8 in a text frame that is still arriving, as
/// RFC 6455 §8.1 asks; `valid` is how much of `payload` is known valid.
fn check_partial_text(
    fragments: Option<&Fragments>,
    header: &FrameHeader,
    payload: &[u8],
    valid: &mut usize,
) -> Result<(), FrameError> {
    let tail: &[u8] = match (header.opcode, fragments) {
        (OpCode::Data(Data::Text), None) => &[],
        (OpCode::Data(Data::Continue), Some(f)) if f.text => &f.data[f.valid..],
        _ => return Ok(()),
    };
    *valid = utf8_valid_prefix(tail, payload, *valid)
        .ok_or(FrameError::Invalid(1007, "invalid UTF-8 in text message"))?;
    Ok(())
}
