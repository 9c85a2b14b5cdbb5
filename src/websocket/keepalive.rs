//! Keepalive pings for every open WebSocket of a server, from one timer
//! thread: however the view reads (blocked in `wait`, polling `read`, or
//! only sending), a WebSocket silent for `ping_interval` is pinged, and one
//! that then stays silent for `ping_timeout` is closed with 1011 and its
//! socket shut down, so a half-open peer is found within the two.
//!
//! The view's reader notes when a frame last arrived ([`Liveness`]); the
//! timer reads what arrived itself when the view is not reading, so pongs
//! are seen even by a view that only sends. The timer never waits on a
//! client: pings, pongs and closes are queued on the connection's wire.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::Duration;

use super::liveness::{decide, now_ms, Action, Liveness, Settings, Timing};
use super::proto::CloseCode;
use super::reader::Inbound;
use super::writer::Shared;

/// The payload of our keepalive pings.
const PING_PAYLOAD: &[u8] = b"wsviews";

/// How long the timer thread outlives the last WebSocket it watched, so
/// that one short session after another does not start a thread each.
const LINGER: Duration = Duration::from_secs(1);

/// What the timer needs of one WebSocket.
#[derive(Debug)]
pub(crate) struct Watched {
    pub inbound: Arc<Mutex<Inbound>>,
    pub shared: Arc<Shared>,
    pub live: Arc<Liveness>,
}

impl Watched {
    /// Acts on this WebSocket; returns when to look at it again (ms).
    fn check(&self, settings: &Timing) -> u64 {
        let mut action = self.decide(settings);
        if action != Action::Ping && action != Action::Expire {
            return self.next(action);
        }
        // Before pinging or giving up, read what the client sent meanwhile
        // (unless the view is reading: then it saw it already).
        if let Ok(mut inbound) = self.inbound.try_lock() {
            inbound.poll(&self.shared);
            if inbound.is_full() {
                // The view is not taking its messages: the client did
                // send, so it is not the one to give up on.
                self.live.heard_now();
            }
        }
        action = self.decide(settings);
        match action {
            Action::Ping => {
                self.live.pinged.store(now_ms(), Ordering::Relaxed);
                let _ = self.shared.ping(PING_PAYLOAD);
                self.next(self.decide(settings))
            }
            Action::Expire => {
                self.expire(settings.timeout);
                u64::MAX
            }
            Action::WaitUntil(at) => at,
        }
    }

    fn decide(&self, t: &Timing) -> Action {
        let live = &self.live;
        let heard = live.heard.load(Ordering::Relaxed);
        let pinged = live.pinged.load(Ordering::Relaxed);
        decide(
            now_ms(),
            heard,
            pinged,
            t.interval_ms,
            t.timeout_ms,
            t.slack_ms,
        )
    }

    fn next(&self, action: Action) -> u64 {
        match action {
            Action::WaitUntil(at) => at,
            Action::Ping | Action::Expire => now_ms(),
        }
    }

    /// Closes with 1011 and shuts the socket down: a blocked `wait` returns,
    /// sends fail with `ConnectionClosed`.
    fn expire(&self, timeout: Duration) {
        if self.live.timed_out.swap(true, Ordering::Relaxed) {
            return;
        }
        let close = CloseCode::Internal("keepalive ping timeout");
        let code = close.code();
        log::info!(
            "closing WebSocket with {code}: no answer to a keepalive ping within {timeout:?}"
        );
        let _ = self.shared.close_with(close);
        self.shared.give_up(None);
    }
}

/// One server's keepalive: the WebSockets it watches and its timer thread,
/// which runs only while there are some (and [`LINGER`] after).
#[derive(Debug)]
pub(crate) struct Keepalive {
    timer: Arc<Timer>,
}

#[derive(Debug)]
struct Timer {
    timing: Timing,
    state: Mutex<TimerState>,
    wake: Condvar,
}

#[derive(Debug, Default)]
struct TimerState {
    next_id: u64,
    watched: HashMap<u64, Arc<Watched>>,
    /// When the thread wakes next (ms).
    wake_at: u64,
    running: bool,
    stopped: bool,
}

/// A watched WebSocket's registration; dropping it stops the watching.
#[derive(Debug)]
pub(crate) struct Watch {
    timer: Arc<Timer>,
    id: u64,
}

impl Keepalive {
    /// A keepalive with `settings`; its thread starts with the first watch.
    pub fn new(settings: Settings) -> Self {
        Keepalive {
            timer: Arc::new(Timer {
                timing: Timing::of(settings),
                state: Mutex::default(),
                wake: Condvar::new(),
            }),
        }
    }

    /// Watches a WebSocket until the returned [`Watch`] is dropped.
    pub fn watch(&self, watched: Watched) -> Watch {
        let mut state = self.timer.lock();
        state.next_id += 1;
        let id = state.next_id;
        state.watched.insert(id, Arc::new(watched));
        let due = now_ms().saturating_add(self.timer.timing.interval_ms);
        if !state.running {
            state.running = self.timer.start();
        } else if due < state.wake_at {
            self.timer.wake.notify_all();
        }
        Watch {
            timer: Arc::clone(&self.timer),
            id,
        }
    }
}

impl Drop for Keepalive {
    fn drop(&mut self) {
        self.timer.lock().stopped = true;
        self.timer.wake.notify_all();
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.timer.lock().watched.remove(&self.id);
    }
}

impl Timer {
    fn lock(&self) -> MutexGuard<'_, TimerState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts the thread; whether it started.
    fn start(self: &Arc<Self>) -> bool {
        let timer = Arc::clone(self);
        let spawned = thread::Builder::new()
            .name("wsviews-keepalive".into())
            .stack_size(128 * 1024)
            .spawn(move || timer.run());
        if let Err(e) = &spawned {
            log::warn!("cannot start the keepalive thread ({e}); no pings for now");
        }
        spawned.is_ok()
    }

    fn run(&self) {
        let mut state = self.lock();
        loop {
            if state.watched.is_empty() && !state.stopped {
                // Linger: a WebSocket opening soon needs no new thread, and
                // no wake-up either (the linger is shorter than an interval).
                state.wake_at = now_ms().saturating_add(LINGER.as_millis() as u64);
                state = self.sleep(state, LINGER);
                if state.watched.is_empty() {
                    state.running = false;
                    return;
                }
            }
            if state.stopped {
                state.running = false;
                return;
            }
            let watched: Vec<Arc<Watched>> = state.watched.values().cloned().collect();
            drop(state);
            let next = watched
                .iter()
                .map(|w| w.check(&self.timing))
                .min()
                .unwrap_or(u64::MAX);
            drop(watched);
            // At most an interval: a WebSocket watched during the scan is
            // due an interval after it came.
            let wait = next
                .saturating_sub(now_ms())
                .clamp(self.timing.slack_ms.max(1), self.timing.interval_ms);
            state = self.lock();
            state.wake_at = now_ms().saturating_add(wait);
            state = self.sleep(state, Duration::from_millis(wait));
        }
    }

    /// Waits up to `wait` (at most an hour) or until woken.
    fn sleep<'a>(
        &self,
        state: MutexGuard<'a, TimerState>,
        wait: Duration,
    ) -> MutexGuard<'a, TimerState> {
        let wait = wait.min(Duration::from_secs(3600));
        self.wake
            .wait_timeout(state, wait)
            .unwrap_or_else(PoisonError::into_inner)
            .0
    }
}
