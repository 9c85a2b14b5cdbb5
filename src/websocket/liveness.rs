//! When a WebSocket last showed signs of life, and the pure keepalive
//! rule the timer thread ([`Keepalive`](super::Keepalive)) applies to it.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Milliseconds since the process's keepalive epoch: the one clock of
/// every [`Liveness`] and timer.
pub(super) fn now_ms() -> u64 {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    let epoch = *EPOCH.get_or_init(Instant::now);
    u64::try_from(epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// When a WebSocket last showed signs of life, shared by its reader and the
/// timer. Times are [`now_ms`] values.
#[derive(Debug)]
pub(crate) struct Liveness {
    /// When a frame last arrived.
    pub(super) heard: AtomicU64,
    /// When the last keepalive ping went out (0: never).
    pub(super) pinged: AtomicU64,
    /// The client did not answer a ping in time.
    pub(super) timed_out: AtomicBool,
}

impl Liveness {
    /// Liveness of a WebSocket heard from now.
    pub fn new() -> Self {
        Liveness {
            heard: AtomicU64::new(now_ms()),
            pinged: AtomicU64::new(0),
            timed_out: AtomicBool::new(false),
        }
    }

    /// A frame arrived.
    pub fn heard_now(&self) {
        self.heard.store(now_ms(), Ordering::Relaxed);
    }

    /// Whether the client failed to answer a keepalive ping in time.
    pub fn timed_out(&self) -> bool {
        self.timed_out.load(Ordering::Relaxed)
    }
}

/// Settings of a server's keepalive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Settings {
    pub interval: Duration,
    pub timeout: Duration,
}

/// What the timer does about one WebSocket now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Action {
    /// Nothing before this time (ms).
    WaitUntil(u64),
    /// Send a ping.
    Ping,
    /// Give up on the client.
    Expire,
}

/// The pure keepalive rule. Events due within `slack` ms fire now, so that
/// one wake-up serves many WebSockets and the deadlines are never passed.
pub(super) fn decide(
    now: u64,
    heard: u64,
    pinged: u64,
    interval: u64,
    timeout: u64,
    slack: u64,
) -> Action {
    let soon = now.saturating_add(slack);
    if pinged > heard {
        let expiry = pinged.saturating_add(timeout);
        return if soon >= expiry {
            Action::Expire
        } else {
            Action::WaitUntil(expiry)
        };
    }
    let ping_at = heard.saturating_add(interval);
    if soon >= ping_at {
        Action::Ping
    } else {
        Action::WaitUntil(ping_at)
    }
}

/// [`Settings`] in the timer's units.
#[derive(Debug, Clone, Copy)]
pub(super) struct Timing {
    pub(super) interval_ms: u64,
    pub(super) timeout_ms: u64,
    pub(super) slack_ms: u64,
    pub(super) timeout: Duration,
}

impl Timing {
    pub(super) fn of(settings: Settings) -> Self {
        let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1);
        let (interval_ms, timeout_ms) = (ms(settings.interval), ms(settings.timeout));
        Timing {
            interval_ms,
            timeout_ms,
            slack_ms: interval_ms.min(timeout_ms) / 32,
            timeout: settings.timeout,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_keepalive_rule() {
        // (now, heard, pinged, expected) with interval 100, timeout 50, slack 3.
        let table = [
            (0, 0, 0, Action::WaitUntil(100)),
            (96, 0, 0, Action::WaitUntil(100)),
            (97, 0, 0, Action::Ping),
            (150, 0, 0, Action::Ping),
            (120, 0, 110, Action::WaitUntil(160)),
            (157, 0, 110, Action::Expire),
            (157, 110, 110, Action::WaitUntil(210)),
            (157, 130, 110, Action::WaitUntil(230)),
            (500, 130, 110, Action::Ping),
        ];
        for (now, heard, pinged, expected) in table {
            assert_eq!(
                decide(now, heard, pinged, 100, 50, 3),
                expected,
                "now {now}, heard {heard}, pinged {pinged}"
            );
        }
    }

    #[test]
    fn slack_is_a_small_part_of_the_shorter_period() {
        let timing = Timing::of(Settings {
            interval: Duration::from_secs(20),
            timeout: Duration::from_secs(10),
        });
        assert_eq!((timing.interval_ms, timing.timeout_ms), (20_000, 10_000));
        assert_eq!(timing.slack_ms, 312);
    }
}
