//! What happens when a client cannot keep up: the bounds of what waits for
//! one WebSocket, the slow-client policy, and the counters that make every
//! drop and slow close visible.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What the server does with a WebSocket whose queue of unsent messages is
/// over its bound (see
/// [`ServerConfig::max_queued_bytes`](crate::ServerConfig::max_queued_bytes()))
/// when a group or reply-channel message arrives for it.
///
/// Either way the event is counted ([`DeliveryStats`]) and logged at WARN
/// (at most one line every 5 seconds per server).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SlowClient {
    /// Close the client with 1013 (Try Again Later): it reconnects and
    /// resyncs, and never sees a silent gap. The default.
    #[default]
    Close,
    /// Drop the message for that client only, as Django Channels does; the
    /// client stays connected and misses it.
    Drop,
}

/// Delivery counters of one server, from
/// [`ServerHandle::delivery_stats`](crate::ServerHandle::delivery_stats).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryStats {
    /// Group and reply-channel messages written or queued for a client.
    pub delivered: u64,
    /// Messages dropped for a client over its bound ([`SlowClient::Drop`]).
    pub dropped: u64,
    /// Clients closed because they did not keep up: over their bound with
    /// [`SlowClient::Close`], or taking no bytes for `send_timeout`.
    pub slow_closed: u64,
}

/// The write-side settings of one server's WebSockets, and its counters.
#[derive(Debug)]
pub(crate) struct WritePolicy {
    pub max_bytes: usize,
    pub max_messages: usize,
    pub send_timeout: Duration,
    pub close_timeout: Duration,
    pub slow_client: SlowClient,
    delivered: AtomicU64,
    dropped: AtomicU64,
    slow_closed: AtomicU64,
    warned: Mutex<Warned>,
}

#[derive(Debug, Default)]
struct Warned {
    at: Option<Instant>,
    suppressed: u64,
}

/// At most one WARN line per this period per server; the others are counted.
const WARN_EVERY: Duration = Duration::from_secs(5);

impl WritePolicy {
    pub fn new(
        max_bytes: usize,
        max_messages: usize,
        send_timeout: Duration,
        close_timeout: Duration,
        slow_client: SlowClient,
    ) -> Self {
        WritePolicy {
            max_bytes,
            max_messages,
            send_timeout,
            close_timeout,
            slow_client,
            delivered: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            slow_closed: AtomicU64::new(0),
            warned: Mutex::default(),
        }
    }

    /// Whether a message of `len` bytes may join `backlog` bytes and
    /// `messages` messages already waiting. A message alone on an empty
    /// queue always may, whatever its size.
    pub fn admits(&self, backlog: usize, messages: usize, len: usize) -> bool {
        backlog == 0 || (backlog + len <= self.max_bytes && messages < self.max_messages)
    }

    pub fn count_delivered(&self) {
        self.delivered.fetch_add(1, Ordering::Relaxed);
    }

    pub fn count_dropped(&self, backlog: usize) {
        self.dropped.fetch_add(1, Ordering::Relaxed);
        self.warn(format_args!(
            "a slow WebSocket client missed a message ({backlog} bytes already waiting for it; slow_client policy: drop)"
        ));
    }

    pub fn count_slow_close(&self, why: &str) {
        self.slow_closed.fetch_add(1, Ordering::Relaxed);
        self.warn(format_args!("closed a slow WebSocket client: {why}"));
    }

    pub fn stats(&self) -> DeliveryStats {
        DeliveryStats {
            delivered: self.delivered.load(Ordering::Relaxed),
            dropped: self.dropped.load(Ordering::Relaxed),
            slow_closed: self.slow_closed.load(Ordering::Relaxed),
        }
    }

    /// Logs at WARN unless a line went out in the last [`WARN_EVERY`].
    fn warn(&self, what: std::fmt::Arguments<'_>) {
        let mut warned = self.warned.lock().unwrap_or_else(|p| p.into_inner());
        if warned.at.is_some_and(|at| at.elapsed() < WARN_EVERY) {
            warned.suppressed += 1;
            return;
        }
        let suppressed = std::mem::take(&mut warned.suppressed);
        warned.at = Some(Instant::now());
        drop(warned);
        if suppressed > 0 {
            log::warn!("{what} (and {suppressed} more such events in the last {WARN_EVERY:?})");
        } else {
            log::warn!("{what}");
        }
    }
}

impl Default for WritePolicy {
    fn default() -> Self {
        WritePolicy::new(
            DEFAULT_MAX_QUEUED_BYTES,
            DEFAULT_MAX_QUEUED_MESSAGES,
            Duration::from_secs(30),
            Duration::from_secs(2),
            SlowClient::Close,
        )
    }
}

/// Bytes that may wait for one WebSocket by default: 4 MiB.
pub(crate) const DEFAULT_MAX_QUEUED_BYTES: usize = 4 << 20;
/// Messages that may wait for one WebSocket by default.
pub(crate) const DEFAULT_MAX_QUEUED_MESSAGES: usize = 4096;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_in_bytes_and_messages() {
        let policy = WritePolicy::new(
            100,
            3,
            Duration::from_secs(1),
            Duration::from_secs(1),
            SlowClient::Drop,
        );
        let cases = [
            // backlog, messages, len, admitted
            (0, 0, 1000, true),
            (50, 1, 50, true),
            (50, 1, 51, false),
            (10, 3, 1, false),
            (10, 2, 1, true),
        ];
        for (backlog, messages, len, admitted) in cases {
            assert_eq!(
                policy.admits(backlog, messages, len),
                admitted,
                "{backlog} {messages} {len}"
            );
        }
    }

    #[test]
    fn counters() {
        let policy = WritePolicy::default();
        policy.count_delivered();
        policy.count_dropped(10);
        policy.count_dropped(10);
        policy.count_slow_close("test");
        let stats = policy.stats();
        assert_eq!(
            (stats.delivered, stats.dropped, stats.slow_closed),
            (1, 2, 1)
        );
    }
}
