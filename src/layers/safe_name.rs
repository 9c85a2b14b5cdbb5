//! A valid channel or group name made from any text (a chat room's name
//! from a URL, a user name), so that a view never fails on a name it did not
//! choose.

use std::fmt::Write;

use super::names::{validate_name, MAX_NAME_LEN};

/// Characters of a long name kept before its hash.
const KEPT_BEFORE_HASH: usize = MAX_NAME_LEN - 17;

/// A valid group or channel name for `text`: `text` itself when it is valid
/// and has no `!` (so `"chat-lobby"` stays `"chat-lobby"`); otherwise ASCII
/// letters, digits, `-`, `_` and `.` are kept and every other byte becomes
/// `.xx` (its hex value), and a name still over the limit of 200 is cut and
/// ends with a hash of the whole text. The same text always gives the same
/// name, in every process.
///
/// ```
/// use wsviews::layers::safe_name;
///
/// assert_eq!(safe_name("chat-lobby"), "chat-lobby");
/// assert_eq!(safe_name("chat-ünï"), "chat-.c3.bcn.c3.af");
/// assert_eq!(safe_name(""), "_");
/// ```
pub fn safe_name(text: &str) -> String {
    if !text.contains('!') && validate_name(text).is_ok() {
        return text.to_owned();
    }
    let mut name = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.') {
            name.push(char::from(byte));
        } else {
            let _ = write!(name, ".{byte:02x}");
        }
    }
    if name.is_empty() {
        name.push('_');
    }
    if name.len() > MAX_NAME_LEN {
        name.truncate(KEPT_BEFORE_HASH);
        let _ = write!(name, ".{:016x}", fnv1a(text.as_bytes()));
    }
    name
}

/// FNV-1a, 64 bits: stable across processes and Rust versions.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_any_text() {
        let cases = [
            ("chat-lobby", "chat-lobby"),
            ("a.b_c-1?", "a.b_c-1?"),
            ("chat-ünïcode", "chat-.c3.bcn.c3.afcode"),
            ("room 1", "room.201"),
            ("a!b", "a.21b"),
            ("", "_"),
        ];
        for (text, name) in cases {
            assert_eq!(safe_name(text), name, "{text:?}");
        }
        let long = "ü".repeat(150);
        let name = safe_name(&long);
        assert_eq!(name.len(), MAX_NAME_LEN);
        assert!(validate_name(&name).is_ok());
        assert_ne!(
            name,
            safe_name(&"ü".repeat(151)),
            "the hash tells them apart"
        );
        for text in ["x".repeat(300), "日本語".to_owned(), "\n\t\0".to_owned()] {
            assert!(validate_name(&safe_name(&text)).is_ok(), "{text:?}");
        }
    }
}
