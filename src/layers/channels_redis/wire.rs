//! channels_redis 4's layout, as pure functions: names and their rules,
//! Redis keys, the random member prefix, and the reserved
//! `__asgi_channel__` key that routes a message inside a process inbox.

use std::collections::HashMap;

use serde_json::Value;

use super::codec;
use crate::layers::names::{random_u64, MAX_MESSAGE_SIZE};
use crate::layers::Message;
use crate::{Error, Result};

/// Channels' name limit: names are shorter than 100 characters.
pub const NAME_LIMIT: usize = 100;
/// The reserved key naming the channel(s) a stored message is for.
pub const ASGI_CHANNEL: &str = "__asgi_channel__";
/// The random bytes before each body, so that equal bodies are distinct
/// members of a queue's sorted set.
pub const RANDOM_PREFIX_LEN: usize = 12;

/// Checks a channel name as Channels does: shorter than 100 characters,
/// `^[a-zA-Z\d\-_.]+(\![\d\w\-_.]*)?$` (ASCII only). With `receive`, a
/// process-specific name must end at its `!` (the inbox).
pub fn validate_channel(name: &str, receive: bool) -> Result<()> {
    check_length("channel", name)?;
    let (global, local) = match name.split_once('!') {
        Some((global, local)) => (global, Some(local)),
        None => (name, None),
    };
    let local_ok = local.is_none_or(|local| local.bytes().all(is_name_byte));
    if global.is_empty() || !global.bytes().all(is_name_byte) || !local_ok {
        return Err(Error::InvalidName(format!(
            "{name:?} is not a Channels channel name: ASCII letters, digits, '-', '_' \
             and '.', then at most one '!' and more of them"
        )));
    }
    if receive && local.is_some_and(|local| !local.is_empty()) {
        return Err(Error::InvalidName(format!(
            "cannot receive from {name:?}: receive from its process inbox {:?}",
            non_local(name)
        )));
    }
    Ok(())
}

/// Checks a group name as Channels does: shorter than 100 characters,
/// `^[a-zA-Z\d\-_.]+$`.
pub fn validate_group(name: &str) -> Result<()> {
    check_length("group", name)?;
    if name.is_empty() || !name.bytes().all(is_name_byte) {
        return Err(Error::InvalidName(format!(
            "{name:?} is not a Channels group name: ASCII letters, digits, '-', '_' and '.'"
        )));
    }
    Ok(())
}

fn check_length(what: &str, name: &str) -> Result<()> {
    let chars = name.chars().count();
    if chars >= NAME_LIMIT {
        return Err(Error::InvalidName(format!(
            "the {what} name is {chars} characters long; Channels allows fewer than {NAME_LIMIT}"
        )));
    }
    Ok(())
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')
}

/// The part of a channel name that names its queue: up to and including
/// the first `!`, or the whole name.
pub fn non_local(channel: &str) -> &str {
    match channel.find('!') {
        Some(bang) => &channel[..=bang],
        None => channel,
    }
}

/// A new channel name: `prefix` and 32 random hex digits, like the uuid4
/// hex that channels_redis uses (`specific.<hex>!<hex>`).
pub fn new_channel_name(prefix: &str) -> Result<String> {
    if prefix.contains('!') && !prefix.ends_with('!') {
        return Err(Error::InvalidName(format!(
            "channel prefix {prefix:?} has a '!' that is not at its end"
        )));
    }
    let name = format!("{prefix}{}", random_hex());
    validate_channel(&name, false)?;
    Ok(name)
}

/// 32 random lowercase hex digits.
pub fn random_hex() -> String {
    format!("{:016x}{:016x}", random_u64(), random_u64())
}

/// The sorted set holding `channel`'s messages: `prefix` + its non-local
/// part, no separator (`asgiworker.jobs`, `asgispecific.ab12!`).
pub fn queue_key(prefix: &str, channel: &str) -> String {
    format!("{prefix}{}", non_local(channel))
}

/// The sorted set of a group's channels: `asgi:group:chat`.
pub fn group_key(prefix: &str, group: &str) -> String {
    format!("{prefix}:group:{group}")
}

/// The in-flight backup of a queue, which receive uses.
pub fn inflight_key(queue_key: &str) -> String {
    format!("{queue_key}$inflight")
}

/// Where wsviews keeps a channel session (Channels 4 has none): under the
/// prefix, so that a flush removes it too.
pub fn session_key(prefix: &str, key: &str) -> String {
    format!("{prefix}:wsviews-session:{key}")
}

/// A sorted-set member: 12 random bytes, then `body`.
pub fn member(body: &[u8]) -> Vec<u8> {
    let mut member = Vec::with_capacity(RANDOM_PREFIX_LEN + body.len());
    member.extend_from_slice(&random_u64().to_le_bytes());
    member.extend_from_slice(&random_u64().to_le_bytes()[..RANDOM_PREFIX_LEN - 8]);
    member.extend_from_slice(body);
    member
}

/// The body of a sorted-set member, without its random prefix.
pub fn body_of(member: &[u8]) -> Result<&[u8]> {
    member
        .get(RANDOM_PREFIX_LEN..)
        .ok_or_else(|| Error::InvalidMessage(format!("a {}-byte queue member", member.len())))
}

/// Refuses a message that a Django consumer cannot take: one without a
/// string `"type"`, or with the reserved `__asgi_channel__`.
pub fn check_event(message: &Message) -> Result<()> {
    if !message.get("type").is_some_and(Value::is_string) {
        return Err(Error::InvalidMessage(
            "a message on a channels-redis layer needs a string \"type\" (such as \
             \"chat.message\"): without one the receiving Django consumer fails"
                .into(),
        ));
    }
    if message.contains_key(ASGI_CHANNEL) {
        return Err(Error::InvalidMessage(format!(
            "{ASGI_CHANNEL:?} is reserved for the layer"
        )));
    }
    Ok(())
}

/// Encodes `message`, refusing a body over 1 MiB.
pub fn encode_limited(message: &Message) -> Result<Vec<u8>> {
    let body = codec::encode(message)?;
    if body.len() > MAX_MESSAGE_SIZE {
        return Err(Error::MessageTooLarge {
            size: body.len(),
            max: MAX_MESSAGE_SIZE,
        });
    }
    Ok(body)
}

/// Encodes `message` with its routing key. The 1 MiB limit counts the
/// message as the sender wrote it: the list of members behind an inbox
/// (74 bytes each) must not make a big group refuse every message.
fn encode_routed(message: &Message, routing: Value) -> Result<Vec<u8>> {
    let mut routed = message.clone();
    routed.insert(ASGI_CHANNEL.into(), routing);
    codec::encode(&routed)
}

/// The body that `send(channel, message)` stores: for a process-specific
/// channel, `__asgi_channel__` is the full channel name.
pub fn send_body(channel: &str, message: &Message) -> Result<Vec<u8>> {
    check_event(message)?;
    let body = encode_limited(message)?;
    if !channel.contains('!') {
        return Ok(body);
    }
    encode_routed(message, Value::String(channel.into()))
}

/// The queues a group send stores into, each with its body: one per queue
/// key, whose `__asgi_channel__` lists every member channel behind it (as
/// channels_redis does, for plain channels too). In first-seen order, each
/// body encoded only when the iterator reaches it.
pub fn group_bodies<'a>(
    prefix: &str,
    members: &[String],
    message: &'a Message,
) -> Result<impl Iterator<Item = Result<(String, Vec<u8>)>> + 'a> {
    check_event(message)?;
    encode_limited(message)?;
    let mut buckets: Vec<(String, Vec<Value>)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for channel in members {
        let key = queue_key(prefix, channel);
        let at = *index.entry(key.clone()).or_insert_with(|| {
            buckets.push((key, Vec::new()));
            buckets.len() - 1
        });
        buckets[at].1.push(Value::String(channel.clone()));
    }
    Ok(buckets.into_iter().map(move |(key, channels)| {
        encode_routed(message, Value::Array(channels)).map(|body| (key, body))
    }))
}

/// Where a message popped from `queue` goes: to each channel that its
/// `__asgi_channel__` names inside that inbox, or else to `queue` itself.
/// Returns the deliveries and the names it ignored (outside the inbox, or
/// not strings).
pub fn route(queue: &str, mut message: Message) -> (Vec<(String, Message)>, usize) {
    let routed = message.remove(ASGI_CHANNEL);
    if !queue.ends_with('!') {
        return (vec![(queue.to_owned(), message)], 0);
    }
    let names: Vec<Value> = match routed {
        Some(Value::String(name)) => vec![Value::String(name)],
        Some(Value::Array(names)) => names,
        _ => return (vec![(queue.to_owned(), message)], 0),
    };
    let total = names.len();
    let out: Vec<(String, Message)> = names
        .into_iter()
        .filter_map(|name| match name {
            Value::String(name) if name.starts_with(queue) => Some((name, message.clone())),
            _ => None,
        })
        .collect();
    let ignored = total - out.len();
    (out, ignored)
}

#[cfg(test)]
#[path = "wire_tests.rs"]
mod tests;
