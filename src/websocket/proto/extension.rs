//! Where an extension that compresses messages (permessage-deflate, RFC
//! 7692) plugs into the core, once: the [`Decoder`](super::Decoder)
//! inflates messages whose first frame has RSV1 set, and
//! [`encode`](super::encode) deflates messages and sets RSV1. Without an
//! extension, RSV1 from a client is a protocol error (1002).

use std::fmt;

use super::close::CloseCode;

/// Decompresses the messages a client sent compressed.
pub(crate) trait Inflate: fmt::Debug + Send {
    /// Inflates one frame's payload of a compressed message onto `out`;
    /// `fin` marks the message's last frame. `out` may hold at most `limit`
    /// bytes in all: past that, [`CloseCode::TooBig`], found while
    /// inflating (bounded chunks, never the whole expansion at once).
    fn inflate(
        &mut self,
        payload: &[u8],
        fin: bool,
        out: &mut Vec<u8>,
        limit: usize,
    ) -> Result<(), CloseCode>;
}

/// Compresses the messages the server sends.
pub(crate) trait Deflate: fmt::Debug + Send {
    /// The compressed payload of a whole message, or `None` to send this
    /// one uncompressed (too small to gain, say).
    fn deflate(&mut self, payload: &[u8]) -> Option<Vec<u8>>;
}
