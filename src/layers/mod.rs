//! Channel layers: named queues of JSON messages shared by the threads, and
//! with Redis the processes and machines, of a site, as in Django Channels.
//!
//! A [`ChannelLayer`] carries [`Message`]s (JSON maps) on named *channels*
//! and fans them out to named *groups* of channels: a chat view adds its
//! connection's reply channel to the group `"room.lobby"`, and any view, in
//! any thread or process, reaches everyone in the lobby with one
//! [`send_group`](ChannelLayer::send_group).
//!
//! # Choosing a backend
//!
//! Pick one by URL with [`from_url`]:
//!
//! - `memory://` gives an [`InMemoryLayer`]: the default, nothing to run,
//!   fast, but it lives inside one process. Use it in development, in tests,
//!   and in production as long as the site runs as **one** process.
//! - `redis://host:port/db` gives a `RedisLayer` (cargo feature `redis`).
//!   Move to it as soon as a message must cross processes: several server
//!   processes behind a load balancer, several machines, or a worker process
//!   that sends to WebSocket clients. Every process then points at the same
//!   Redis. Needs Redis 6.2 or later.
//! - `channels-redis://host:port/db` gives a `ChannelsRedisLayer` (cargo
//!   feature `channels-redis`): the same, in channels_redis 4's own storage,
//!   so Django Channels 4 processes on that Redis share the groups and
//!   channels. Its messages are Channels 4 events (a `"type"` is required);
//!   bytes are [`bytes_value`]s (`{"$bytes": "<base64>"}`), msgpack `bin` on
//!   the wire.
//!
//! # Delivery semantics
//!
//! These hold for every backend, as in the ASGI channel-layer specification:
//!
//! - **At most once.** A message is delivered to one receiver at most, and
//!   may be lost (expired, dropped on a full group member, Redis restarted).
//!   Channels are first-in, first-out.
//! - **Capacity.** A channel holds at most [`LayerConfig::capacity`] messages
//!   (default 100; a process inbox, see below, holds
//!   [`LayerConfig::inbox_capacity`]); a [`send`](ChannelLayer::send) to a
//!   full channel fails
//!   with [`Error::ChannelFull`](crate::Error::ChannelFull).
//!   [`send_group`](ChannelLayer::send_group) never blocks and never fails
//!   because one member is full: it skips that member (logged at WARN).
//! - **Expiry.** A message unread after [`LayerConfig::expiry`] (default
//!   60 s) is dropped and never delivered. A group member leaves by itself
//!   [`LayerConfig::group_expiry`] (default one day) after its last
//!   [`group_add`](ChannelLayer::group_add), and a channel session as long
//!   after its last [`session_save`](ChannelLayer::session_save).
//! - **Limits.** A message's JSON encoding is at most 1 MiB
//!   ([`Error::MessageTooLarge`](crate::Error::MessageTooLarge)); channel and
//!   group names are 1 to 200 characters from `A-Za-z0-9-_.!?`
//!   ([`Error::InvalidName`](crate::Error::InvalidName)).
//!
//! # Process-specific channels
//!
//! A channel name containing `!` is *process-specific*: the part up to and
//! including the `!` is the *inbox* of one process. Receiving from the inbox
//! (a name ending in `!`) receives the messages sent to every channel that
//! starts with it, and tells which channel each came from. So one thread per
//! process receives for all of that process's connections:
//!
//! ```
//! use std::time::Duration;
//! use wsviews::layers::{self, Message};
//!
//! let layer = layers::from_url("memory://")?;
//! let inbox = layers::process_prefix("wsviews.reply.")?; // once per process
//! let reply = layer.new_channel(&inbox)?; // once per connection
//!
//! layer.send(&reply, &Message::new())?;
//! let (channel, _message) = layer.receive(&[&inbox], Duration::ZERO)?.expect("a message");
//! assert_eq!(channel, reply);
//! # Ok::<(), wsviews::Error>(())
//! ```
//!
//! The channels of an inbox share one queue, whose capacity is
//! [`LayerConfig::inbox_capacity`] (default 10 000) rather than
//! [`LayerConfig::capacity`].

use std::fmt::Debug;

use std::time::Duration;

use crate::Result;

mod binary;
#[cfg(feature = "channels-redis")]
mod channels_redis;
mod config;
mod default;
mod memory;
mod memory_state;
mod names;
#[cfg(feature = "redis")]
mod redis;
#[cfg(any(feature = "redis", feature = "channels-redis"))]
mod redis_pool;
mod safe_name;
mod url;

#[cfg(feature = "channels-redis")]
pub use self::channels_redis::ChannelsRedisLayer;
#[cfg(feature = "redis")]
pub use self::redis::RedisLayer;
pub use binary::{bytes_value, value_bytes, BYTES_TAG};
pub use config::LayerConfig;
pub use default::{default_layer, set_default_layer};
pub use memory::InMemoryLayer;
pub use names::{process_prefix, MAX_MESSAGE_SIZE, MAX_NAME_LEN};
pub use safe_name::safe_name;
pub use url::{from_url, from_url_with_config};

/// A message on a channel layer: a JSON map, such as
/// `{"type": "chat.message", "text": "hello"}`.
pub type Message = serde_json::Map<String, serde_json::Value>;

/// A channel layer: named FIFO channels of [`Message`]s, and groups of
/// channels, shared across threads (and, with Redis, processes).
///
/// The semantics (at-most-once delivery, capacity, expiry, limits) are those
/// described in the [module documentation](self). Every method can block on
/// the network for a Redis layer, but only [`receive`](Self::receive) waits
/// for messages.
///
/// # Example
///
/// ```
/// use std::time::Duration;
/// use serde_json::json;
/// use wsviews::layers::{self, Message};
///
/// let layer = layers::from_url("memory://")?;
///
/// // A consumer adds its channel to a group...
/// let channel = layer.new_channel("chat.client.")?;
/// layer.group_add("room.lobby", &channel)?;
///
/// // ...anyone sends to the group...
/// let mut message = Message::new();
/// message.insert("text".into(), json!("hello"));
/// layer.send_group("room.lobby", &message)?;
///
/// // ...and the consumer receives it.
/// let received = layer.receive(&[&channel], Duration::from_secs(1))?;
/// assert_eq!(received, Some((channel, message)));
/// # Ok::<(), wsviews::Error>(())
/// ```
pub trait ChannelLayer: Send + Sync + Debug {
    /// Sends `message` on `channel`, without waiting for a receiver.
    ///
    /// # Errors
    ///
    /// [`Error::ChannelFull`](crate::Error::ChannelFull) when the channel holds its capacity of unread
    /// messages; [`Error::InvalidName`](crate::Error::InvalidName); [`Error::MessageTooLarge`](crate::Error::MessageTooLarge);
    /// [`Error::Layer`](crate::Error::Layer) when the backend fails (Redis unreachable).
    fn send(&self, channel: &str, message: &Message) -> Result<()>;

    /// Receives the next message from any of `channels`, waiting up to
    /// `timeout` for one (`Duration::ZERO` only looks); returns the channel
    /// it was sent on, and the message, or `None` on timeout.
    ///
    /// A process inbox (a name ending in `!`) receives the messages of every
    /// channel starting with it, and the returned name is the full channel
    /// name. Channels are taken in a random rotation, so that one busy
    /// channel does not starve the others.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidName`](crate::Error::InvalidName) for an empty list, an invalid name, or a
    /// process-specific name that is not an inbox (`"a!b"`: receive from
    /// `"a!"`); [`Error::Layer`](crate::Error::Layer) when the backend fails, which happens within
    /// a few seconds when Redis goes away: a receive loop should log it and
    /// pause (say 1 s) before trying again; the layer reconnects by itself.
    fn receive(&self, channels: &[&str], timeout: Duration) -> Result<Option<(String, Message)>>;

    /// Returns a new, unique channel name: `prefix` followed by a random
    /// token. With a prefix ending in `!` (see [`process_prefix`]), the new
    /// channel is process-specific.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidName`](crate::Error::InvalidName) when the prefix is not valid in a name, has a
    /// `!` elsewhere than at its end, or is too long.
    fn new_channel(&self, prefix: &str) -> Result<String>;

    /// Adds `channel` to `group`, or renews its membership, which expires
    /// [`LayerConfig::group_expiry`] from now.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidName`](crate::Error::InvalidName); [`Error::Layer`](crate::Error::Layer) when the backend fails.
    fn group_add(&self, group: &str, channel: &str) -> Result<()>;

    /// Removes `channel` from `group`; nothing happens if it is not a member.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidName`](crate::Error::InvalidName); [`Error::Layer`](crate::Error::Layer) when the backend fails.
    fn group_discard(&self, group: &str, channel: &str) -> Result<()>;

    /// Returns the channels currently in `group` (unexpired), in no
    /// particular order.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidName`](crate::Error::InvalidName); [`Error::Layer`](crate::Error::Layer) when the backend fails.
    fn group_channels(&self, group: &str) -> Result<Vec<String>>;

    /// A number that changes whenever the members of `group` may have
    /// changed (a join, a leave, an expiry), so that a caller may keep what
    /// it made of [`group_channels`](Self::group_channels) while it stays
    /// the same; `None` (the default) when the layer cannot tell cheaply.
    fn group_version(&self, group: &str) -> Option<u64> {
        let _ = group;
        None
    }

    /// Sends `message` to every channel in `group`. Never blocks on, and
    /// never fails because of, a full member: that member misses the message
    /// (logged at WARN level).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidName`](crate::Error::InvalidName); [`Error::MessageTooLarge`](crate::Error::MessageTooLarge); [`Error::Layer`](crate::Error::Layer)
    /// when the backend fails.
    fn send_group(&self, group: &str, message: &Message) -> Result<()>;

    /// Loads the *channel session* stored under `key` (a reply channel's
    /// name): state that consumers keep per connection, shared by every
    /// worker thread and process on the layer. `None` if there is none, or
    /// it expired.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidName`](crate::Error::InvalidName) for an invalid key; [`Error::Layer`](crate::Error::Layer) when the
    /// backend fails.
    fn session_load(&self, key: &str) -> Result<Option<Message>>;

    /// Stores `session` under `key`, replacing what was there; it expires
    /// [`LayerConfig::group_expiry`] from now (a session lives as long as a
    /// group membership).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidName`](crate::Error::InvalidName); [`Error::MessageTooLarge`](crate::Error::MessageTooLarge) over 1 MiB;
    /// [`Error::Layer`](crate::Error::Layer) when the backend fails.
    fn session_save(&self, key: &str, session: &Message) -> Result<()>;

    /// Deletes the session stored under `key`; nothing happens if there is
    /// none.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidName`](crate::Error::InvalidName); [`Error::Layer`](crate::Error::Layer) when the backend fails.
    fn session_delete(&self, key: &str) -> Result<()>;

    /// A new process inbox (a name ending in `!`, see
    /// [`process_prefix`]) for one server's reply channels: by default
    /// `wsviews.reply.<random>!`; on the channels-redis layer
    /// `specific.<32 hex digits>!`, so that reply channels look like
    /// channels_redis' own (`specific.<hex>!<hex>`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidName`](crate::Error::InvalidName) if the layer cannot make one.
    fn new_inbox(&self) -> Result<String> {
        process_prefix("wsviews.reply.")
    }

    /// The `"type"` of the WebSocket messages wsviews sends through this
    /// layer ([`Group::send`](crate::Group::send)), when the layer carries
    /// Django Channels 4 events (`{"type": ..., "text": ...}`, the
    /// channels-redis layer); `None`, the default, for wsviews' own
    /// "WebSocket Send/Close" messages (`{"content": ...}`).
    fn event_type(&self) -> Option<&str> {
        None
    }

    /// How long a group membership lasts after its last
    /// [`group_add`](Self::group_add) ([`LayerConfig::group_expiry`]);
    /// servers renew their live connections' memberships well before.
    /// Defaults to one day.
    fn group_expiry(&self) -> Duration {
        LayerConfig::default().group_expiry
    }

    /// Whether every receiver of this layer lives in this process (the
    /// in-memory layer): a group send then hands the message to the local
    /// WebSockets directly instead of queueing it on their channels.
    /// Defaults to `false`.
    fn is_in_process(&self) -> bool {
        false
    }
}
