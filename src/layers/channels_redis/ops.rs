//! The channel-layer operations of [`ChannelsRedisLayer`], as channels_redis
//! runs them.

use std::time::Duration;

use super::{codec, now_seconds, wire, ChannelsRedisLayer};
use crate::layers::redis_pool::millis;
use crate::layers::{ChannelLayer, Message};
use crate::{Error, Result};

/// How many member queues one run of the group-send script serves at most.
const GROUP_CHUNK: usize = 500;
/// How many bytes of bodies one run of the group-send script carries at
/// most (beyond one body), so that a big message to many queues is not
/// all encoded at once.
const GROUP_CHUNK_BYTES: usize = 8 * 1024 * 1024;

impl ChannelLayer for ChannelsRedisLayer {
    fn send(&self, channel: &str, message: &Message) -> Result<()> {
        wire::validate_channel(channel, false)?;
        let body = wire::send_body(channel, message)?;
        let key = wire::queue_key(&self.prefix, channel);
        let now = now_seconds();
        let mut invocation = self.scripts.send.prepare_invoke();
        invocation
            .key(&key)
            .arg(wire::member(&body))
            .arg(score(now))
            .arg(score(now - self.config.expiry.as_secs_f64()))
            .arg(self.config.capacity)
            .arg(millis(self.config.expiry));
        let added: u8 = self.pool.with_connection(|c| invocation.invoke(c))?;
        if added == 1 {
            Ok(())
        } else {
            Err(Error::ChannelFull(channel.to_owned()))
        }
    }

    fn receive(&self, channels: &[&str], timeout: Duration) -> Result<Option<(String, Message)>> {
        self.receive_any(channels, timeout)
    }

    fn new_channel(&self, prefix: &str) -> Result<String> {
        wire::new_channel_name(prefix)
    }

    fn group_add(&self, group: &str, channel: &str) -> Result<()> {
        wire::validate_group(group)?;
        wire::validate_channel(channel, false)?;
        let key = wire::group_key(&self.prefix, group);
        self.pool.with_connection(|c| {
            redis::pipe()
                .atomic()
                .cmd("ZADD")
                .arg(&key)
                .arg(score(now_seconds()))
                .arg(channel)
                .ignore()
                .cmd("PEXPIRE")
                .arg(&key)
                .arg(millis(self.config.group_expiry))
                .ignore()
                .query(c)
        })
    }

    fn group_discard(&self, group: &str, channel: &str) -> Result<()> {
        wire::validate_group(group)?;
        wire::validate_channel(channel, false)?;
        let key = wire::group_key(&self.prefix, group);
        self.pool
            .with_connection(|c| redis::cmd("ZREM").arg(&key).arg(channel).query(c))
    }

    fn group_channels(&self, group: &str) -> Result<Vec<String>> {
        wire::validate_group(group)?;
        let key = wire::group_key(&self.prefix, group);
        let joined_before = now_seconds() - self.config.group_expiry.as_secs_f64();
        let (members,): (Vec<String>,) = self.pool.with_connection(|c| {
            redis::pipe()
                .atomic()
                .cmd("ZREMRANGEBYSCORE")
                .arg(&key)
                .arg(0)
                .arg(score(joined_before))
                .ignore()
                .cmd("ZRANGE")
                .arg(&key)
                .arg(0)
                .arg(-1)
                .query(c)
        })?;
        Ok(members)
    }

    fn send_group(&self, group: &str, message: &Message) -> Result<()> {
        wire::validate_group(group)?;
        wire::check_event(message)?;
        let members = self.group_channels(group)?;
        let mut batch = Vec::new();
        let mut bytes = 0;
        for body in wire::group_bodies(&self.prefix, &members, message)? {
            let (key, body) = body?;
            bytes += body.len();
            batch.push((key, body));
            if batch.len() >= GROUP_CHUNK || bytes >= GROUP_CHUNK_BYTES {
                self.push_batch(group, &batch)?;
                batch.clear();
                bytes = 0;
            }
        }
        if !batch.is_empty() {
            self.push_batch(group, &batch)?;
        }
        Ok(())
    }

    fn session_load(&self, key: &str) -> Result<Option<Message>> {
        wire::validate_channel(key, false)?;
        let key = wire::session_key(&self.prefix, key);
        let body: Option<Vec<u8>> = self.pool.get(&key)?;
        body.map(|body| codec::decode(&body)).transpose()
    }

    fn session_save(&self, key: &str, session: &Message) -> Result<()> {
        wire::validate_channel(key, false)?;
        let body = wire::encode_limited(session)?;
        let key = wire::session_key(&self.prefix, key);
        self.pool.set_expiring(&key, body, self.config.group_expiry)
    }

    fn session_delete(&self, key: &str) -> Result<()> {
        wire::validate_channel(key, false)?;
        self.pool.delete(&wire::session_key(&self.prefix, key))
    }

    fn new_inbox(&self) -> Result<String> {
        Ok(format!("specific.{}!", wire::random_hex()))
    }

    fn event_type(&self) -> Option<&str> {
        Some(&self.event_type)
    }
}

impl ChannelsRedisLayer {
    /// Stores one batch of a group send, counting and logging full queues.
    fn push_batch(&self, group: &str, batch: &[(String, Vec<u8>)]) -> Result<()> {
        let skipped = self.push_group(batch)?;
        if let Some(first) = skipped.first() {
            let n = skipped.len() as u64;
            let why =
                format_args!("group {group:?}: skipped {n} full member queue(s), e.g. {first:?}");
            self.dropped(&self.counters.skipped_full, n, why);
        }
        Ok(())
    }

    /// Runs the group-send script for `(queue key, body)` pairs; returns the
    /// keys of the queues that were full.
    fn push_group(&self, bodies: &[(String, Vec<u8>)]) -> Result<Vec<String>> {
        let now = now_seconds();
        let mut invocation = self.scripts.group_send.prepare_invoke();
        for (key, _) in bodies {
            invocation.key(key);
        }
        for (_, body) in bodies {
            invocation.arg(wire::member(body));
        }
        invocation
            .arg(score(now))
            .arg(score(now - self.config.expiry.as_secs_f64()))
            .arg(self.config.capacity)
            .arg(millis(self.config.expiry));
        let skipped: Vec<usize> = self.pool.with_connection(|c| invocation.invoke(c))?;
        let skipped = skipped.into_iter().filter_map(|n| n.checked_sub(1));
        Ok(skipped
            .filter_map(|i| bodies.get(i).map(|(key, _)| key.clone()))
            .collect())
    }
}

/// A score as Redis reads it: seconds with microseconds, as Python's
/// `time.time()` gives.
pub(super) fn score(seconds: f64) -> String {
    format!("{seconds:.6}")
}
