//! Pure checks of what a client sends: close frames and UTF-8 text, with
//! the close code each failure leads to (RFC 6455 §7.4 and §8.1).

/// A failed check: the close code to send and a one-line reason.
pub(crate) type Violation = (u16, &'static str);

/// Validates UTF-8 from `from` on, failing fast on a bad sequence; an
/// incomplete sequence at the end is allowed until the final fragment.
/// Returns how far the data is now known to be valid.
pub(crate) fn check_utf8(data: &[u8], from: usize, is_final: bool) -> Result<usize, Violation> {
    match std::str::from_utf8(&data[from..]) {
        Ok(_) => Ok(data.len()),
        Err(e) if e.error_len().is_none() && !is_final => Ok(from + e.valid_up_to()),
        Err(_) => Err((1007, "invalid UTF-8 in text message")),
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

/// The code of a close frame's payload, checked per RFC 6455 §7.4.
pub(crate) fn parse_close(payload: &[u8]) -> Result<Option<u16>, Violation> {
    match payload {
        [] => Ok(None),
        [_] => Err((1002, "close frame payload of one byte")),
        [hi, lo, reason @ ..] => {
            let code = u16::from_be_bytes([*hi, *lo]);
            if !is_valid_close_code(code) {
                return Err((1002, "invalid close code"));
            }
            std::str::from_utf8(reason).map_err(|_| (1007, "invalid UTF-8 in close reason"))?;
            Ok(Some(code))
        }
    }
}

/// Whether a peer may send `code` in a close frame.
pub(crate) fn is_valid_close_code(code: u16) -> bool {
    // 1004-1006 and 1015 are reserved or never sent; 1016-2999 are unassigned.
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_codes() {
        for ok in [
            1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999,
        ] {
            assert!(is_valid_close_code(ok), "{ok}");
        }
        for bad in [
            0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535,
        ] {
            assert!(!is_valid_close_code(bad), "{bad}");
        }
        assert_eq!(parse_close(&[]), Ok(None));
        assert_eq!(parse_close(&[3]).unwrap_err().0, 1002);
        assert_eq!(parse_close(&[0x03, 0xe8, b'o', b'k']), Ok(Some(1000)));
        assert_eq!(parse_close(&[0x03, 0xe8, 0xff]).unwrap_err().0, 1007);
        assert_eq!(parse_close(&[0x03, 0xed]).unwrap_err().0, 1002);
    }

    #[test]
    fn utf8_fails_fast_but_waits_for_split_sequences() {
        let e_acute = "é".as_bytes();
        assert_eq!(check_utf8(&e_acute[..1], 0, false), Ok(0));
        assert_eq!(check_utf8(&e_acute[..1], 0, true).unwrap_err().0, 1007);
        assert_eq!(check_utf8(e_acute, 0, true), Ok(2));
        assert_eq!(check_utf8(b"ok\xff", 0, false).unwrap_err().0, 1007);
        assert_eq!(check_utf8(b"abc", 2, true), Ok(3));
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
