//! The server's permessage-deflate settings, part of
//! [`ServerConfig`](crate::ServerConfig).

use crate::error::{Error, Result};
use crate::settings::settings;

settings! {
    /// permessage-deflate (RFC 7692) settings: how this server compresses
    /// WebSocket messages with clients that offer it (every browser does).
    ///
    /// Turn it on with
    /// [`ServerConfig::permessage_deflate`](crate::ServerConfig::permessage_deflate())
    /// (`runserver --permessage-deflate`). Compression state is allocated only
    /// when a connection first compresses or inflates a message, and is sized by
    /// the negotiated windows. Without context takeover on a side (the default
    /// for both), that side's state is borrowed from a small shared pool for the
    /// length of one message, so a connection holds none between messages.
    ///
    /// ```
    /// use wsviews::{PerMessageDeflate, ServerConfig};
    ///
    /// let deflate = PerMessageDeflate::default().level(1).client_max_window_bits(12);
    /// let config = ServerConfig::default().permessage_deflate(Some(deflate));
    /// assert_eq!(config.permessage_deflate.unwrap().level, 1);
    /// ```
    ///
    /// Each setting is a public field to read, set by the method of the same
    /// name; the `get_*` methods of earlier versions are deprecated.
    #[non_exhaustive]
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct PerMessageDeflate {
        /// The zlib compression level of messages we send, 0 (stored) to 9
        /// (smallest, slowest). Defaults to 1: on 1 KiB JSON messages, each
        /// compressed alone, it shrinks them 2.6x in about 10 µs where 6
        /// gets 3.2x in about 24 µs (zlib-rs, one core).
        level: u32 = 1, get_level;
        /// The largest LZ77 window (log2 of its bytes, 9 to 15) we compress
        /// with; a client's smaller `server_max_window_bits` lowers it
        /// further. Defaults to 15 (32 KiB). A client asking for 8 gets our
        /// messages as stored deflate blocks (zlib cannot deflate with a
        /// 256-byte window).
        server_max_window_bits: u8 = 15, get_server_max_window_bits;
        /// The largest window (8 to 15) we let a client compress with, when
        /// the client offers `client_max_window_bits` (browsers do); lower
        /// saves the client's memory (zlib-rs gives our inflate state a
        /// 32 KiB window whatever this is). Defaults to 15.
        client_max_window_bits: u8 = 15, get_client_max_window_bits;
        /// Whether we carry our compression window from one message to the
        /// next: better ratios on similar messages, but each busy connection
        /// then keeps a compressor (hundreds of KiB). Defaults to `false`:
        /// we answer `server_no_context_takeover` and compress each message
        /// with a pooled compressor.
        server_context_takeover: bool = false, get_server_context_takeover;
        /// Whether we let the client carry its window from one message to
        /// the next: clients then compress similar messages far better, but
        /// each connection that received a compressed message keeps an
        /// inflate state (about 28 KiB measured, up to 47 KiB). Defaults to
        /// `false`: we answer `client_no_context_takeover` and inflate each
        /// message with pooled state, so no connection holds any between
        /// messages.
        client_context_takeover: bool = false, get_client_context_takeover;
        /// Messages shorter than this many bytes are sent uncompressed, as
        /// stored deflate blocks (still with RSV1: their bytes as they are,
        /// plus 6), which costs no compression work; so are messages that
        /// deflate would not shrink. Defaults to 64.
        min_size: usize = 64, get_min_size;
    }
}

impl PerMessageDeflate {
    /// Checks the settings.
    pub(crate) fn validate(&self) -> Result<()> {
        let fail = |why: &str| Err(Error::Config(why.to_owned()));
        if self.level > 9 {
            return fail("permessage-deflate level must be 0 to 9");
        }
        if !(9..=15).contains(&self.server_max_window_bits) {
            return fail("permessage-deflate server_max_window_bits must be 9 to 15");
        }
        if !(8..=15).contains(&self.client_max_window_bits) {
            return fail("permessage-deflate client_max_window_bits must be 8 to 15");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_valid_and_bad_settings_are_errors() {
        assert!(PerMessageDeflate::default().validate().is_ok());
        for bad in [
            PerMessageDeflate::default().level(10),
            PerMessageDeflate::default().server_max_window_bits(8),
            PerMessageDeflate::default().server_max_window_bits(16),
            PerMessageDeflate::default().client_max_window_bits(7),
        ] {
            assert!(matches!(bad.validate(), Err(Error::Config(_))), "{bad:?}");
        }
    }
}
