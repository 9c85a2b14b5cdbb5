//! RFC 6455 over byte slices, as Autobahn's cases 1-5 exercise it: framing,
//! pings and pongs, reserved bits, opcodes, fragmentation.

use super::test_support::*;
use super::{Event, Limits};

const ROOMY: Limits = Limits {
    max_message: 1 << 20,
    max_frame: 1 << 20,
};

/// Autobahn 1.*: text and binary messages of every length encoding.
#[test]
fn framing() {
    let mut cases: Vec<Case> = Vec::new();
    for len in [0, 1, 125, 126, 127, 128, 0xffff, 0x10000, 0x10001] {
        let text_payload = "*".repeat(len);
        let bytes = vec![0xfe; len];
        cases.push((
            "text",
            frame(TEXT, text_payload.as_bytes()),
            vec![text(&text_payload)],
            None,
        ));
        cases.push(("binary", frame(BINARY, &bytes), vec![binary(&bytes)], None));
    }
    cases.push((
        "two messages at once",
        frames(&[(TEXT, b"one"), (BINARY, b"\x00\xff")]),
        vec![text("one"), binary(b"\x00\xff")],
        None,
    ));
    cases.push((
        "an unmasked frame",
        b"\x81\x02hi".to_vec(),
        vec![],
        Some(1002),
    ));
    cases.push((
        "half a frame waits",
        frame(TEXT, b"hello")[..8].to_vec(),
        vec![],
        None,
    ));
    check(ROOMY, &cases);
}

/// Autobahn 2.*: pings and pongs, their payload limit.
#[test]
fn pings_and_pongs() {
    let max = [0xfe; 125];
    let pings: Vec<u8> = (0..10).flat_map(|_| frame(PING, b"ten")).collect();
    let cases: Vec<Case> = vec![
        (
            "empty ping",
            frame(PING, b""),
            vec![Event::Ping(vec![])],
            None,
        ),
        (
            "ping with text",
            frame(PING, b"Hello"),
            vec![Event::Ping(b"Hello".to_vec())],
            None,
        ),
        (
            "ping of 125 bytes",
            frame(PING, &max),
            vec![Event::Ping(max.to_vec())],
            None,
        ),
        (
            "ping of 126 bytes",
            frame(PING, &[0; 126]),
            vec![],
            Some(1002),
        ),
        (
            "head of a 126-byte ping",
            head(PING, 126),
            vec![],
            Some(1002),
        ),
        (
            "unsolicited pong",
            frame(PONG, b"x"),
            vec![Event::Pong(b"x".to_vec())],
            None,
        ),
        (
            "pong of 126 bytes",
            frame(PONG, &[0; 126]),
            vec![],
            Some(1002),
        ),
        (
            "ten pings",
            pings,
            vec![Event::Ping(b"ten".to_vec()); 10],
            None,
        ),
        (
            "fragmented ping",
            frames(&[(0x09, b"a"), (CONTINUE, b"b")]),
            vec![],
            Some(1002),
        ),
    ];
    check(ROOMY, &cases);
}

/// Autobahn 3.*: reserved bits without an extension are a protocol error,
/// after the messages before them.
#[test]
fn reserved_bits() {
    let mut cases: Vec<Case> = Vec::new();
    for first in [0xc1, 0xa1, 0x91, 0xf1, 0xe2, 0xc9, 0xaa, 0x98, 0xc0] {
        cases.push(("reserved bits", frame(first, b"x"), vec![], Some(1002)));
        let after = frames(&[(TEXT, b"ok"), (first, b"x"), (TEXT, b"never")]);
        cases.push(("after a message", after, vec![text("ok")], Some(1002)));
    }
    let rsv1_continuation = frames(&[(TEXT_MORE, b"a"), (0xc0, b"b")]);
    cases.push((
        "RSV1 on a continuation",
        rsv1_continuation,
        vec![],
        Some(1002),
    ));
    check(ROOMY, &cases);
}

/// Autobahn 4.*: reserved opcodes, data (3-7) and control (B-F).
#[test]
fn reserved_opcodes() {
    let mut cases: Vec<Case> = Vec::new();
    for opcode in [3u8, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf] {
        cases.push((
            "reserved opcode",
            frame(0x80 | opcode, b""),
            vec![],
            Some(1002),
        ));
        let after = frames(&[(TEXT, b"ok"), (0x80 | opcode, b"x"), (PING, b"")]);
        cases.push(("after a message", after, vec![text("ok")], Some(1002)));
    }
    check(ROOMY, &cases);
}

/// Autobahn 5.*: fragments, control frames between them, and the sequences
/// that break the protocol.
#[test]
fn fragmentation() {
    let cases: Vec<Case> = vec![
        (
            "text in two",
            frames(&[(TEXT_MORE, b"fragment1"), (CONTINUE, b"fragment2")]),
            vec![text("fragment1fragment2")],
            None,
        ),
        (
            "binary in three",
            frames(&[
                (BINARY_MORE, b"\x01"),
                (CONTINUE_MORE, b"\x02"),
                (CONTINUE, b"\x03"),
            ]),
            vec![binary(b"\x01\x02\x03")],
            None,
        ),
        (
            "empty fragments",
            frames(&[(TEXT_MORE, b""), (CONTINUE_MORE, b""), (CONTINUE, b"")]),
            vec![text("")],
            None,
        ),
        (
            "a ping and a pong between fragments",
            frames(&[
                (TEXT_MORE, b"a"),
                (PING, b"p"),
                (CONTINUE_MORE, b"b"),
                (PONG, b""),
                (CONTINUE, b"c"),
            ]),
            vec![Event::Ping(b"p".to_vec()), Event::Pong(vec![]), text("abc")],
            None,
        ),
        (
            "a close between fragments",
            frames(&[(TEXT_MORE, b"a"), (CLOSE, &close(1000, ""))]),
            vec![closed(1000, "")],
            None,
        ),
        (
            "a final continuation first",
            frame(CONTINUE, b"x"),
            vec![],
            Some(1002),
        ),
        (
            "a continuation first",
            frame(CONTINUE_MORE, b"x"),
            vec![],
            Some(1002),
        ),
        (
            "a continuation after a whole message",
            frames(&[(TEXT, b"ok"), (CONTINUE, b"x")]),
            vec![text("ok")],
            Some(1002),
        ),
        (
            "a new text inside a fragmented message",
            frames(&[(TEXT_MORE, b"a"), (TEXT, b"b")]),
            vec![],
            Some(1002),
        ),
        (
            "a new binary inside a fragmented message",
            frames(&[(BINARY_MORE, b"a"), (BINARY_MORE, b"b")]),
            vec![],
            Some(1002),
        ),
        (
            "a fragmented pong",
            frames(&[(0x0a, b"a"), (CONTINUE, b"b")]),
            vec![],
            Some(1002),
        ),
        (
            "a fragmented close",
            frame(0x08, &close(1000, "")),
            vec![],
            Some(1002),
        ),
    ];
    check(ROOMY, &cases);
}

/// A reader puts large payloads straight into the message: `space` is the
/// rest of the payload, not the 2 KiB buffer.
#[test]
fn large_payloads_are_read_in_place() {
    let payload: Vec<u8> = (0..10_000u32).map(|i| i as u8).collect();
    let bytes = frame(BINARY, &payload);
    let mut decoder = super::Decoder::new(ROOMY, bytes[..100].to_vec(), None);
    assert_eq!(decoder.next_event(), Ok(None));
    let mut rest = &bytes[100..];
    let space = decoder.space();
    assert_eq!(space.len(), rest.len(), "the payload's remainder");
    space.copy_from_slice(rest);
    decoder.filled(rest.len());
    assert_eq!(decoder.next_event(), Ok(Some(binary(&payload))));
    // A read that failed (nothing filled) leaves no trace.
    let _ = decoder.space();
    assert_eq!(decoder.next_event(), Ok(None));
    rest = b"";
    decoder.feed(rest);
    decoder.feed(&frame(TEXT, b"next"));
    assert_eq!(decoder.next_event(), Ok(Some(text("next"))));
}
