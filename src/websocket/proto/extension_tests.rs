//! The extension hooks with a toy run-length codec standing in for
//! permessage-deflate: (count, byte) pairs inflate to `count` copies of
//! `byte`. They show what the core does around any codec: RSV1 only on a
//! message's first data frame, text checked once inflated, the message
//! limit passed to the inflater, control frames never compressed.

use super::extension::{Deflate, Inflate};
use super::test_support::*;
use super::{encode, CloseCode, Decoder, Event, Limits, Outgoing};
use crate::websocket::message::Message;

#[derive(Debug)]
struct RunLength;

impl Inflate for RunLength {
    fn inflate(
        &mut self,
        payload: &[u8],
        _fin: bool,
        out: &mut Vec<u8>,
        limit: usize,
    ) -> Result<(), CloseCode> {
        for pair in payload.chunks(2) {
            let [count, byte] = pair else {
                return Err(CloseCode::InvalidData("odd run-length payload"));
            };
            if out.len() + usize::from(*count) > limit {
                return Err(CloseCode::TooBig("message too large"));
            }
            out.extend(std::iter::repeat_n(*byte, usize::from(*count)));
        }
        Ok(())
    }
}

impl Deflate for RunLength {
    fn deflate(&mut self, payload: &[u8]) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        for run in payload.chunk_by(|a, b| a == b) {
            for part in run.chunks(255) {
                out.extend([part.len() as u8, part[0]]);
            }
        }
        (out.len() < payload.len()).then_some(out)
    }
}

fn run_inflating(bytes: &[u8]) -> (Vec<Event>, Option<u16>) {
    let limits = Limits {
        max_message: 300,
        max_frame: 100,
    };
    let mut decoder = Decoder::new(limits, Vec::new(), Some(Box::new(RunLength)));
    decoder.feed(bytes);
    let mut events = Vec::new();
    loop {
        match decoder.next_event() {
            Ok(Some(event)) => events.push(event),
            Ok(None) => return (events, None),
            Err(close) => return (events, Some(close.code())),
        }
    }
}

#[test]
fn compressed_messages_are_inflated_with_rsv1_on_their_first_frame_only() {
    const TEXT_RSV1: u8 = 0xc1;
    let cases: Vec<Case> = vec![
        (
            "compressed text",
            frame(TEXT_RSV1, b"\x03a\x02b"),
            vec![text("aaabb")],
            None,
        ),
        (
            "compressed binary",
            frame(0xc2, b"\x02\x00"),
            vec![binary(b"\x00\x00")],
            None,
        ),
        (
            "uncompressed text",
            frame(TEXT, b"plain"),
            vec![text("plain")],
            None,
        ),
        (
            "compressed in fragments",
            frames(&[(0x41, b"\x02x"), (PING, b""), (CONTINUE, b"\x01y")]),
            vec![Event::Ping(vec![]), text("xxy")],
            None,
        ),
        (
            "RSV1 on a continuation",
            frames(&[(0x41, b"\x01x"), (0xc0, b"\x01y")]),
            vec![],
            Some(1002),
        ),
        ("RSV1 on a ping", frame(0xc9, b""), vec![], Some(1002)),
        (
            "RSV2 still refused",
            frame(0xa1, b"\x01x"),
            vec![],
            Some(1002),
        ),
        (
            "invalid UTF-8 once inflated",
            frame(TEXT_RSV1, b"\x01\xff"),
            vec![],
            Some(1007),
        ),
        (
            "UTF-8 split across compressed frames",
            frames(&[(0x41, b"\x01\xe2\x01\x82"), (CONTINUE, b"\x01\xac")]),
            vec![text("€")],
            None,
        ),
        // 10 bytes on the wire, 1000 inflated: over the 300-byte limit.
        (
            "a bomb",
            frame(0xc2, &[255, 0, 255, 0, 255, 0, 235, 0]),
            vec![],
            Some(1009),
        ),
        (
            "just at the limit",
            frame(0xc2, &[255, 7, 45, 7]),
            vec![binary(&[7; 300])],
            None,
        ),
    ];
    for (name, bytes, events, close) in cases {
        assert_eq!(run_inflating(&bytes), (events, close), "{name}");
    }
}

#[test]
fn the_encoder_compresses_messages_only() {
    let long = Message::Text("a".repeat(300));
    let short = Message::Text("ab".into());
    let mut codec = RunLength;
    type Case<'a> = (Outgoing<'a>, &'a [u8]);
    let cases: &[Case<'_>] = &[
        (Outgoing::Message(&long), b"\xc1\x04\xffa\x2da"),
        (Outgoing::Message(&short), b"\x81\x02ab"),
        (Outgoing::Ping(b"aaaaaaaa"), b"\x89\x08aaaaaaaa"),
        (Outgoing::Pong(b"aaaaaaaa"), b"\x8a\x08aaaaaaaa"),
        (
            Outgoing::Close(Some(1000), "aaaaaaaa"),
            b"\x88\x0a\x03\xe8aaaaaaaa",
        ),
    ];
    for (frame, want) in cases {
        assert_eq!(
            encode(*frame, Some(&mut codec)).to_vec(),
            *want,
            "{frame:?}"
        );
    }
}
