//! The Channels-compatible Redis layer: channels_redis 4's storage, so that
//! a Django Channels 4 site and wsviews processes share channels and groups
//! on one Redis.
//!
//! The layout (see also `wire.rs`), with `asgi` the default prefix:
//!
//! - the queue of a channel is the sorted set `asgi<channel>`, or
//!   `asgi<inbox>!` for a process-specific channel `<inbox>!<local>`;
//!   members are 12 random bytes and a msgpack body (`codec.rs`), scored by
//!   the send time in seconds; messages older than the expiry are trimmed
//!   on each send;
//! - in a process inbox, the body's `__asgi_channel__` names the channel: a
//!   string on `send`, a list of every member behind that inbox on a group
//!   send (one stored message per inbox);
//! - a group is the sorted set `asgi:group:<name>` of channels, scored by
//!   join time;
//! - a receiver keeps what it popped in `<queue>$inflight` until it has
//!   decoded it, and puts anything left there back first.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use redis::Script;

use super::redis_pool::RedisPool;
use super::{LayerConfig, Message};
use crate::Result;

mod codec;
mod ops;
mod receive;
mod scripts;
mod url;
mod wire;

/// Messages received for several channels at once, waiting for their turn:
/// queue name → (channel, message).
type Buffer = HashMap<String, VecDeque<(String, Message)>>;

/// The Channels-compatible Redis layer (`channels-redis://host:port/db`,
/// cargo feature `channels-redis`): channels_redis 4's `RedisChannelLayer`
/// on the wire, so Django Channels 4 processes and wsviews processes
/// sharing one Redis (and prefix) reach each other's channels and groups.
///
/// URL parameters, named as channels_redis names its settings:
/// `?prefix=` (default `asgi`), `?capacity=` (default 100),
/// `?expiry=` (seconds, default 60), `?group_expiry=` (seconds, default
/// 86 400); and `?event_type=`, the `"type"` of the WebSocket messages that
/// wsviews sends to groups through this layer (default `websocket.send`; a
/// Django consumer handles type `a.b` in its method `a_b`).
///
/// What differs from wsviews' own Redis layer, as in channels_redis:
///
/// - Every message must have a string `"type"`
///   ([`Error::InvalidMessage`](crate::Error::InvalidMessage) otherwise):
///   without one, the receiving Django consumer dies.
/// - Names follow the Channels rules: fewer than 100 characters, ASCII
///   letters, digits, `-_.`, and for channels one `!`.
/// - One capacity for every queue, a process inbox included
///   ([`LayerConfig::inbox_capacity`] is not used); the 1 MiB limit counts
///   the msgpack body.
/// - Bytes travel as msgpack `bin`; in a [`Message`] they are
///   [`bytes_value`](crate::layers::bytes_value)s.
/// - One Redis host: several hosts (channels_redis sharding) are refused.
///
/// A group send skips a full member queue (as channels_redis does); the
/// layer counts those ([`skipped_full`](Self::skipped_full)) and logs them
/// at WARN, at most every 10 s. Connections: as the `redis://` layer.
pub struct ChannelsRedisLayer {
    pool: RedisPool,
    config: LayerConfig,
    prefix: String,
    event_type: String,
    buffer: Mutex<Buffer>,
    /// Queue keys this process receives from right now → how many receivers.
    receiving: Mutex<HashMap<String, usize>>,
    scripts: Scripts,
    counters: Counters,
}

struct Scripts {
    send: Script,
    group_send: Script,
    restore_inflight: Script,
    flush: Script,
}

/// What the layer dropped, and when it last said so.
#[derive(Default)]
struct Counters {
    skipped_full: AtomicU64,
    undeliverable: AtomicU64,
    last_warning: Mutex<Option<Instant>>,
}

/// How often the layer logs dropped messages at WARN, at most.
const WARN_EVERY: Duration = Duration::from_secs(10);

/// What a late reply means here: a message popped for a receive stays in
/// its queue's in-flight backup and is received again.
const LATE_REPLY: &str = "a send may arrive late; a message popped for a receive is received again";

impl ChannelsRedisLayer {
    /// Creates a layer for `url` (`channels-redis://host:port/db?...`), with
    /// the default [`LayerConfig`] and the URL's parameters. Does not
    /// connect yet.
    ///
    /// # Errors
    ///
    /// [`Error::Config`](crate::Error::Config) for a malformed URL or
    /// parameter, or several hosts.
    pub fn from_url(url: &str) -> Result<Self> {
        ChannelsRedisLayer::from_url_with_config(url, LayerConfig::default())
    }

    /// Creates a layer for `url` with `config`; the URL's parameters win.
    ///
    /// # Errors
    ///
    /// As [`from_url`](Self::from_url), and for an invalid `config`.
    pub fn from_url_with_config(url: &str, config: LayerConfig) -> Result<Self> {
        let parsed = url::parse(url, config)?;
        Ok(ChannelsRedisLayer {
            pool: RedisPool::open(&parsed.redis_url, LATE_REPLY)?,
            config: parsed.config,
            prefix: parsed.prefix,
            event_type: parsed.event_type,
            buffer: Mutex::default(),
            receiving: Mutex::default(),
            scripts: Scripts {
                send: Script::new(scripts::SEND),
                group_send: Script::new(scripts::GROUP_SEND),
                restore_inflight: Script::new(scripts::RESTORE_INFLIGHT),
                flush: Script::new(scripts::FLUSH),
            },
            counters: Counters::default(),
        })
    }

    /// The key prefix (channels_redis' `prefix`).
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// How many times a group send skipped a member queue because it was
    /// full, since the layer was created.
    pub fn skipped_full(&self) -> u64 {
        self.counters.skipped_full.load(Ordering::Relaxed)
    }

    /// How many received messages were dropped because they could not be
    /// decoded, had expired, or named channels outside the inbox.
    pub fn undeliverable(&self) -> u64 {
        self.counters.undeliverable.load(Ordering::Relaxed)
    }

    /// Deletes every key under the prefix: all channels, groups and
    /// sessions of every process using this prefix (channels_redis'
    /// `flush`). Returns how many keys it deleted.
    ///
    /// # Errors
    ///
    /// [`Error::Layer`](crate::Error::Layer) when Redis fails.
    pub fn flush(&self) -> Result<usize> {
        let pattern = format!("{}*", self.prefix);
        self.buffer_lock().clear();
        self.pool
            .with_connection(|c| self.scripts.flush.arg(&pattern).invoke(c))
    }

    fn buffer_lock(&self) -> MutexGuard<'_, Buffer> {
        self.buffer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts `n` dropped messages, and logs at WARN unless it did so less
    /// than [`WARN_EVERY`] ago.
    fn dropped(&self, counter: &AtomicU64, n: u64, why: fmt::Arguments<'_>) {
        counter.fetch_add(n, Ordering::Relaxed);
        let mut last = self
            .counters
            .last_warning
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if last.is_none_or(|at| at.elapsed() >= WARN_EVERY) {
            *last = Some(Instant::now());
            log::warn!(
                "channels-redis layer: {why} (so far {} skipped full, {} undeliverable)",
                self.skipped_full(),
                self.undeliverable()
            );
        } else {
            log::debug!("channels-redis layer: {why}");
        }
    }
}

impl fmt::Debug for ChannelsRedisLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChannelsRedisLayer")
            .field("address", &self.pool.address())
            .field("prefix", &self.prefix)
            .field("event_type", &self.event_type)
            .field("config", &self.config)
            .field("skipped_full", &self.skipped_full())
            .field("undeliverable", &self.undeliverable())
            .finish()
    }
}

/// Now, in seconds since the Unix epoch (the score channels_redis uses).
fn now_seconds() -> f64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}
