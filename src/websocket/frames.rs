//! Reading WebSocket frames from the socket: tungstenite's frame header
//! parser over a small buffer of our own.
//!
//! tungstenite's `FrameSocket` allocates and zero-fills a fixed 128 KiB read
//! buffer per connection; this reader keeps a 2 KiB one and reads large
//! payloads straight into the message, so an idle WebSocket stays small.

use std::io::{self, Cursor, Read};
use std::sync::Arc;

use crate::net::socket::Socket;
use tungstenite::protocol::frame::coding::{Data, OpCode};
use tungstenite::protocol::frame::FrameHeader;

/// Bytes read from the socket at a time for headers and small payloads.
const CHUNK: usize = 2048;

/// A frame with its payload unmasked.
#[derive(Debug)]
pub(crate) struct RawFrame {
    pub header: FrameHeader,
    pub payload: Vec<u8>,
}

/// Why no frame could be read.
#[derive(Debug)]
pub(crate) enum FrameError {
    /// The socket failed or timed out (partial frames are kept).
    Io(io::Error),
    /// The client closed the TCP connection.
    Eof,
    /// The frame breaks the protocol (close with 1002).
    Protocol(&'static str),
    /// The frame is larger than the limit (close with 1009).
    TooBig,
    /// The part of a frame read so far is already invalid (the inspector of
    /// [`FrameReader::read_frame`] said so): close with this code.
    Invalid(u16, &'static str),
}

/// The largest payload a frame may announce; more is [`FrameError::TooBig`]
/// as soon as its header arrives, before any payload is buffered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FrameLimit {
    /// For any frame.
    pub frame: usize,
    /// For a continuation frame: what the message being reassembled still
    /// has room for, so a message never holds more than its limit.
    pub continuation: usize,
}

impl FrameLimit {
    /// The limit for a frame with `header`.
    fn of(&self, header: &FrameHeader) -> usize {
        match header.opcode {
            OpCode::Data(Data::Continue) => self.frame.min(self.continuation),
            _ => self.frame,
        }
    }
}

/// Looks at a frame's payload while it is still arriving (unmasked, a
/// prefix of the whole), to fail fast on what can never become valid.
pub(crate) type Inspect<'a> = &'a mut dyn FnMut(&FrameHeader, &[u8]) -> Result<(), FrameError>;

/// Whether a read may wait for the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Wait for bytes (up to the socket's read timeout).
    Blocking,
    /// Only use bytes that have already arrived.
    NonBlocking,
}

#[derive(Debug)]
struct Partial {
    header: FrameHeader,
    /// The whole payload, zeroed once when the header arrives and filled in
    /// place as bytes come (large payloads are read straight into it).
    payload: Vec<u8>,
    /// Bytes of `payload` received so far.
    filled: usize,
    /// Bytes of `payload` unmasked so far.
    unmasked: usize,
}

impl Partial {
    /// Unmasks the bytes that arrived since the last call.
    fn unmask_new(&mut self) {
        if let Some(mask) = self.header.mask {
            let offset = self.unmasked % 4;
            let rotated = [0, 1, 2, 3].map(|i| mask[(offset + i) % 4]);
            unmask(&mut self.payload[self.unmasked..self.filled], rotated);
        }
        self.unmasked = self.filled;
    }
}

/// Reads frames from a client; survives timeouts and `WouldBlock` mid-frame.
#[derive(Debug)]
pub(crate) struct FrameReader {
    stream: Arc<Socket>,
    buf: Vec<u8>,
    pos: usize,
    partial: Option<Partial>,
}

impl FrameReader {
    /// A reader that first consumes `buffered`, the bytes read past the
    /// handshake.
    pub fn new(stream: Arc<Socket>, buffered: Vec<u8>) -> Self {
        FrameReader {
            stream,
            buf: buffered,
            pos: 0,
            partial: None,
        }
    }

    /// The socket.
    pub fn stream(&self) -> &Socket {
        &self.stream
    }

    /// Reads the next frame within `max`; `Ok(None)` when
    /// `mode` is non-blocking and no complete frame has arrived. `inspect`
    /// sees the payload of a frame that is still incomplete after each read.
    pub fn read_frame(
        &mut self,
        max: FrameLimit,
        mode: Mode,
        inspect: Inspect<'_>,
    ) -> Result<Option<RawFrame>, FrameError> {
        loop {
            if self.partial.is_none() && !self.parse_header(max)? && !self.fill(mode)? {
                return Ok(None);
            }
            let Some(partial) = self.partial.as_mut() else {
                continue;
            };
            let available = &self.buf[self.pos..];
            let take = available.len().min(partial.payload.len() - partial.filled);
            partial.payload[partial.filled..partial.filled + take]
                .copy_from_slice(&available[..take]);
            partial.filled += take;
            self.pos += take;
            partial.unmask_new();
            if partial.filled == partial.payload.len() {
                return Ok(self.partial.take().map(finish));
            }
            inspect(&partial.header, &partial.payload[..partial.filled])?;
            if !self.read_payload(mode)? {
                return Ok(None);
            }
        }
    }

    /// Parses a header from the buffer if one is complete.
    fn parse_header(&mut self, max: FrameLimit) -> Result<bool, FrameError> {
        let mut cursor = Cursor::new(&self.buf[self.pos..]);
        let parsed = FrameHeader::parse(&mut cursor)
            .map_err(|_| FrameError::Protocol("invalid frame header"))?;
        let Some((header, len)) = parsed else {
            return Ok(false);
        };
        self.pos += cursor.position() as usize;
        if header.mask.is_none() {
            return Err(FrameError::Protocol("unmasked frame from client"));
        }
        if len > max.of(&header) as u64 {
            return Err(FrameError::TooBig);
        }
        let len = len as usize;
        self.partial = Some(Partial {
            header,
            payload: vec![0; len],
            filled: 0,
            unmasked: 0,
        });
        Ok(true)
    }

    /// Reads more of a large payload straight into it, or refills the buffer.
    fn read_payload(&mut self, mode: Mode) -> Result<bool, FrameError> {
        let Some(partial) = self.partial.as_mut() else {
            return Ok(true);
        };
        let missing = partial.payload.len() - partial.filled;
        if missing < CHUNK {
            return self.fill(mode);
        }
        if mode == Mode::NonBlocking && !ready(&self.stream)? {
            return Ok(false);
        }
        match (&*self.stream).read(&mut partial.payload[partial.filled..]) {
            Ok(0) => Err(FrameError::Eof),
            Ok(n) => {
                partial.filled += n;
                Ok(true)
            }
            Err(e) => Err(FrameError::Io(e)),
        }
    }

    /// Reads more bytes into the buffer; `Ok(false)` if none have arrived
    /// and `mode` is non-blocking.
    fn fill(&mut self, mode: Mode) -> Result<bool, FrameError> {
        if mode == Mode::NonBlocking && !ready(&self.stream)? {
            return Ok(false);
        }
        self.buf.drain(..self.pos);
        self.pos = 0;
        let len = self.buf.len();
        self.buf.resize(len + CHUNK, 0);
        let result = (&*self.stream).read(&mut self.buf[len..]);
        self.buf.truncate(len + *result.as_ref().unwrap_or(&0));
        match result {
            Ok(0) => Err(FrameError::Eof),
            Ok(_) => Ok(true),
            Err(e) => Err(FrameError::Io(e)),
        }
    }
}

fn finish(mut partial: Partial) -> RawFrame {
    partial.unmask_new();
    partial.header.mask = None;
    RawFrame {
        header: partial.header,
        payload: partial.payload,
    }
}

/// XORs the payload with the client's mask, four bytes at a time.
fn unmask(payload: &mut [u8], mask: [u8; 4]) {
    let word = u32::from_ne_bytes(mask);
    let mut chunks = payload.chunks_exact_mut(4);
    for chunk in &mut chunks {
        let value = u32::from_ne_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]) ^ word;
        chunk.copy_from_slice(&value.to_ne_bytes());
    }
    for (byte, m) in chunks.into_remainder().iter_mut().zip(mask) {
        *byte ^= m;
    }
}

fn ready(stream: &Socket) -> Result<bool, FrameError> {
    stream.ready().map_err(FrameError::Io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuations_are_limited_by_the_room_left_in_the_message() {
        use tungstenite::protocol::frame::coding::Control;
        let limit = FrameLimit {
            frame: 100,
            continuation: 10,
        };
        let header = |opcode| FrameHeader {
            opcode,
            ..FrameHeader::default()
        };
        assert_eq!(limit.of(&header(OpCode::Data(Data::Continue))), 10);
        assert_eq!(limit.of(&header(OpCode::Data(Data::Text))), 100);
        assert_eq!(limit.of(&header(OpCode::Control(Control::Ping))), 100);
        let roomy = FrameLimit {
            frame: 100,
            continuation: 1000,
        };
        assert_eq!(roomy.of(&header(OpCode::Data(Data::Continue))), 100);
    }

    #[test]
    fn unmask_matches_bytewise_xor() {
        let mask = [1, 2, 3, 4];
        for len in 0..11 {
            let original: Vec<u8> = (0..len as u8).collect();
            let mut fast = original.clone();
            unmask(&mut fast, mask);
            let slow: Vec<u8> = original
                .iter()
                .enumerate()
                .map(|(i, b)| b ^ mask[i % 4])
                .collect();
            assert_eq!(fast, slow);
        }
    }

    #[test]
    fn unmasking_in_pieces_matches_unmasking_at_once() {
        let mask = [9, 8, 7, 6];
        let original: Vec<u8> = (0..23).collect();
        let mut whole = original.clone();
        unmask(&mut whole, mask);
        for split in [1, 2, 3, 5, 6, 7, 22] {
            let mut partial = Partial {
                header: FrameHeader {
                    mask: Some(mask),
                    ..FrameHeader::default()
                },
                payload: original.clone(),
                filled: split,
                unmasked: 0,
            };
            partial.unmask_new();
            partial.filled = original.len();
            partial.unmask_new();
            assert_eq!(partial.payload, whole, "split at {split}");
        }
    }
}
