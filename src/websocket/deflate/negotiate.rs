//! Choosing permessage-deflate parameters for a connection (RFC 7692 §5-7):
//! pure functions from the server's settings and the client's offers to the
//! agreement and the `Sec-WebSocket-Extensions` answer.

use super::offers::{Offer, NAME};
use super::settings::PerMessageDeflate;

/// What one connection agreed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Agreement {
    /// The window we compress with; 8 means we send uncompressed (zlib
    /// cannot deflate with a 256-byte window).
    pub server_max_window_bits: u8,
    /// The largest window the client compresses with.
    pub client_max_window_bits: u8,
    /// We reset our compressor after every message.
    pub server_no_context_takeover: bool,
    /// The client resets its compressor after every message.
    pub client_no_context_takeover: bool,
    /// Our compression level.
    pub level: u32,
    /// Messages shorter than this are sent uncompressed.
    pub min_size: usize,
    /// Whether the answer names `server_max_window_bits`.
    announce_server_bits: bool,
    /// Whether the answer names `client_max_window_bits`.
    announce_client_bits: bool,
}

/// The agreement for the first acceptable offer (declined offers are
/// `Err`), or `None` if there is none.
pub(crate) fn negotiate(
    settings: &PerMessageDeflate,
    offers: &[Result<Offer, &'static str>],
) -> Option<Agreement> {
    offers.iter().find_map(|offer| match offer {
        Ok(offer) => Some(accept(settings, offer)),
        Err(why) => {
            log::debug!("permessage-deflate offer declined: {why}");
            None
        }
    })
}

/// Accepts `offer`: every valid offer can be met.
fn accept(settings: &PerMessageDeflate, offer: &Offer) -> Agreement {
    let server_bits = offer
        .server_max_window_bits
        .map_or(settings.server_max_window_bits, |asked| {
            asked.min(settings.server_max_window_bits)
        });
    let client_bits = match offer.client_max_window_bits {
        // The client did not say it can limit its window: it may use 15.
        None => 15,
        Some(None) => settings.client_max_window_bits,
        Some(Some(limit)) => limit.min(settings.client_max_window_bits),
    };
    Agreement {
        server_max_window_bits: server_bits,
        client_max_window_bits: client_bits,
        server_no_context_takeover: offer.server_no_context_takeover
            || !settings.server_context_takeover,
        client_no_context_takeover: offer.client_no_context_takeover
            || !settings.client_context_takeover,
        level: settings.level,
        min_size: settings.min_size,
        announce_server_bits: offer.server_max_window_bits.is_some() || server_bits < 15,
        announce_client_bits: matches!(offer.client_max_window_bits, Some(Some(_)))
            || (offer.client_max_window_bits.is_some() && client_bits < 15),
    }
}

impl Agreement {
    /// The `Sec-WebSocket-Extensions` value that answers the offer.
    pub fn response(&self) -> String {
        let mut answer = String::from(NAME);
        if self.server_no_context_takeover {
            answer.push_str("; server_no_context_takeover");
        }
        if self.client_no_context_takeover {
            answer.push_str("; client_no_context_takeover");
        }
        if self.announce_server_bits {
            answer.push_str(&format!(
                "; server_max_window_bits={}",
                self.server_max_window_bits
            ));
        }
        if self.announce_client_bits {
            answer.push_str(&format!(
                "; client_max_window_bits={}",
                self.client_max_window_bits
            ));
        }
        answer
    }
}

#[cfg(test)]
mod tests {
    use super::super::offers::parse_offers;
    use super::*;

    fn answer(settings: PerMessageDeflate, header: &str) -> Option<String> {
        negotiate(&settings, &parse_offers([header])).map(|a| a.response())
    }

    #[test]
    fn answers_table() {
        // The client's takeover allowed, as before the defaults below.
        let default = PerMessageDeflate::default().client_context_takeover(true);
        let takeover = default.server_context_takeover(true);
        let small = takeover
            .server_max_window_bits(10)
            .client_max_window_bits(12);
        let strict = default.client_context_takeover(false);
        let cases: &[(PerMessageDeflate, &str, Option<&str>)] = &[
            (
                PerMessageDeflate::default(),
                "permessage-deflate; client_max_window_bits",
                Some("permessage-deflate; server_no_context_takeover; client_no_context_takeover"),
            ),
            (default, "", None),
            (default, "x-webkit-deflate-frame", None),
            (default, "permessage-deflate; bogus", None),
            (default, "permessage-deflate", Some("permessage-deflate; server_no_context_takeover")),
            (takeover, "permessage-deflate", Some("permessage-deflate")),
            (
                takeover,
                "permessage-deflate; server_no_context_takeover",
                Some("permessage-deflate; server_no_context_takeover"),
            ),
            (
                takeover,
                "permessage-deflate; client_no_context_takeover",
                Some("permessage-deflate; client_no_context_takeover"),
            ),
            (
                strict.server_context_takeover(true),
                "permessage-deflate",
                Some("permessage-deflate; client_no_context_takeover"),
            ),
            // Chrome's offer: the bare client_max_window_bits lets us choose.
            (takeover, "permessage-deflate; client_max_window_bits", Some("permessage-deflate")),
            (
                small,
                "permessage-deflate; client_max_window_bits",
                Some("permessage-deflate; server_max_window_bits=10; client_max_window_bits=12"),
            ),
            // Without client_max_window_bits in the offer we must not name it.
            (small, "permessage-deflate", Some("permessage-deflate; server_max_window_bits=10")),
            (
                small,
                "permessage-deflate; client_max_window_bits=9; server_max_window_bits=12",
                Some("permessage-deflate; server_max_window_bits=10; client_max_window_bits=9"),
            ),
            (
                takeover,
                "permessage-deflate; server_max_window_bits=9",
                Some("permessage-deflate; server_max_window_bits=9"),
            ),
            (
                takeover,
                "permessage-deflate; server_max_window_bits=8",
                Some("permessage-deflate; server_max_window_bits=8"),
            ),
            (
                takeover,
                "permessage-deflate; client_max_window_bits=15",
                Some("permessage-deflate; client_max_window_bits=15"),
            ),
            // The first acceptable offer wins; declined ones are skipped.
            (
                takeover,
                "permessage-deflate; server_max_window_bits=16, permessage-deflate; client_no_context_takeover, permessage-deflate",
                Some("permessage-deflate; client_no_context_takeover"),
            ),
        ];
        for (settings, header, want) in cases {
            assert_eq!(
                answer(*settings, header).as_deref(),
                *want,
                "{header:?} with {settings:?}"
            );
        }
    }

    #[test]
    fn agreed_windows() {
        let settings = PerMessageDeflate::default().client_max_window_bits(11);
        let agree = |h: &str| negotiate(&settings, &parse_offers([h])).unwrap();
        assert_eq!(agree("permessage-deflate").client_max_window_bits, 15);
        assert_eq!(
            agree("permessage-deflate; client_max_window_bits").client_max_window_bits,
            11
        );
        assert_eq!(
            agree("permessage-deflate; client_max_window_bits=9").client_max_window_bits,
            9
        );
        assert_eq!(
            agree("permessage-deflate; server_max_window_bits=8").server_max_window_bits,
            8
        );
        assert_eq!(agree("permessage-deflate").server_max_window_bits, 15);
        assert!(agree("permessage-deflate").server_no_context_takeover);
        assert!(agree("permessage-deflate").client_no_context_takeover);
        let allowed = PerMessageDeflate::default().client_context_takeover(true);
        let agreed = negotiate(&allowed, &parse_offers(["permessage-deflate"])).unwrap();
        assert!(!agreed.client_no_context_takeover);
    }
}
