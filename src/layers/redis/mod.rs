//! The Redis channel layer: channels and groups shared by every process
//! that points at the same Redis.
//!
//! Storage, after asgi_redis (every key starts with `wsviews:`):
//!
//! - each message body is its own key, `wsviews:msg:<channel>:<token>`, set
//!   with an expiry (`SET ... PX`), so an expired message is gone;
//! - a queue (a channel, or a process inbox) is the list
//!   `wsviews:queue:<name>` of body keys, `RPUSH`ed by a Lua script that
//!   checks the capacity atomically and renews the list's expiry; `BLPOP`
//!   receives, skipping keys whose body expired; the body key names the
//!   channel, so an inbox knows which of its channels a message was sent on;
//! - a group is the sorted set `wsviews:group:<name>` of channels scored by
//!   the time (ms since the epoch) their membership expires;
//! - a channel session is the JSON string `wsviews:session:<key>`, set with
//!   the group expiry.
//!
//! Connections: see [`RedisLayer`].

use std::fmt;
use std::time::SystemTime;

use redis::Script;

use super::names::{self, queue_of};
use super::redis_pool::{millis, RedisPool};
use super::LayerConfig;
use crate::{Error, Result};

mod inbox;
mod ops;

const MSG_PREFIX: &str = "wsviews:msg:";
const QUEUE_PREFIX: &str = "wsviews:queue:";
const GROUP_PREFIX: &str = "wsviews:group:";
const SESSION_PREFIX: &str = "wsviews:session:";

/// Appends one body to several queues, each with its own body key:
/// KEYS = queue1, body1, queue2, body2, ...; ARGV = body, capacity, inbox
/// capacity (for queues ending in `!`), expiry in ms. Before refusing a full queue it drops the keys at its head whose
/// body has expired. Returns the 1-based pair numbers of the full queues.
const SEND_SCRIPT: &str = r"
local expiry = tonumber(ARGV[4])
local full = {}
for i = 1, #KEYS, 2 do
  local queue, body = KEYS[i], KEYS[i + 1]
  local capacity = tonumber(ARGV[2])
  if string.sub(queue, -1) == '!' then capacity = tonumber(ARGV[3]) end
  while redis.call('LLEN', queue) >= capacity do
    local head = redis.call('LINDEX', queue, 0)
    if not head or redis.call('EXISTS', head) == 1 then break end
    redis.call('LPOP', queue)
  end
  if redis.call('LLEN', queue) >= capacity then
    full[#full + 1] = (i + 1) / 2
  else
    redis.call('SET', body, ARGV[1], 'PX', expiry)
    redis.call('RPUSH', queue, body)
    redis.call('PEXPIRE', queue, expiry + 1000)
  end
end
return full
";

/// The Redis channel layer (`redis://host:port/db`, cargo feature `redis`):
/// channels and groups shared by every process, on every machine, that uses
/// the same Redis (6.2 or later) and database.
///
/// # Connections and failures
///
/// The layer keeps a small pool of idle connections (at most 16). Each
/// operation borrows one, or opens one if none is idle, and gives it back
/// when done, so threads never wait for each other's commands; a `receive`
/// keeps its connection for the whole of its `BLPOP`, since a blocked
/// connection can serve nobody else.
///
/// Nothing waits on Redis for ever: connecting times out after 2 s, and a
/// command's reply after 3 s (after the `BLPOP`'s own timeout). When Redis
/// is unreachable, operations return [`Error::Layer`]; a connection that
/// saw any error is dropped rather than pooled, and the next operation
/// connects anew, so the layer recovers by itself once Redis is back.
/// Creating the layer does not connect.
///
/// Clocks: group membership expiry uses this machine's clock, so machines
/// sharing a Redis should keep their clocks in sync.
pub struct RedisLayer {
    pool: RedisPool,
    config: LayerConfig,
    send_script: Script,
    restore_script: Script,
    suspect: inbox::Suspect,
}

impl RedisLayer {
    /// Creates a layer for the Redis at `url` (`redis://host:port/db`),
    /// with the default [`LayerConfig`]. Does not connect yet.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when `url` is not a valid Redis URL.
    pub fn from_url(url: &str) -> Result<Self> {
        RedisLayer::from_url_with_config(url, LayerConfig::default())
    }

    /// Creates a layer for the Redis at `url` with `config`.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when `url` is not a valid Redis URL or `config` is
    /// invalid (see [`LayerConfig::validate`]).
    pub fn from_url_with_config(url: &str, config: LayerConfig) -> Result<Self> {
        config.validate()?;
        Ok(RedisLayer {
            pool: RedisPool::open(url, LATE_REPLY)?,
            config,
            send_script: Script::new(SEND_SCRIPT),
            restore_script: Script::new(inbox::RESTORE_SCRIPT),
            suspect: inbox::Suspect::default(),
        })
    }

    /// Runs the send script for `channels`, returning the ones that were full.
    fn push(&self, channels: &[String], body: &str) -> Result<Vec<String>> {
        let mut invocation = self.send_script.prepare_invoke();
        for channel in channels {
            invocation.key(queue_key(queue_of(channel)));
            invocation.key(format!("{MSG_PREFIX}{channel}:{}", names::random_token(16)));
        }
        invocation
            .arg(body)
            .arg(self.config.capacity)
            .arg(self.config.inbox_capacity)
            .arg(millis(self.config.expiry));
        let full: Vec<usize> = self.pool.with_connection(|c| invocation.invoke(c))?;
        let full = full.into_iter().filter_map(|n| n.checked_sub(1));
        Ok(full.filter_map(|i| channels.get(i).cloned()).collect())
    }
}

impl fmt::Debug for RedisLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisLayer")
            .field("address", &self.pool.address())
            .field("config", &self.config)
            .field("idle_connections", &self.pool.idle_count())
            .finish()
    }
}

fn queue_key(queue: &str) -> String {
    format!("{QUEUE_PREFIX}{queue}")
}

fn group_key(group: &str) -> String {
    format!("{GROUP_PREFIX}{group}")
}

fn session_key(key: &str) -> String {
    format!("{SESSION_PREFIX}{key}")
}

/// The channel a body key was sent on: `wsviews:msg:<channel>:<token>`.
fn channel_of(body_key: &str) -> Result<String> {
    body_key
        .strip_prefix(MSG_PREFIX)
        .and_then(|rest| rest.rsplit_once(':'))
        .map(|(channel, _token)| channel.to_owned())
        .ok_or_else(|| Error::Layer(format!("unexpected key {body_key:?} in a channel queue")))
}

/// What a late reply means here: a process inbox keeps what it takes in
/// flight until it has it; other channels pop at most once.
const LATE_REPLY: &str = "a send may arrive late; a message popped for a receive is received again \
     from a process inbox (a channel with '!'), and lost from other channels, which pop at most once";

/// Milliseconds since the Unix epoch, on this machine's clock.
fn now_millis() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, millis)
}
