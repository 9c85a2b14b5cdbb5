//! Deliveries from other threads (groups, reply channels) that never wait on
//! the client: queued within the client's bound, or handled by the
//! slow-client policy; and the drain thread that writes a backlog out while
//! one exists, giving up on a client that takes nothing for `send_timeout`.

use std::net::Shutdown;
use std::time::{Duration, Instant};

use super::delivery::SlowClient;
use super::message::Message;
use super::proto::{encode, CloseCode, Outgoing};
use super::sender::Sender;
use super::writer::{Shared, WriterState};

/// What another thread delivers to this WebSocket without waiting for it:
/// a "WebSocket Send/Close" message of a reply channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Delivery {
    /// Send a message.
    Message(Message),
    /// Close with this code.
    Close(CloseCode),
}

/// What became of one delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Written, or queued within the client's bound.
    Delivered,
    /// The client was over its bound: dropped for it ([`SlowClient::Drop`]).
    Dropped,
    /// The client was over its bound: it is being closed with 1013.
    SlowClosed,
    /// The WebSocket is closed or closing.
    Gone,
}

/// How long one blocking write of a drain may take before it looks at the
/// clock again (a slow client being closed is given up on time).
const DRAIN_SLICE: Duration = Duration::from_millis(200);

impl Sender {
    /// Delivers a message (a group's, say: each member's frame is encoded
    /// for it) without waiting.
    pub(crate) fn deliver_message(&self, message: &Message) -> Outcome {
        self.shared.deliver_message(message)
    }

    /// Delivers a reply-channel message without waiting.
    pub(crate) fn deliver(&self, delivery: &Delivery) -> Outcome {
        match delivery {
            Delivery::Message(message) => self.deliver_message(message),
            Delivery::Close(close) => match self.shared.close_with(*close) {
                Ok(true) => Outcome::Delivered,
                _ => Outcome::Gone,
            },
        }
    }
}

impl Shared {
    fn deliver_message(&self, message: &Message) -> Outcome {
        let mut state = self.lock();
        if state.close_sent.is_some() || state.broken {
            return Outcome::Gone;
        }
        // Bounded by the plain frame's length.
        let len = encode(Outgoing::Message(message), None).len();
        if !self.admits(&mut state, len) {
            return match self.policy.slow_client {
                SlowClient::Drop => {
                    self.policy.count_dropped(self.stream.wire().backlog());
                    Outcome::Dropped
                }
                _ => {
                    self.slow_close(&mut state);
                    Outcome::SlowClosed
                }
            };
        }
        let Ok(queued) = self.queue_message(&mut state, message) else {
            return Outcome::Gone;
        };
        drop(state);
        self.after_queue(queued);
        self.policy.count_delivered();
        Outcome::Delivered
    }

    /// Closes a client over its bound with 1013 (queued behind its backlog)
    /// and gives up on it if it has not read that far after `close_timeout`.
    fn slow_close(&self, state: &mut WriterState) {
        let backlog = self.stream.wire().backlog();
        let close = CloseCode::TryAgainLater("client too slow");
        let code = close.code();
        let _ = self.close_locked(state, Some(code), close.reason());
        state.give_up_at = Some(Instant::now() + self.policy.close_timeout);
        self.policy.count_slow_close(&format!(
            "{backlog} bytes waiting, over max_queued_bytes/max_queued_messages; closing with {code}"
        ));
        // The drain also keeps the time: it cuts the client off at
        // `give_up_at` unless the closing handshake ended first.
        if self.stream.wire().claim_drain() {
            self.start_drain();
        }
    }

    /// Drops a client that does not read: frees what waits for it and wakes
    /// its view (the socket is shut down). Counted unless `why` is `None`
    /// (it was counted when the slow close began).
    pub(super) fn give_up(&self, why: Option<&str>) {
        self.lock().broken = true;
        self.stream.wire().fail();
        let _ = self.stream.shutdown(Shutdown::Both);
        if let Some(why) = why {
            self.policy.count_slow_close(why);
        }
    }

    pub(super) fn start_drain(&self) {
        let Some(shared) = self.me.upgrade() else {
            return;
        };
        let spawned = std::thread::Builder::new()
            .name("wsviews-drain".into())
            .stack_size(64 * 1024)
            .spawn(move || shared.drain());
        if let Err(e) = spawned {
            log::warn!("cannot start a WebSocket drain thread ({e}); connection closed");
            self.give_up(None);
        }
    }

    /// A slow client we close has until `at` to answer our close frame;
    /// then it is cut off (its view wakes up), unless it is gone already.
    fn cut_off_at(&self, at: Option<Instant>) {
        let Some(at) = at else { return };
        std::thread::sleep(at.saturating_duration_since(Instant::now()));
        if !self.stream.wire().failed() {
            self.give_up(None);
        }
    }

    /// Writes the backlog out, blocking, until it is empty; gives up on a
    /// client that takes no bytes for `send_timeout`, or that is being
    /// closed as slow and has not read its close frame in time.
    fn drain(&self) {
        let wire = self.stream.wire();
        let mut progress = (wire.written(), Instant::now());
        loop {
            let target = wire.written() + wire.backlog() as u64;
            let slice = Some(Instant::now() + DRAIN_SLICE);
            if let Err(e) = wire.wait_written(target, slice) {
                if e.kind() != std::io::ErrorKind::TimedOut {
                    self.lock().broken = true;
                }
            }
            if wire.drain_done() {
                let give_up_at = self.lock().give_up_at;
                return self.cut_off_at(give_up_at);
            }
            let written = wire.written();
            if written > progress.0 {
                progress = (written, Instant::now());
            }
            let give_up_at = self.lock().give_up_at;
            if give_up_at.is_some_and(|at| Instant::now() >= at) {
                self.give_up(None);
            } else if progress.1.elapsed() >= self.policy.send_timeout {
                self.give_up(Some("it took no bytes for send_timeout"));
            } else {
                continue;
            }
            wire.drain_done();
            return;
        }
    }
}
