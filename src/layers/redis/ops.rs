//! The channel-layer operations of [`RedisLayer`], as Redis commands.

use std::time::{Duration, Instant};

use redis::{Connection, RedisResult};

use super::{channel_of, group_key, millis, now_millis, queue_key, session_key, RedisLayer};
use crate::layers::redis_pool::{query_blocking, wait_until};
use crate::layers::{names, ChannelLayer, Message};
use crate::{Error, Result};

/// How many group members one run of the send script serves at most, so
/// that a huge group does not hold Redis in one long script.
const GROUP_CHUNK: usize = 500;

impl ChannelLayer for RedisLayer {
    fn send(&self, channel: &str, message: &Message) -> Result<()> {
        names::validate_name(channel)?;
        let body = names::encode(message)?;
        let full = self.push(&[channel.to_owned()], &body)?;
        if full.is_empty() {
            Ok(())
        } else {
            Err(Error::ChannelFull(channel.to_owned()))
        }
    }

    fn receive(&self, channels: &[&str], timeout: Duration) -> Result<Option<(String, Message)>> {
        let mut queues = names::receive_queues(channels)?;
        names::rotate_randomly(&mut queues);
        let keys: Vec<String> = queues.iter().map(|queue| queue_key(queue)).collect();
        let deadline = Instant::now().checked_add(timeout);
        let taken = match (queues.as_slice(), keys.as_slice()) {
            ([queue], [key]) if queue.ends_with('!') => self.receive_inbox(key, deadline)?,
            _ => self
                .pool
                .with_connection(|c| take_next(c, &keys, deadline))?,
        };
        let Some((body_key, body)) = taken else {
            return Ok(None);
        };
        let message = serde_json::from_str(&body)?;
        Ok(Some((channel_of(&body_key)?, message)))
    }

    fn new_channel(&self, prefix: &str) -> Result<String> {
        names::new_channel_name(prefix)
    }

    fn group_add(&self, group: &str, channel: &str) -> Result<()> {
        names::validate_name(group)?;
        names::validate_name(channel)?;
        let key = group_key(group);
        let lifetime = millis(self.config.group_expiry);
        let expires = now_millis().saturating_add(lifetime);
        self.pool.with_connection(|c| {
            redis::pipe()
                .atomic()
                .cmd("ZADD")
                .arg(&key)
                .arg(expires)
                .arg(channel)
                .ignore()
                .cmd("PEXPIRE")
                .arg(&key)
                .arg(lifetime)
                .ignore()
                .query(c)
        })
    }

    fn group_discard(&self, group: &str, channel: &str) -> Result<()> {
        names::validate_name(group)?;
        names::validate_name(channel)?;
        let key = group_key(group);
        self.pool
            .with_connection(|c| redis::cmd("ZREM").arg(&key).arg(channel).query(c))
    }

    fn group_channels(&self, group: &str) -> Result<Vec<String>> {
        names::validate_name(group)?;
        let key = group_key(group);
        let (members,): (Vec<String>,) = self.pool.with_connection(|c| {
            redis::pipe()
                .atomic()
                .cmd("ZREMRANGEBYSCORE")
                .arg(&key)
                .arg("-inf")
                .arg(now_millis())
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
        let body = names::encode(message)?;
        let members = self.group_channels(group)?;
        let mut full = 0;
        for chunk in members.chunks(GROUP_CHUNK) {
            full += self.push(chunk, &body)?.len();
        }
        if full > 0 {
            log::warn!(
                "group {group:?}: {full} of {} member(s) missed a message: their channel or process inbox is full",
                members.len()
            );
        }
        Ok(())
    }

    fn session_load(&self, key: &str) -> Result<Option<Message>> {
        names::validate_name(key)?;
        let body: Option<String> = self.pool.get(&session_key(key))?;
        body.map(|body| serde_json::from_str(&body).map_err(Error::from))
            .transpose()
    }

    fn session_save(&self, key: &str, session: &Message) -> Result<()> {
        names::validate_name(key)?;
        let body = names::encode(session)?;
        let lifetime = self.config.group_expiry;
        self.pool.set_expiring(&session_key(key), body, lifetime)
    }

    fn session_delete(&self, key: &str) -> Result<()> {
        names::validate_name(key)?;
        self.pool.delete(&session_key(key))
    }

    fn group_expiry(&self) -> Duration {
        self.config.group_expiry
    }
}

/// Pops body keys from the first non-empty queue until one whose body has
/// not expired, waiting until `deadline` (`None`: for ever) for one; takes
/// and deletes that body. Returns the body key and the body.
fn take_next(
    c: &mut Connection,
    queues: &[String],
    deadline: Option<Instant>,
) -> RedisResult<Option<(String, String)>> {
    loop {
        let wait = wait_until(deadline);
        let popped = if wait.is_zero() {
            pop_now(c, queues)?
        } else {
            pop_blocking(c, queues, wait)?
        };
        let Some(body_key) = popped else {
            if deadline.is_none() {
                continue;
            }
            return Ok(None);
        };
        let (body,): (Option<String>,) = redis::pipe()
            .atomic()
            .cmd("GET")
            .arg(&body_key)
            .cmd("DEL")
            .arg(&body_key)
            .ignore()
            .query(c)?;
        if let Some(body) = body {
            return Ok(Some((body_key, body)));
        }
        // The body expired: an expired message is never delivered.
    }
}

/// `LPOP`s the queues in turn, without waiting.
fn pop_now(c: &mut Connection, queues: &[String]) -> RedisResult<Option<String>> {
    for queue in queues {
        let popped: Option<String> = redis::cmd("LPOP").arg(queue).query(c)?;
        if popped.is_some() {
            return Ok(popped);
        }
    }
    Ok(None)
}

/// `BLPOP`s the queues for up to `wait`, giving the socket that long (and
/// [`IO_TIMEOUT`] more) to answer.
fn pop_blocking(
    c: &mut Connection,
    queues: &[String],
    wait: Duration,
) -> RedisResult<Option<String>> {
    let popped: Option<(String, String)> =
        query_blocking(c, redis::cmd("BLPOP").arg(queues), wait)?;
    Ok(popped.map(|(_queue, body_key)| body_key))
}
