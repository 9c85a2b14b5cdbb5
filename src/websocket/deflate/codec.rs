//! Compressing and inflating message payloads (RFC 7692 §7.2): one
//! connection's deflate side and inflate side, without I/O.
//!
//! State is made on first use and sized by the agreed window; a side
//! without context takeover borrows pooled state for one message only.

use flate2::{Compress, Decompress, FlushCompress, FlushDecompress, Status};

use super::negotiate::Agreement;
use super::pool;
use crate::websocket::proto::{CloseCode, Deflate, Inflate};

/// The empty stored block a sync flush ends with: removed from what we send,
/// appended to what we inflate (RFC 7692 §7.2.1, §7.2.2).
const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// Inflated bytes are made room for this much at a time, so a small frame
/// that inflates to far more than the message limit fails at the limit.
const CHUNK: usize = 16 * 1024;

/// Compresses the messages one connection sends.
#[derive(Debug)]
pub(crate) struct Deflater {
    bits: u8,
    level: u32,
    min_size: usize,
    takeover: bool,
    /// The compressor kept across messages (context takeover only).
    kept: Option<Box<Compress>>,
}

impl Deflater {
    pub fn new(agreement: &Agreement) -> Self {
        Deflater {
            bits: agreement.server_max_window_bits,
            level: agreement.level,
            min_size: agreement.min_size,
            takeover: !agreement.server_no_context_takeover,
            kept: None,
        }
    }

    /// The payload of the compressed message (sent with RSV1) that carries
    /// `payload`. Without context takeover, a message shorter than
    /// `min_size`, or one that deflate would not shrink, goes as stored
    /// deflate blocks (its bytes as they are, plus 6): no compression work,
    /// and every client reads it. So does everything when the client asked
    /// for a window too small for zlib (8 bits).
    pub fn compress(&mut self, payload: &[u8]) -> Vec<u8> {
        if self.bits < 9 {
            return stored(payload);
        }
        if self.takeover {
            let compressor = self
                .kept
                .get_or_insert_with(|| pool::new_compressor(self.bits, self.level));
            return deflate(compressor, payload);
        }
        if payload.len() < self.min_size {
            return stored(payload);
        }
        let mut compressor = pool::take_compressor(self.bits, self.level);
        let compressed = deflate(&mut compressor, payload);
        pool::give_compressor(self.bits, self.level, compressor);
        if compressed.len() > payload.len() + STORED_OVERHEAD {
            return stored(payload);
        }
        compressed
    }
}

/// What [`stored`] adds to a payload of up to 64 KiB.
const STORED_OVERHEAD: usize = 6;

/// `payload` as stored (uncompressed) deflate blocks of at most 64 KiB
/// each, ending as a sync flush does, without the tail (RFC 7692 §7.2.3.3).
fn stored(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + payload.len() / 0xffff * 5 + STORED_OVERHEAD);
    for block in payload.chunks(0xffff) {
        let len = block.len() as u16;
        out.push(0x00); // BFINAL 0, BTYPE 00, padding to the byte
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    // The empty stored block of the sync flush; its LEN and NLEN are the tail.
    out.push(0x00);
    out
}

/// Deflates `payload` with a sync flush and without the tail.
fn deflate(compressor: &mut Compress, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() / 2 + 64);
    let start = compressor.total_in();
    loop {
        let consumed = (compressor.total_in() - start) as usize;
        if out.capacity() - out.len() < 64 {
            out.reserve(out.capacity());
        }
        // Raw deflate into a growing buffer cannot fail: a sync flush with
        // room to write always makes progress.
        let _ = compressor.compress_vec(&payload[consumed..], &mut out, FlushCompress::Sync);
        let consumed = (compressor.total_in() - start) as usize;
        if consumed == payload.len() && out.len() < out.capacity() {
            break;
        }
    }
    if out.ends_with(&TAIL) {
        out.truncate(out.len() - TAIL.len());
    }
    out
}

/// Inflates the compressed messages one connection receives.
#[derive(Debug)]
pub(crate) struct Inflater {
    bits: u8,
    takeover: bool,
    /// The message's decompressor: kept across messages with context
    /// takeover, borrowed from the pool for one message otherwise.
    state: Option<Box<Decompress>>,
}

impl Inflater {
    pub fn new(agreement: &Agreement) -> Self {
        Inflater {
            bits: agreement.client_max_window_bits,
            takeover: !agreement.client_no_context_takeover,
            state: None,
        }
    }

    /// Inflates one frame of a compressed message onto `out`, which may hold
    /// at most `limit` bytes (1009 beyond it, found while inflating); the
    /// message's last frame (`is_final`) gets the tail appended. Corrupt
    /// data is 1007.
    pub fn inflate_frame(
        &mut self,
        input: &[u8],
        is_final: bool,
        out: &mut Vec<u8>,
        limit: usize,
    ) -> Result<(), CloseCode> {
        let bits = self.bits;
        let takeover = self.takeover;
        let state = self.state.get_or_insert_with(|| match takeover {
            true => pool::new_decompressor(bits),
            false => pool::take_decompressor(bits),
        });
        let mut ended = inflate(state, input, out, limit)?;
        if is_final && !ended {
            ended = inflate(state, &TAIL, out, limit)?;
        }
        if ended {
            // The client ended its deflate stream (BFINAL): start anew.
            state.reset(false);
        }
        if is_final && !takeover {
            if let Some(state) = self.state.take() {
                pool::give_decompressor(bits, state);
            }
        }
        Ok(())
    }
}

/// Inflates all of `input` onto `out` in bounded steps; whether the deflate
/// stream ended.
fn inflate(
    state: &mut Decompress,
    mut input: &[u8],
    out: &mut Vec<u8>,
    limit: usize,
) -> Result<bool, CloseCode> {
    loop {
        if out.len() == out.capacity() {
            // One byte past the limit is room enough to see it is exceeded.
            out.reserve_exact((limit + 1 - out.len().min(limit)).min(CHUNK));
        }
        let before = state.total_in();
        let status = state
            .decompress_vec(input, out, FlushDecompress::None)
            .map_err(|_| CloseCode::InvalidData("invalid compressed data"))?;
        input = &input[(state.total_in() - before) as usize..];
        if out.len() > limit {
            return Err(CloseCode::TooBig("message too large"));
        }
        match status {
            Status::StreamEnd => return Ok(true),
            _ if input.is_empty() && out.len() < out.capacity() => return Ok(false),
            Status::BufError if out.len() < out.capacity() => {
                return Err(CloseCode::InvalidData("invalid compressed data"))
            }
            _ => {}
        }
    }
}

impl Inflate for Inflater {
    fn inflate(
        &mut self,
        payload: &[u8],
        fin: bool,
        out: &mut Vec<u8>,
        limit: usize,
    ) -> Result<(), CloseCode> {
        self.inflate_frame(payload, fin, out, limit)
    }
}

impl Deflate for Deflater {
    /// Every message goes compressed once agreed, small and incompressible
    /// ones as stored blocks (see [`Deflater::compress`]): some clients
    /// (kosoku's Autobahn runner among them) mishandle uncompressed
    /// messages on a compressed connection.
    fn deflate(&mut self, payload: &[u8]) -> Option<Vec<u8>> {
        Some(self.compress(payload))
    }
}

#[cfg(test)]
#[path = "codec_tests.rs"]
mod tests;
