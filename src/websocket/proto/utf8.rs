//! UTF-8 of text messages checked as the bytes arrive (RFC 6455 §8.1: fail
//! fast), across fragments and inside a frame still arriving.

/// Validates `data` from `from` on, failing on a bad sequence; an incomplete
/// sequence at the end is allowed until the final fragment. Returns how far
/// `data` is now known to be valid, or `None` if it never can be.
pub(crate) fn check_utf8(data: &[u8], from: usize, is_final: bool) -> Option<usize> {
    match std::str::from_utf8(&data[from..]) {
        Ok(_) => Some(data.len()),
        Err(e) if e.error_len().is_none() && !is_final => Some(from + e.valid_up_to()),
        Err(_) => None,
    }
}

/// How much of `payload` is known to be valid UTF-8, checking from `from`,
/// where `payload` follows `tail`, the start of a character split across
/// frames; `None` on an invalid sequence. An incomplete character at the end
/// is not an error: more bytes may complete it.
pub(crate) fn utf8_valid_prefix(tail: &[u8], payload: &[u8], from: usize) -> Option<usize> {
    let mut start = from;
    if from == 0 && !tail.is_empty() {
        let head = &payload[..payload.len().min(4)];
        let joined = [tail, head].concat();
        match std::str::from_utf8(&joined) {
            Ok(_) => start = head.len(),
            Err(e) if e.error_len().is_some() => return None,
            Err(e) if e.valid_up_to() < tail.len() => return Some(0),
            Err(e) => start = e.valid_up_to() - tail.len(),
        }
    }
    match std::str::from_utf8(&payload[start..]) {
        Ok(_) => Some(payload.len()),
        Err(e) if e.error_len().is_none() => Some(start + e.valid_up_to()),
        Err(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_data_fails_fast_but_waits_for_split_sequences() {
        let e_acute = "é".as_bytes();
        type Case<'a> = (&'a [u8], usize, bool, Option<usize>);
        let cases: &[Case<'_>] = &[
            (&e_acute[..1], 0, false, Some(0)),
            (&e_acute[..1], 0, true, None),
            (e_acute, 0, true, Some(2)),
            (b"ok\xff", 0, false, None),
            (b"abc", 2, true, Some(3)),
            (b"", 0, true, Some(0)),
            (b"\xed\xa0\x80", 0, false, None), // a UTF-16 surrogate
            (b"\xf4\x90\x80\x80", 0, false, None), // above U+10FFFF
            (b"\xc0\xaf", 0, false, None),     // overlong
        ];
        for (data, from, is_final, want) in cases {
            assert_eq!(check_utf8(data, *from, *is_final), *want, "{data:x?}");
        }
    }

    #[test]
    fn partial_frames_fail_fast_on_invalid_utf8() {
        type Case<'a> = (&'a [u8], &'a [u8], usize, Option<usize>);
        let euro = "€".as_bytes(); // e2 82 ac
        let cases: &[Case<'_>] = &[
            (b"", b"abc", 0, Some(3)),
            (b"", b"ab\xe2\x82", 0, Some(2)),
            (b"", b"ab\xe2\x82", 2, Some(2)),
            (b"", b"ab\xff", 0, None),
            (b"", b"ab\xe2\x28", 0, None),
            (&euro[..1], &euro[1..2], 0, Some(0)),
            (&euro[..1], &euro[1..], 0, Some(2)),
            (&euro[..2], b"\xacok", 0, Some(3)),
            (&euro[..2], b"\xacok\xff", 0, None),
            (&euro[..1], b"\x28", 0, None),
            (&euro[..1], b"\x82\xac\xe2", 0, Some(2)),
        ];
        for (tail, payload, from, want) in cases {
            assert_eq!(
                utf8_valid_prefix(tail, payload, *from),
                *want,
                "{tail:x?} {payload:x?} from {from}"
            );
        }
    }
}
