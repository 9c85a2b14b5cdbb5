//! Bytes into events: a client's bytes go in (in any pieces), frames are
//! cut, unmasked and checked, and events come out. It never touches a
//! socket; the reader fills [`Decoder::space`] from one.
//!
//! The buffer for heads and small payloads is 2 KiB; a large payload is
//! read straight into its message, so an idle WebSocket stays small.

use super::assembler::{Assembler, Event, Limits};
use super::close::CloseCode;
use super::extension::Inflate;
use super::frame::{unmask, FrameHead};

/// Bytes read at a time for heads and small payloads.
const CHUNK: usize = 2048;

/// A frame whose payload is arriving.
#[derive(Debug)]
struct Partial {
    head: FrameHead,
    /// The whole payload, zeroed once when the head arrives and filled in
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
        if let Some(mask) = self.head.mask {
            unmask(
                &mut self.payload[self.unmasked..self.filled],
                mask,
                self.unmasked,
            );
        }
        self.unmasked = self.filled;
    }
}

/// One client's incoming bytes, turned into events.
#[derive(Debug)]
pub(crate) struct Decoder {
    buf: Vec<u8>,
    /// `buf[pos..end]` holds bytes received and not yet cut into frames.
    pos: usize,
    end: usize,
    /// Whether the last [`space`](Self::space) was a payload's.
    into_payload: bool,
    partial: Option<Partial>,
    assembler: Assembler,
}

impl Decoder {
    /// A decoder that starts with `buffered`, the bytes that came after
    /// the request head; `inflate` is the negotiated compression, if any.
    pub fn new(limits: Limits, buffered: Vec<u8>, inflate: Option<Box<dyn Inflate>>) -> Self {
        Decoder {
            end: buffered.len(),
            buf: buffered,
            pos: 0,
            into_payload: false,
            partial: None,
            assembler: Assembler::new(limits, inflate),
        }
    }

    /// Where the next bytes from the client go: straight into a large
    /// payload still arriving, or the buffer. Say how many were put there
    /// with [`filled`](Self::filled).
    pub fn space(&mut self) -> &mut [u8] {
        if let Some(partial) = self.partial.as_mut() {
            if self.pos == self.end && partial.payload.len() - partial.filled >= CHUNK {
                self.into_payload = true;
                return &mut partial.payload[partial.filled..];
            }
        }
        self.into_payload = false;
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.end, 0);
            self.end -= self.pos;
            self.pos = 0;
        }
        if self.buf.len() < self.end + CHUNK {
            self.buf.resize(self.end + CHUNK, 0);
        }
        &mut self.buf[self.end..self.end + CHUNK]
    }

    /// `n` bytes were put into the last [`space`](Self::space).
    pub fn filled(&mut self, n: usize) {
        match self.partial.as_mut() {
            Some(partial) if self.into_payload => {
                partial.filled = (partial.filled + n).min(partial.payload.len());
            }
            _ => self.end = (self.end + n).min(self.buf.len()),
        }
    }

    /// Takes `bytes` from the client (tests; a reader uses `space`).
    #[cfg(test)]
    pub fn feed(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let space = self.space();
            let n = space.len().min(bytes.len());
            space[..n].copy_from_slice(&bytes[..n]);
            self.filled(n);
            bytes = &bytes[n..];
        }
    }

    /// The next event in the bytes received so far; `None` until more
    /// arrive. An `Err` is the close the client's bytes call for; the
    /// decoder takes nothing more after one.
    pub fn next_event(&mut self) -> Result<Option<Event>, CloseCode> {
        loop {
            if self.partial.is_none() && !self.start_frame()? {
                return Ok(None);
            }
            let Some(partial) = self.partial.as_mut() else {
                continue;
            };
            let available = &self.buf[self.pos..self.end];
            let take = available.len().min(partial.payload.len() - partial.filled);
            partial.payload[partial.filled..partial.filled + take]
                .copy_from_slice(&available[..take]);
            partial.filled += take;
            self.pos += take;
            partial.unmask_new();
            if partial.filled < partial.payload.len() {
                let arrived = &partial.payload[..partial.filled];
                self.assembler.inspect(&partial.head, arrived)?;
                return Ok(None);
            }
            if let Some(Partial { head, payload, .. }) = self.partial.take() {
                if let Some(event) = self.assembler.frame(&head, payload)? {
                    return Ok(Some(event));
                }
            }
        }
    }

    /// Cuts the next frame's head from the buffer if it is complete and
    /// checks it; whether a frame started.
    fn start_frame(&mut self) -> Result<bool, CloseCode> {
        let Some((head, used)) = FrameHead::parse(&self.buf[self.pos..self.end]) else {
            return Ok(false);
        };
        self.assembler.check_head(&head)?;
        self.pos += used;
        let len = usize::try_from(head.len).map_err(|_| CloseCode::TooBig("frame too large"))?;
        self.partial = Some(Partial {
            head,
            payload: vec![0; len],
            filled: 0,
            unmasked: 0,
        });
        Ok(true)
    }
}
