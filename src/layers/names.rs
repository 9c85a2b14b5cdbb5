//! Channel and group names, process-specific inboxes, random tokens and the
//! message size limit: pure functions shared by every backend.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::SystemTime;

use super::Message;
use crate::{Error, Result};

/// The longest channel or group name, in characters.
pub const MAX_NAME_LEN: usize = 200;

/// The largest message, measured as its JSON encoding: 1 MiB.
pub const MAX_MESSAGE_SIZE: usize = 1024 * 1024;

/// Length of the random part that [`new_channel_name`] appends.
const CHANNEL_TOKEN_LEN: usize = 12;

/// Length of the random part of a process prefix.
const PROCESS_TOKEN_LEN: usize = 16;

const TOKEN_ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/// Checks a channel or group name: 1 to 200 characters from
/// `A-Za-z0-9-_.!?`, with at most one `!`.
pub fn validate_name(name: &str) -> Result<()> {
    if name.is_empty() {
        return Err(Error::InvalidName("the name is empty".into()));
    }
    if name.len() > MAX_NAME_LEN {
        return Err(Error::InvalidName(format!(
            "the name is {} bytes long, over the limit of {MAX_NAME_LEN} characters",
            name.len()
        )));
    }
    if let Some(bad) = name.chars().find(|&c| !is_name_char(c)) {
        return Err(Error::InvalidName(format!(
            "{bad:?} in {name:?}: names use only the characters A-Za-z0-9-_.!?"
        )));
    }
    if name.matches('!').count() > 1 {
        return Err(Error::InvalidName(format!(
            "{name:?} has more than one '!' (the part up to the '!' names a process inbox)"
        )));
    }
    Ok(())
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '!' | '?')
}

/// The queue a channel's messages are stored in: the process inbox (the name
/// up to and including its `!`) for a process-specific channel, else the name.
pub fn queue_of(channel: &str) -> &str {
    match channel.find('!') {
        Some(bang) => &channel[..=bang],
        None => channel,
    }
}

/// Validates the channels given to `receive` and returns them as queues.
///
/// A process-specific channel can only be received from through its inbox,
/// the name ending in `!`.
pub fn receive_queues<'a>(channels: &[&'a str]) -> Result<Vec<&'a str>> {
    if channels.is_empty() {
        return Err(Error::InvalidName(
            "receive needs at least one channel".into(),
        ));
    }
    for channel in channels {
        validate_name(channel)?;
        if channel.contains('!') && !channel.ends_with('!') {
            return Err(Error::InvalidName(format!(
                "cannot receive from {channel:?}: receive from its process inbox {:?}, \
                 which gets the messages of every channel starting with it",
                queue_of(channel)
            )));
        }
    }
    Ok(channels.to_vec())
}

/// A new channel name: `prefix` followed by a random token.
///
/// A prefix containing `!` must end with it: `"reply.abc!"` gives a
/// process-specific name such as `"reply.abc!Xy3..."`.
pub fn new_channel_name(prefix: &str) -> Result<String> {
    if prefix.contains('!') && !prefix.ends_with('!') {
        return Err(Error::InvalidName(format!(
            "channel prefix {prefix:?} has a '!' that is not at its end"
        )));
    }
    let name = format!("{prefix}{}", random_token(CHANNEL_TOKEN_LEN));
    validate_name(&name)?;
    Ok(name)
}

/// A new process inbox: `base`, a random token unique across processes and
/// machines, then `!`, e.g. `"wsviews.reply.k3J9x0...!"`.
///
/// Give it to [`ChannelLayer::new_channel`](super::ChannelLayer::new_channel)
/// to make the process-specific channels of this process, and to
/// [`ChannelLayer::receive`](super::ChannelLayer::receive) (from one thread)
/// to receive the messages sent to all of them.
///
/// # Errors
///
/// [`Error::InvalidName`] if `base` has a character outside `A-Za-z0-9-_.?`
/// (a `!` is not allowed in it) or is too long for the result to be a name.
///
/// # Example
///
/// ```
/// let inbox = wsviews::layers::process_prefix("wsviews.reply.")?;
/// assert!(inbox.starts_with("wsviews.reply.") && inbox.ends_with('!'));
/// # Ok::<(), wsviews::Error>(())
/// ```
pub fn process_prefix(base: &str) -> Result<String> {
    if base.contains('!') {
        return Err(Error::InvalidName(format!(
            "process prefix base {base:?} must not contain '!'"
        )));
    }
    let prefix = format!("{base}{}!", random_token(PROCESS_TOKEN_LEN));
    validate_name(&prefix)?;
    Ok(prefix)
}

/// A random alphanumeric token of `len` characters.
///
/// Each `u64` comes from std's randomly keyed SipHash over the time, the
/// process id and a counter: unpredictable enough for unique names, no
/// dependency.
pub fn random_token(len: usize) -> String {
    let mut token = String::with_capacity(len);
    let mut bits = 0u64;
    for i in 0..len {
        // 64 bits give 10 characters of 62 with room to spare.
        if i % 10 == 0 {
            bits = random_u64();
        }
        let alphabet_len = TOKEN_ALPHABET.len() as u64;
        token.push(char::from(TOKEN_ALPHABET[(bits % alphabet_len) as usize]));
        bits /= alphabet_len;
    }
    token
}

/// A random `u64` (not for cryptography).
pub fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    static PID: OnceLock<u32> = OnceLock::new();
    hasher.write_u32(*PID.get_or_init(std::process::id));
    if let Ok(since_epoch) = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH) {
        hasher.write_u128(since_epoch.as_nanos());
    }
    hasher.finish()
}

/// Encodes `message` as JSON, refusing one over [`MAX_MESSAGE_SIZE`].
#[cfg(feature = "redis")]
pub fn encode(message: &Message) -> Result<String> {
    let body = serde_json::to_string(message)?;
    if body.len() > MAX_MESSAGE_SIZE {
        return Err(Error::MessageTooLarge {
            size: body.len(),
            max: MAX_MESSAGE_SIZE,
        });
    }
    Ok(body)
}

/// Refuses a message whose JSON encoding is over [`MAX_MESSAGE_SIZE`],
/// counting the bytes without keeping them.
pub fn check_size(message: &Message) -> Result<()> {
    let mut counter = ByteCounter(0);
    serde_json::to_writer(&mut counter, message)?;
    if counter.0 > MAX_MESSAGE_SIZE {
        return Err(Error::MessageTooLarge {
            size: counter.0,
            max: MAX_MESSAGE_SIZE,
        });
    }
    Ok(())
}

struct ByteCounter(usize);

impl io::Write for ByteCounter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Rotates `items` by a random amount, so that a receive over several busy
/// channels does not always favour the first.
pub fn rotate_randomly<T>(items: &mut [T]) {
    if items.len() > 1 {
        let by = (random_u64() % items.len() as u64) as usize;
        items.rotate_left(by);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_table() {
        let longest = "a".repeat(MAX_NAME_LEN);
        let valid = [
            "a",
            "http.request",
            "x-y_z.0?",
            "inbox!",
            "inbox!abc",
            "!",
            &longest,
        ];
        for name in valid {
            assert!(validate_name(name).is_ok(), "{name:?}");
        }
        let too_long = "a".repeat(MAX_NAME_LEN + 1);
        let invalid = ["", &too_long, "a b", "a:b", "a/b", "é", "a!b!", "\n", "a\0"];
        for name in invalid {
            let err = validate_name(name).unwrap_err();
            assert!(matches!(err, Error::InvalidName(_)), "{name:?}");
        }
    }

    #[test]
    fn size_limit_counts_json_bytes() {
        let mut message = Message::new();
        message.insert("t".into(), "x".repeat(MAX_MESSAGE_SIZE - 8).into());
        assert!(check_size(&message).is_ok());
        message.insert("t".into(), "x".repeat(MAX_MESSAGE_SIZE - 7).into());
        let err = check_size(&message).unwrap_err();
        assert!(matches!(err, Error::MessageTooLarge { size, .. } if size == MAX_MESSAGE_SIZE + 1));
    }

    #[test]
    fn queue_of_process_specific_names() {
        let cases = [
            ("plain.name", "plain.name"),
            ("reply.abc!", "reply.abc!"),
            ("reply.abc!x1", "reply.abc!"),
            ("!x", "!"),
        ];
        for (channel, queue) in cases {
            assert_eq!(queue_of(channel), queue, "{channel}");
        }
    }

    #[test]
    fn random_tokens_are_alphanumeric_and_differ() {
        let a = random_token(12);
        let b = random_token(12);
        assert_eq!(a.len(), 12);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a, b);
    }

    #[test]
    fn new_channel_name_rejects_a_bang_inside_the_prefix() {
        assert!(new_channel_name("a!b").is_err());
        assert!(new_channel_name("a!").unwrap().starts_with("a!"));
        assert!(new_channel_name("").is_ok());
    }

    #[test]
    fn receive_queues_refuses_a_full_process_specific_name() {
        assert!(receive_queues(&["a!x"]).is_err());
        assert!(receive_queues(&[]).is_err());
        assert_eq!(receive_queues(&["a!", "b"]).unwrap(), ["a!", "b"]);
    }
}
