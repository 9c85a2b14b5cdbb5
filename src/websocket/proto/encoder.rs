//! The one frame encoder: every frame the server sends (the view's
//! messages, other threads' [`Sender`](crate::Sender)s, group and reply
//! deliveries, pings, pongs, closes) is encoded by [`encode`].

use std::borrow::Cow;

use super::close::close_payload;
use super::extension::Deflate;
use super::frame::{encode_head, EncodedHead, OpCode};
use crate::websocket::message::Message;

/// A frame the server sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outgoing<'a> {
    /// A whole message, in one frame.
    Message(&'a Message),
    /// A ping with this payload (at most 125 bytes).
    Ping(&'a [u8]),
    /// A pong echoing a ping's payload (at most 125 bytes).
    Pong(&'a [u8]),
    /// A close frame: with a code and a reason (cut to 123 bytes), or an
    /// empty one.
    Close(Option<u16>, &'a str),
}

/// An encoded frame: its head, then its payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Encoded<'a> {
    head: EncodedHead,
    payload: Cow<'a, [u8]>,
}

impl Encoded<'_> {
    /// The frame's bytes in two pieces (the payload is not copied), to be
    /// written in this order.
    pub fn bufs(&self) -> [&[u8]; 2] {
        [self.head.as_bytes(), &self.payload]
    }

    /// The frame's length on the wire.
    pub fn len(&self) -> usize {
        self.head.as_bytes().len() + self.payload.len()
    }

    /// The frame's bytes in one piece.
    #[cfg(test)]
    pub fn to_vec(&self) -> Vec<u8> {
        self.bufs().concat()
    }
}

/// Encodes one frame. A message goes out whole, in one final frame with its
/// payload borrowed; with the connection's negotiated compression
/// (`deflate`), a message it compresses carries the deflated bytes and RSV1.
/// Control frames are never compressed.
pub(crate) fn encode<'a>(frame: Outgoing<'a>, deflate: Option<&mut dyn Deflate>) -> Encoded<'a> {
    let (opcode, payload) = match frame {
        Outgoing::Message(Message::Text(text)) => (OpCode::Text, Cow::Borrowed(text.as_bytes())),
        Outgoing::Message(Message::Binary(bytes)) => (OpCode::Binary, Cow::Borrowed(&bytes[..])),
        Outgoing::Ping(payload) => (OpCode::Ping, Cow::Borrowed(payload)),
        Outgoing::Pong(payload) => (OpCode::Pong, Cow::Borrowed(payload)),
        Outgoing::Close(code, reason) => (OpCode::Close, Cow::Owned(close_payload(code, reason))),
    };
    let compressed = match (frame, deflate) {
        (Outgoing::Message(_), Some(deflate)) => deflate.deflate(&payload),
        _ => None,
    };
    let rsv1 = compressed.is_some();
    let payload = compressed.map_or(payload, Cow::Owned);
    Encoded {
        head: encode_head(true, rsv1, opcode, payload.len()),
        payload,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_frame() {
        let text = Message::Text("hi".into());
        let binary = Message::Binary(vec![0; 200]);
        let long = "é".repeat(100);
        let cases: Vec<(Outgoing<'_>, Vec<u8>)> = vec![
            (Outgoing::Message(&text), b"\x81\x02hi".to_vec()),
            (
                Outgoing::Message(&binary),
                [&[0x82, 126, 0, 200][..], &[0; 200]].concat(),
            ),
            (Outgoing::Ping(b"wsviews"), b"\x89\x07wsviews".to_vec()),
            (Outgoing::Pong(b""), b"\x8a\x00".to_vec()),
            (Outgoing::Pong(b"abc"), b"\x8a\x03abc".to_vec()),
            (
                Outgoing::Close(Some(1000), ""),
                b"\x88\x02\x03\xe8".to_vec(),
            ),
            (Outgoing::Close(None, "ignored"), b"\x88\x00".to_vec()),
            (
                Outgoing::Close(Some(4001), "bye"),
                b"\x88\x05\x0f\xa1bye".to_vec(),
            ),
            (
                Outgoing::Close(Some(1001), &long),
                [&[0x88, 124, 0x03, 0xe9][..], "é".repeat(61).as_bytes()].concat(),
            ),
        ];
        for (frame, want) in cases {
            let encoded = encode(frame, None);
            assert_eq!(encoded.to_vec(), want, "{frame:?}");
            assert_eq!(encoded.len(), want.len());
        }
    }

    #[test]
    fn message_payloads_are_not_copied() {
        let message = Message::Binary(vec![7; 100_000]);
        let encoded = encode(Outgoing::Message(&message), None);
        assert!(std::ptr::eq(encoded.bufs()[1], message.as_bytes()));
        assert_eq!(encoded.bufs()[0], [0x82, 127, 0, 0, 0, 0, 0, 1, 0x86, 0xa0]);
    }
}
