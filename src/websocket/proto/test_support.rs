//! Client frames as bytes, and a decoder run over them, for the table tests
//! of the protocol core.

use super::{ClientClose, Decoder, Event, Limits};
use crate::websocket::message::Message;

/// The first byte of common client frames: FIN, RSV1-3, opcode.
pub const TEXT: u8 = 0x81;
pub const BINARY: u8 = 0x82;
pub const TEXT_MORE: u8 = 0x01;
pub const BINARY_MORE: u8 = 0x02;
pub const CONTINUE: u8 = 0x80;
pub const CONTINUE_MORE: u8 = 0x00;
pub const CLOSE: u8 = 0x88;
pub const PING: u8 = 0x89;
pub const PONG: u8 = 0x8a;

const MASK: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

/// The head of a client frame, masked, declaring `len` bytes.
pub fn head(first: u8, len: usize) -> Vec<u8> {
    let mut out = vec![first];
    match len {
        0..=125 => out.push(0x80 | len as u8),
        126..=0xffff => {
            out.push(0x80 | 126);
            out.extend((len as u16).to_be_bytes());
        }
        _ => {
            out.push(0x80 | 127);
            out.extend((len as u64).to_be_bytes());
        }
    }
    out.extend(MASK);
    out
}

/// A whole client frame, masked.
pub fn frame(first: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = head(first, payload.len());
    out.extend(payload.iter().enumerate().map(|(i, b)| b ^ MASK[i % 4]));
    out
}

/// Client frames one after the other.
pub fn frames(parts: &[(u8, &[u8])]) -> Vec<u8> {
    parts
        .iter()
        .flat_map(|(first, p)| frame(*first, p))
        .collect()
}

/// A close frame's payload.
pub fn close(code: u16, reason: &str) -> Vec<u8> {
    [&code.to_be_bytes()[..], reason.as_bytes()].concat()
}

pub fn text(text: &str) -> Event {
    Event::Message(Message::Text(text.into()))
}

pub fn binary(bytes: &[u8]) -> Event {
    Event::Message(Message::Binary(bytes.to_vec()))
}

pub fn closed(code: u16, reason: &str) -> Event {
    Event::Close(Some(ClientClose {
        code,
        reason: reason.into(),
    }))
}

/// One table row: a name, the client's bytes, the events they give, and
/// the close code they call for (`None`: none, waiting for more).
pub type Case = (&'static str, Vec<u8>, Vec<Event>, Option<u16>);

/// The events `bytes` give when they arrive in pieces of `piece` bytes,
/// then the close code they call for (`None`: all good, waiting for more).
pub fn run(limits: Limits, bytes: &[u8], piece: usize) -> (Vec<Event>, Option<u16>) {
    let mut decoder = Decoder::new(limits, Vec::new(), None);
    let mut events = Vec::new();
    for chunk in bytes.chunks(piece.max(1)) {
        decoder.feed(chunk);
        loop {
            match decoder.next_event() {
                Ok(Some(event)) => events.push(event),
                Ok(None) => break,
                Err(close) => return (events, Some(close.code())),
            }
        }
    }
    (events, None)
}

/// A table of (name, bytes, events, close code) run whole, byte by byte
/// and in odd pieces: every way of arriving gives the same result.
pub fn check(limits: Limits, cases: &[Case]) {
    for (name, bytes, events, close) in cases {
        for piece in [usize::MAX, 1, 3, 7, 1000] {
            let (got, code) = run(limits, bytes, piece);
            assert_eq!(&got, events, "{name}: events (pieces of {piece})");
            assert_eq!(code, *close, "{name}: close code (pieces of {piece})");
        }
    }
}
