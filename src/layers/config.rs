//! The settings every channel layer shares.

use std::time::Duration;

use crate::{Error, Result};

/// Settings of a channel layer: channel and process inbox capacity, message
/// expiry and group membership expiry.
///
/// Build one from [`LayerConfig::default`] with the chainable setters:
///
/// ```
/// use std::time::Duration;
/// use wsviews::layers::LayerConfig;
///
/// let config = LayerConfig::default()
///     .capacity(500)
///     .expiry(Duration::from_secs(30));
/// assert_eq!(config.capacity, 500);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerConfig {
    /// How many messages a channel holds before `send` fails with
    /// [`Error::ChannelFull`]. See [`LayerConfig::capacity`].
    pub capacity: usize,
    /// How many messages a process inbox holds, for all its channels
    /// together. See [`LayerConfig::inbox_capacity`].
    pub inbox_capacity: usize,
    /// How long a message waits in a channel before it is dropped unread.
    /// See [`LayerConfig::expiry`].
    pub expiry: Duration,
    /// How long a channel stays in a group after its last `group_add`.
    /// See [`LayerConfig::group_expiry`].
    pub group_expiry: Duration,
}

impl Default for LayerConfig {
    fn default() -> Self {
        LayerConfig {
            capacity: 100,
            inbox_capacity: 10_000,
            expiry: Duration::from_secs(60),
            group_expiry: Duration::from_secs(86_400),
        }
    }
}

impl LayerConfig {
    /// Sets how many unread messages a channel holds; a `send` to a full
    /// channel fails with [`Error::ChannelFull`], and a `send_group` skips it.
    /// Process-specific channels have [`LayerConfig::inbox_capacity`]
    /// instead.
    ///
    /// Defaults to 100. Must be at least 1.
    pub fn capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity;
        self
    }

    /// Sets how many unread messages a process inbox holds, for all the
    /// process-specific channels starting with it together (they share one
    /// queue). A server receives its connections' replies through one inbox,
    /// so this is larger than [`capacity`](LayerConfig::capacity): a group
    /// send reaching many connections of one process must fit.
    ///
    /// Defaults to 10 000. Must be at least 1.
    pub fn inbox_capacity(mut self, inbox_capacity: usize) -> Self {
        self.inbox_capacity = inbox_capacity;
        self
    }

    /// Sets how long a message waits unread before it is dropped; an expired
    /// message is never delivered.
    ///
    /// Defaults to 60 seconds. Must be at least 1 millisecond.
    pub fn expiry(mut self, expiry: Duration) -> Self {
        self.expiry = expiry;
        self
    }

    /// Sets how long a channel stays in a group after its last `group_add`
    /// (call `group_add` again to stay longer): members whose connection
    /// died without a `group_discard` leave by themselves.
    ///
    /// Defaults to 86 400 seconds (one day). Must be at least 1 millisecond.
    pub fn group_expiry(mut self, group_expiry: Duration) -> Self {
        self.group_expiry = group_expiry;
        self
    }

    /// The capacity of a queue: a process inbox (ending in `!`) or a channel.
    pub(crate) fn capacity_of(&self, queue: &str) -> usize {
        if queue.ends_with('!') {
            self.inbox_capacity
        } else {
            self.capacity
        }
    }

    /// Checks the settings, as the layers do when they are created.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for a capacity of 0, or an expiry under 1 ms or
    /// over a year.
    pub fn validate(&self) -> Result<()> {
        const MAX: Duration = Duration::from_secs(366 * 86_400);
        if self.capacity == 0 || self.inbox_capacity == 0 {
            return Err(Error::Config(
                "layer capacity and inbox_capacity must be at least 1".into(),
            ));
        }
        for (what, value) in [("expiry", self.expiry), ("group_expiry", self.group_expiry)] {
            if value < Duration::from_millis(1) || value > MAX {
                return Err(Error::Config(format!(
                    "layer {what} must be between 1 ms and 366 days, not {value:?}"
                )));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_validation() {
        let config = LayerConfig::default();
        assert_eq!(config.capacity, 100);
        assert_eq!(config.expiry, Duration::from_secs(60));
        assert_eq!(config.group_expiry, Duration::from_secs(86_400));
        assert!(config.validate().is_ok());
        assert!(LayerConfig::default().capacity(0).validate().is_err());
        assert!(LayerConfig::default().inbox_capacity(0).validate().is_err());
        assert!(LayerConfig::default()
            .expiry(Duration::ZERO)
            .validate()
            .is_err());
    }
}
