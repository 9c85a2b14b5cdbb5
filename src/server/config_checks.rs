//! What the server makes of its [`ServerConfig`]: the settings checked
//! together, and the pieces handed to the lower layers (a WebSocket's read
//! limits, write policy and keepalive; the allowed origins).

use std::time::Duration;

use super::config::ServerConfig;
use crate::error::{Error, Result};
use crate::websocket::{KeepaliveSettings, ReadLimits, WritePolicy};

impl ServerConfig {
    /// Checks the settings together.
    pub(crate) fn validate(&self) -> Result<()> {
        let fail = |why: &str| Err(Error::Config(why.to_owned()));
        if let Some(deflate) = &self.permessage_deflate {
            if !cfg!(feature = "deflate") {
                return fail("permessage-deflate needs wsviews built with its `deflate` feature");
            }
            deflate.validate()?;
        }
        if self.max_connections == 0 || self.max_connections_per_ip == 0 {
            return fail("max_connections and max_connections_per_ip must be at least 1");
        }
        if self.tcp_keepalive == Some(Duration::ZERO) {
            return fail("tcp_keepalive must be longer than zero");
        }
        if self.max_frame_size > self.max_message_size {
            return fail("max_frame_size must not exceed max_message_size");
        }
        if self.max_queued_bytes == 0 || self.max_queued_messages == 0 {
            return fail("max_queued_bytes and max_queued_messages must be at least 1");
        }
        if self.max_message_size == 0 || self.max_head_size < 64 || self.max_headers == 0 {
            return fail(
                "max_message_size, max_head_size (>= 64) and max_headers must be positive",
            );
        }
        if self.thread_stack_size < 64 * 1024 {
            return fail("thread_stack_size must be at least 64 KiB");
        }
        let timeouts = [
            self.head_timeout,
            self.body_timeout,
            self.idle_timeout,
            self.send_timeout,
            self.close_timeout,
            self.ping_timeout,
        ];
        if timeouts.iter().any(Duration::is_zero) || self.ping_interval == Some(Duration::ZERO) {
            return fail("timeouts and the ping interval must be longer than zero");
        }
        Ok(())
    }

    /// The limits and timers of a WebSocket's read side.
    pub(crate) fn read_limits(&self) -> ReadLimits {
        ReadLimits {
            max_message: self.max_message_size,
            max_frame: self.max_frame_size,
            queue_bytes: self.read_queue_size,
        }
    }

    /// The write-side bounds and policy of the server's WebSockets.
    pub(crate) fn write_policy(&self) -> WritePolicy {
        WritePolicy::new(
            self.max_queued_bytes,
            self.max_queued_messages,
            self.send_timeout,
            self.close_timeout,
            self.slow_client,
        )
    }

    /// The keepalive settings, if pings are on.
    pub(crate) fn keepalive_settings(&self) -> Option<KeepaliveSettings> {
        self.ping_interval.map(|interval| KeepaliveSettings {
            interval,
            timeout: self.ping_timeout,
        })
    }
}
