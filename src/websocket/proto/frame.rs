//! One frame's head on the wire (RFC 6455 §5.2): parsed from a client's
//! bytes, encoded for the server's frames, and the client's masking.

/// A frame's opcode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OpCode {
    /// 0x0: the next fragment of a message.
    Continue,
    /// 0x1: the first frame of a text message.
    Text,
    /// 0x2: the first frame of a binary message.
    Binary,
    /// 0x8: a close frame.
    Close,
    /// 0x9: a ping.
    Ping,
    /// 0xA: a pong.
    Pong,
    /// 0x3-0x7 and 0xB-0xF: reserved for future use.
    Reserved(u8),
}

impl OpCode {
    /// The opcode of the low four bits of `byte`.
    pub fn from_bits(byte: u8) -> Self {
        match byte & 0x0f {
            0x0 => OpCode::Continue,
            0x1 => OpCode::Text,
            0x2 => OpCode::Binary,
            0x8 => OpCode::Close,
            0x9 => OpCode::Ping,
            0xa => OpCode::Pong,
            other => OpCode::Reserved(other),
        }
    }

    /// The four bits on the wire.
    pub fn bits(self) -> u8 {
        match self {
            OpCode::Continue => 0x0,
            OpCode::Text => 0x1,
            OpCode::Binary => 0x2,
            OpCode::Close => 0x8,
            OpCode::Ping => 0x9,
            OpCode::Pong => 0xa,
            OpCode::Reserved(bits) => bits & 0x0f,
        }
    }

    /// Whether this is a control opcode (0x8-0xF).
    pub fn is_control(self) -> bool {
        self.bits() & 0x08 != 0
    }
}

/// A frame's head: flags, opcode, mask and payload length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FrameHead {
    /// The last frame of its message.
    pub fin: bool,
    /// The reserved bits RSV1, RSV2, RSV3; RSV1 marks a compressed message
    /// once permessage-deflate is negotiated.
    pub rsv: [bool; 3],
    pub opcode: OpCode,
    /// The client's masking key; every client frame must have one.
    pub mask: Option<[u8; 4]>,
    /// The payload length the head declares.
    pub len: u64,
}

impl FrameHead {
    /// Parses a head from the start of `bytes`: the head and how many bytes
    /// it took, or `None` until it is complete.
    pub fn parse(bytes: &[u8]) -> Option<(FrameHead, usize)> {
        let [first, second, rest @ ..] = bytes else {
            return None;
        };
        let (len, mut used) = match second & 0x7f {
            126 => (
                u64::from(u16::from_be_bytes(rest.get(..2)?.try_into().ok()?)),
                4,
            ),
            127 => (u64::from_be_bytes(rest.get(..8)?.try_into().ok()?), 10),
            short => (u64::from(short), 2),
        };
        let mut mask = None;
        if second & 0x80 != 0 {
            mask = Some(bytes.get(used..used + 4)?.try_into().ok()?);
            used += 4;
        }
        let head = FrameHead {
            fin: first & 0x80 != 0,
            rsv: [first & 0x40 != 0, first & 0x20 != 0, first & 0x10 != 0],
            opcode: OpCode::from_bits(*first),
            mask,
            len,
        };
        Some((head, used))
    }
}

/// The encoded head of a frame the server sends (never masked).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EncodedHead {
    bytes: [u8; 10],
    len: u8,
}

impl EncodedHead {
    /// The head's bytes, which the payload follows on the wire.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

/// Encodes a server frame's head: `fin`, `rsv1` (a compressed message's
/// first frame), `opcode` and the shortest length encoding of `len`.
pub(crate) fn encode_head(fin: bool, rsv1: bool, opcode: OpCode, len: usize) -> EncodedHead {
    let mut bytes = [0u8; 10];
    bytes[0] = u8::from(fin) << 7 | u8::from(rsv1) << 6 | opcode.bits();
    let len64 = len as u64;
    let used = match len {
        0..=125 => {
            bytes[1] = len as u8;
            2
        }
        126..=0xffff => {
            bytes[1] = 126;
            bytes[2..4].copy_from_slice(&(len as u16).to_be_bytes());
            4
        }
        _ => {
            bytes[1] = 127;
            bytes[2..10].copy_from_slice(&len64.to_be_bytes());
            10
        }
    };
    EncodedHead { bytes, len: used }
}

/// XORs `payload` with `mask`, whose first byte applies to the payload's
/// byte at `offset` in its frame (so a payload unmasks in pieces).
pub(crate) fn unmask(payload: &mut [u8], mask: [u8; 4], offset: usize) {
    let mask = [0, 1, 2, 3].map(|i| mask[(offset + i) % 4]);
    let word = u32::from_ne_bytes(mask);
    let mut chunks = payload.chunks_exact_mut(4);
    for chunk in &mut chunks {
        let value = u32::from_ne_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]) ^ word;
        chunk.copy_from_slice(&value.to_ne_bytes());
    }
    for (byte, m) in chunks.into_remainder().iter_mut().zip(mask) {
        *byte ^= m;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_parse_from_their_bytes() {
        let mask = [1, 2, 3, 4];
        type Case = (
            &'static [u8],
            Option<(bool, [bool; 3], OpCode, bool, u64, usize)>,
        );
        let cases: &[Case] = &[
            (b"", None),
            (b"\x81", None),
            (
                b"\x81\x05",
                Some((true, [false; 3], OpCode::Text, false, 5, 2)),
            ),
            (b"\x01\x85\x01\x02\x03", None),
            (
                b"\x01\x85\x01\x02\x03\x04",
                Some((false, [false; 3], OpCode::Text, true, 5, 6)),
            ),
            (
                b"\xf2\x00",
                Some((true, [true; 3], OpCode::Binary, false, 0, 2)),
            ),
            (
                b"\xc9\x00",
                Some((true, [true, false, false], OpCode::Ping, false, 0, 2)),
            ),
            (b"\x80\x7e\x01", None),
            (
                b"\x80\x7e\x01\x00",
                Some((true, [false; 3], OpCode::Continue, false, 256, 4)),
            ),
            (
                b"\x8a\xfe\xff\xff\x01\x02\x03\x04",
                Some((true, [false; 3], OpCode::Pong, true, 65535, 8)),
            ),
            (b"\x88\x7f\0\0\0\0\0\x01\0", None),
            (
                b"\x88\x7f\0\0\0\0\0\x01\0\0",
                Some((true, [false; 3], OpCode::Close, false, 65536, 10)),
            ),
            (
                b"\x83\x7f\xff\xff\xff\xff\xff\xff\xff\xff",
                Some((true, [false; 3], OpCode::Reserved(3), false, u64::MAX, 10)),
            ),
            (
                b"\x8f\x00",
                Some((true, [false; 3], OpCode::Reserved(15), false, 0, 2)),
            ),
        ];
        for (bytes, want) in cases {
            let got = FrameHead::parse(bytes)
                .map(|(h, used)| (h.fin, h.rsv, h.opcode, h.mask.is_some(), h.len, used));
            assert_eq!(got, *want, "{bytes:x?}");
            if let Some((head, _)) = FrameHead::parse(bytes).filter(|(h, _)| h.mask.is_some()) {
                assert_eq!(head.mask, Some(mask), "{bytes:x?}");
            }
        }
    }

    #[test]
    fn heads_encode_in_the_shortest_form() {
        type Case = (bool, bool, OpCode, usize, &'static [u8]);
        let cases: &[Case] = &[
            (true, false, OpCode::Text, 0, b"\x81\x00"),
            (true, false, OpCode::Binary, 125, b"\x82\x7d"),
            (true, false, OpCode::Binary, 126, b"\x82\x7e\x00\x7e"),
            (true, false, OpCode::Text, 65535, b"\x81\x7e\xff\xff"),
            (
                true,
                false,
                OpCode::Text,
                65536,
                b"\x81\x7f\0\0\0\0\0\x01\0\0",
            ),
            (false, true, OpCode::Text, 3, b"\x41\x03"),
            (true, false, OpCode::Continue, 1, b"\x80\x01"),
            (true, false, OpCode::Close, 2, b"\x88\x02"),
            (true, false, OpCode::Ping, 7, b"\x89\x07"),
            (true, false, OpCode::Pong, 0, b"\x8a\x00"),
        ];
        for (fin, rsv1, opcode, len, want) in cases {
            let head = encode_head(*fin, *rsv1, *opcode, *len);
            assert_eq!(head.as_bytes(), *want, "{opcode:?} {len}");
            let (parsed, used) = FrameHead::parse(head.as_bytes()).expect("complete");
            assert_eq!(
                (parsed.fin, parsed.rsv[0], parsed.opcode),
                (*fin, *rsv1, *opcode)
            );
            assert_eq!(
                (parsed.len, used, parsed.mask),
                (*len as u64, want.len(), None)
            );
        }
    }

    #[test]
    fn opcodes_round_trip_and_know_control_frames() {
        for bits in 0..16u8 {
            let opcode = OpCode::from_bits(bits);
            assert_eq!(opcode.bits(), bits);
            assert_eq!(opcode.is_control(), bits >= 8, "{bits}");
            let reserved = matches!(bits, 3..=7 | 11..=15);
            assert_eq!(matches!(opcode, OpCode::Reserved(_)), reserved, "{bits}");
        }
    }

    #[test]
    fn unmasking_in_pieces_matches_bytewise_xor() {
        let mask = [9, 8, 7, 6];
        let original: Vec<u8> = (0..23).collect();
        let slow: Vec<u8> = original
            .iter()
            .enumerate()
            .map(|(i, b)| b ^ mask[i % 4])
            .collect();
        for split in 0..=original.len() {
            let mut pieces = original.clone();
            let (a, b) = pieces.split_at_mut(split);
            unmask(a, mask, 0);
            unmask(b, mask, split);
            assert_eq!(pieces, slow, "split at {split}");
        }
    }
}
