use super::super::offers::parse_offers;
use super::super::{negotiate::negotiate, PerMessageDeflate};
use super::*;

fn agreement(settings: PerMessageDeflate, offer: &str) -> Agreement {
    negotiate(&settings, &parse_offers([offer])).expect("an acceptable offer")
}

const TEXT: &str = "Far out in the uncharted backwaters of the unfashionable end of the \
    western spiral arm of the Galaxy lies a small unregarded yellow sun. Orbiting this at a \
    distance of roughly ninety-two million miles is an utterly insignificant little blue green \
    planet whose ape-descended life forms are so amazingly primitive that they still think \
    digital watches are a pretty neat idea. This planet has - or rather had - a problem, which \
    was this: most of the people living on it were unhappy for pretty much of the time.";

fn json(n: usize) -> Vec<u8> {
    format!(
        r#"{{"type":"chat.message","room":"lobby","user":"ann","n":{n},"text":"{}"}}"#,
        TEXT
    )
    .into_bytes()
}

/// Inflates what a Deflater sent as a client would: its own decompressor,
/// the tail appended, kept across messages unless told otherwise.
fn client_inflate(state: &mut Decompress, compressed: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let input = [compressed, &TAIL].concat();
    inflate(state, &input, &mut out, usize::MAX - 1).unwrap();
    out
}

#[test]
fn rfc_7692_examples_inflate() {
    // §7.2.3.1: "Hello" in one frame, and in two fragments.
    let hello = [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];
    let agreed = agreement(PerMessageDeflate::default(), "permessage-deflate");
    let mut inflater = Inflater::new(&agreed);
    let mut out = Vec::new();
    inflater.inflate_frame(&hello, true, &mut out, 100).unwrap();
    assert_eq!(out, b"Hello");
    let mut out = Vec::new();
    inflater
        .inflate_frame(&hello[..3], false, &mut out, 100)
        .unwrap();
    inflater
        .inflate_frame(&hello[3..], true, &mut out, 100)
        .unwrap();
    assert_eq!(out, b"Hello");
    // §7.2.3.2: a second "Hello" referring back to the first (takeover).
    let takeover = PerMessageDeflate::default().client_context_takeover(true);
    let mut inflater = Inflater::new(&agreement(takeover, "permessage-deflate"));
    for frame in [&hello[..], &[0xf2, 0x00, 0x11, 0x00, 0x00]] {
        let mut out = Vec::new();
        inflater.inflate_frame(frame, true, &mut out, 100).unwrap();
        assert_eq!(out, b"Hello");
    }
    // §7.2.3.3: a stored (uncompressed) block.
    let mut out = Vec::new();
    let stored = [
        0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00,
    ];
    Inflater::new(&agreed)
        .inflate_frame(&stored, true, &mut out, 100)
        .unwrap();
    assert_eq!(out, b"Hello");
}

#[test]
fn round_trips_in_both_context_modes() {
    let cases = [
        (
            PerMessageDeflate::default(),
            "permessage-deflate",
            Some(true),
        ),
        (
            PerMessageDeflate::default().server_context_takeover(true),
            "permessage-deflate",
            Some(false),
        ),
        (
            PerMessageDeflate::default()
                .server_context_takeover(true)
                .level(9),
            "permessage-deflate; server_max_window_bits=9",
            None,
        ),
    ];
    for (settings, offer, expect_reset) in cases {
        let reset = expect_reset == Some(true);
        let agreed = agreement(settings, offer);
        let mut deflater = Deflater::new(&agreed);
        let mut client = pool::new_decompressor(agreed.server_max_window_bits);
        let mut sizes = Vec::new();
        for n in 0..20 {
            let message = json(n);
            let compressed = deflater.compress(&message);
            assert!(!compressed.ends_with(&TAIL), "the tail is removed");
            if reset {
                client.reset(false);
            }
            assert_eq!(client_inflate(&mut client, &compressed), message, "{offer}");
            sizes.push(compressed.len());
        }
        // With context takeover later messages refer back to earlier ones.
        if let Some(reset) = expect_reset {
            let later_smaller = sizes[5] * 2 < sizes[0];
            assert_eq!(later_smaller, !reset, "{offer}: {sizes:?}");
        }
    }
}

#[test]
fn inflates_fragmented_messages_in_both_context_modes() {
    for offer in [
        "permessage-deflate",
        "permessage-deflate; client_no_context_takeover",
        "permessage-deflate; client_max_window_bits=9",
    ] {
        let agreed = agreement(PerMessageDeflate::default(), offer);
        let mut client = pool::new_compressor(agreed.client_max_window_bits.max(9), 6);
        let mut inflater = Inflater::new(&agreed);
        for n in 0..10 {
            let message = json(n);
            let compressed = deflate(&mut client, &message);
            if agreed.client_no_context_takeover {
                client.reset();
            }
            let mut out = Vec::new();
            let pieces: Vec<&[u8]> = compressed.chunks(7).collect();
            for (i, piece) in pieces.iter().enumerate() {
                let last = i + 1 == pieces.len();
                inflater
                    .inflate_frame(piece, last, &mut out, 1 << 20)
                    .unwrap();
            }
            assert_eq!(out, message, "{offer} message {n}");
        }
        assert_eq!(inflater.state.is_some(), !agreed.client_no_context_takeover);
    }
}

#[test]
fn a_bomb_fails_at_the_limit_without_allocating_it() {
    let agreed = agreement(PerMessageDeflate::default(), "permessage-deflate");
    let mut compressor = pool::new_compressor(15, 6);
    let zeros = vec![0u8; 16 << 20];
    let bomb = deflate(&mut compressor, &zeros);
    assert!(bomb.len() < 32 * 1024, "{}", bomb.len());
    let mut out = Vec::new();
    let limit = 1 << 20;
    let got = Inflater::new(&agreed).inflate_frame(&bomb, true, &mut out, limit);
    assert_eq!(got, Err(CloseCode::TooBig("message too large")));
    assert!(out.capacity() <= limit + CHUNK, "{}", out.capacity());
}

#[test]
fn exact_limit_passes_and_one_more_byte_fails() {
    let agreed = agreement(PerMessageDeflate::default(), "permessage-deflate");
    let message = vec![b'a'; 5000];
    let compressed = deflate(&mut pool::new_compressor(15, 6), &message);
    let mut out = Vec::new();
    assert_eq!(
        Inflater::new(&agreed).inflate_frame(&compressed, true, &mut out, 5000),
        Ok(())
    );
    assert_eq!(out, message);
    let mut out = Vec::new();
    let got = Inflater::new(&agreed).inflate_frame(&compressed, true, &mut out, 4999);
    assert_eq!(got.unwrap_err(), CloseCode::TooBig("message too large"));
}

#[test]
fn corrupt_data_is_1007() {
    let agreed = agreement(PerMessageDeflate::default(), "permessage-deflate");
    let mut out = Vec::new();
    // BTYPE 11 is reserved.
    let got = Inflater::new(&agreed).inflate_frame(&[0xff, 0xff, 0xff], true, &mut out, 100);
    assert_eq!(got, Err(CloseCode::InvalidData("invalid compressed data")));
}

#[test]
fn what_goes_as_stored_blocks() {
    let mut x = 0x2545_f491_4f6c_dd1du64;
    let random: Vec<u8> = (0..70_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    let stored_len = |payload: &[u8]| payload.len() + payload.len().div_ceil(0xffff) * 5 + 1;
    let min_10 = agreement(
        PerMessageDeflate::default().min_size(10),
        "permessage-deflate",
    );
    let tiny = agreement(
        PerMessageDeflate::default(),
        "permessage-deflate; server_max_window_bits=8",
    );
    let takeover_tiny = agreement(
        PerMessageDeflate::default().server_context_takeover(true),
        "permessage-deflate; server_max_window_bits=8",
    );
    let cases: Vec<(&str, Agreement, &[u8], bool)> = vec![
        ("below min_size", min_10, b"short", true),
        ("empty", min_10, b"", true),
        ("would not shrink", min_10, &random[..4096], true),
        ("over 64 KiB, would not shrink", min_10, &random, true),
        ("window of 8 bits", tiny, TEXT.as_bytes(), true),
        (
            "window of 8 bits, takeover",
            takeover_tiny,
            TEXT.as_bytes(),
            true,
        ),
        ("compressible", min_10, TEXT.as_bytes(), false),
    ];
    for (what, agreed, payload, is_stored) in cases {
        let sent = Deflater::new(&agreed).compress(payload);
        assert_eq!(sent == stored(payload), is_stored, "{what}");
        if is_stored {
            assert_eq!(sent.len(), stored_len(payload), "{what}");
        } else {
            assert!(sent.len() < payload.len(), "{what}");
        }
        let mut client = pool::new_decompressor(15);
        assert_eq!(client_inflate(&mut client, &sent), payload, "{what}");
    }
}

#[test]
fn state_is_made_on_first_use() {
    let agreed = agreement(
        PerMessageDeflate::default().server_context_takeover(true),
        "permessage-deflate",
    );
    let mut deflater = Deflater::new(&agreed);
    let inflater = Inflater::new(&agreed);
    assert!(deflater.kept.is_none() && inflater.state.is_none());
    deflater.compress(&json(0));
    assert!(deflater.kept.is_some());
}

#[test]
fn a_reset_inflater_forgets_the_last_message() {
    // A client that wrongly keeps its context: its second message refers
    // back to the first, which the pooled (reset) inflater must not know.
    let agreed = agreement(PerMessageDeflate::default(), "permessage-deflate");
    assert!(agreed.client_no_context_takeover);
    let mut client = pool::new_compressor(15, 6);
    let first = deflate(&mut client, json(1).as_slice());
    let second = deflate(&mut client, json(1).as_slice());
    let mut inflater = Inflater::new(&agreed);
    let mut out = Vec::new();
    inflater
        .inflate_frame(&first, true, &mut out, 1 << 20)
        .unwrap();
    assert_eq!(out, json(1));
    let mut out = Vec::new();
    let got = inflater.inflate_frame(&second, true, &mut out, 1 << 20);
    assert_eq!(
        got,
        Err(CloseCode::InvalidData("invalid compressed data")),
        "{:?}",
        String::from_utf8_lossy(&out)
    );
}
