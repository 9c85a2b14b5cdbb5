//! Frames into events: the rules of RFC 6455 for what a client may send
//! (masking, reserved bits and opcodes, control frames, fragments, UTF-8,
//! close frames, the size limits), each failure a [`CloseCode`].

use super::close::{parse_close, ClientClose, CloseCode};
use super::extension::Inflate;
use super::frame::{FrameHead, OpCode};
use super::utf8::{check_utf8, utf8_valid_prefix};
use crate::websocket::message::Message;

/// The largest frame and message a client may send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    /// Bytes of one message, all its fragments together.
    pub max_message: usize,
    /// Bytes of one frame's payload.
    pub max_frame: usize,
}

/// What a client sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Event {
    /// A complete message.
    Message(Message),
    /// A ping, with its payload (to echo in the pong).
    Ping(Vec<u8>),
    /// A pong.
    Pong(Vec<u8>),
    /// A close frame, with its code and reason if it had any.
    Close(Option<ClientClose>),
}

/// A fragmented message being reassembled.
#[derive(Debug)]
struct Fragments {
    text: bool,
    /// The message came compressed (RSV1 on its first frame): `data` holds
    /// it inflated.
    compressed: bool,
    data: Vec<u8>,
    /// Bytes of `data` known to be valid UTF-8 so far.
    valid: usize,
}

/// Checks each frame of one client and reassembles its messages.
#[derive(Debug)]
pub(crate) struct Assembler {
    limits: Limits,
    /// The negotiated extension that gives RSV1 a meaning on a message's
    /// first frame (permessage-deflate); without one, RSV1 is a protocol
    /// error like RSV2 and RSV3.
    inflate: Option<Box<dyn Inflate>>,
    fragments: Option<Fragments>,
    /// Bytes of the text frame still arriving known to be valid UTF-8.
    frame_valid: usize,
}

const INVALID_UTF8: CloseCode = CloseCode::InvalidData("invalid UTF-8 in text message");

impl Assembler {
    pub fn new(limits: Limits, inflate: Option<Box<dyn Inflate>>) -> Self {
        Assembler {
            limits,
            inflate,
            fragments: None,
            frame_valid: 0,
        }
    }

    /// Bytes of a fragmented message buffered so far.
    pub fn buffered(&self) -> usize {
        self.fragments.as_ref().map_or(0, |f| f.data.len())
    }

    /// Checks a frame's head as soon as it arrives, before its payload is
    /// buffered: a frame over a limit, or a message whose buffered bytes and
    /// this frame's declared length are over it, is refused at once.
    pub fn check_head(&self, head: &FrameHead) -> Result<(), CloseCode> {
        if head.mask.is_none() {
            return Err(CloseCode::Protocol("unmasked frame from client"));
        }
        if head.len > self.limits.max_frame as u64 {
            return Err(CloseCode::TooBig("frame too large"));
        }
        let message = self.buffered() as u64 + head.len;
        if !head.opcode.is_control() && message > self.limits.max_message as u64 {
            return Err(CloseCode::TooBig("message too large"));
        }
        self.check_flags(head)?;
        self.check_sequence(head)
    }

    fn check_flags(&self, head: &FrameHead) -> Result<(), CloseCode> {
        let [rsv1, rsv2, rsv3] = head.rsv;
        let first_data = matches!(head.opcode, OpCode::Text | OpCode::Binary);
        if rsv2 || rsv3 || (rsv1 && !(self.inflate.is_some() && first_data)) {
            return Err(CloseCode::Protocol(
                "reserved bits set without an extension",
            ));
        }
        Ok(())
    }

    fn check_sequence(&self, head: &FrameHead) -> Result<(), CloseCode> {
        let fragmented = self.fragments.is_some();
        match head.opcode {
            op if op.is_control() && (!head.fin || head.len > 125) => Err(CloseCode::Protocol(
                "control frames must be final and at most 125 bytes",
            )),
            OpCode::Reserved(bits) if bits >= 8 => {
                Err(CloseCode::Protocol("reserved control opcode"))
            }
            OpCode::Reserved(_) => Err(CloseCode::Protocol("reserved data opcode")),
            OpCode::Continue if !fragmented => {
                Err(CloseCode::Protocol("continuation frame without a message"))
            }
            OpCode::Text | OpCode::Binary if fragmented => {
                Err(CloseCode::Protocol("new message inside a fragmented one"))
            }
            _ => Ok(()),
        }
    }

    /// Looks at the unmasked part of a frame that is still arriving (a
    /// checked head's), failing fast on text that can never become valid.
    pub fn inspect(&mut self, head: &FrameHead, payload: &[u8]) -> Result<(), CloseCode> {
        let tail: &[u8] = match (head.opcode, &self.fragments) {
            // Compressed bytes are checked once inflated.
            (OpCode::Text, None) if !head.rsv[0] => &[],
            (OpCode::Continue, Some(f)) if f.text && !f.compressed => &f.data[f.valid..],
            _ => return Ok(()),
        };
        self.frame_valid =
            utf8_valid_prefix(tail, payload, self.frame_valid).ok_or(INVALID_UTF8)?;
        Ok(())
    }

    /// Takes a whole frame (whose head was checked) with its unmasked
    /// payload: an event, or `None` for a fragment of a message.
    pub fn frame(
        &mut self,
        head: &FrameHead,
        payload: Vec<u8>,
    ) -> Result<Option<Event>, CloseCode> {
        self.frame_valid = 0;
        match head.opcode {
            OpCode::Ping => Ok(Some(Event::Ping(payload))),
            OpCode::Pong => Ok(Some(Event::Pong(payload))),
            OpCode::Close => Ok(Some(Event::Close(parse_close(&payload)?))),
            OpCode::Text | OpCode::Binary | OpCode::Continue => self.data(head, payload),
            OpCode::Reserved(_) => Err(CloseCode::Protocol("reserved opcode")),
        }
    }

    fn data(&mut self, head: &FrameHead, payload: Vec<u8>) -> Result<Option<Event>, CloseCode> {
        let mut fragments = self.fragments.take().unwrap_or(Fragments {
            text: head.opcode == OpCode::Text,
            compressed: head.rsv[0],
            data: Vec::new(),
            valid: 0,
        });
        self.append(&mut fragments, head.fin, payload)?;
        if fragments.text && !(head.fin && fragments.valid == 0) {
            // Fail fast inside fragmented messages; a whole message is
            // checked once, below.
            fragments.valid =
                check_utf8(&fragments.data, fragments.valid, head.fin).ok_or(INVALID_UTF8)?;
        }
        if !head.fin {
            self.fragments = Some(fragments);
            return Ok(None);
        }
        let message = if fragments.text {
            Message::Text(String::from_utf8(fragments.data).map_err(|_| INVALID_UTF8)?)
        } else {
            Message::Binary(fragments.data)
        };
        Ok(Some(Event::Message(message)))
    }

    /// Adds a frame's payload to its message (inflated if it came
    /// compressed), within the message limit.
    fn append(&mut self, to: &mut Fragments, fin: bool, payload: Vec<u8>) -> Result<(), CloseCode> {
        let limit = self.limits.max_message;
        if to.compressed {
            if let Some(inflate) = self.inflate.as_mut() {
                return inflate.inflate(&payload, fin, &mut to.data, limit);
            }
        }
        if to.data.len() + payload.len() > limit {
            return Err(CloseCode::TooBig("message too large"));
        }
        if to.data.is_empty() {
            to.data = payload;
        } else {
            to.data.extend_from_slice(&payload);
        }
        Ok(())
    }
}
