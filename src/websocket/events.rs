//! Channel-layer events for a WebSocket that are not frames to send (no
//! `text`, `bytes`, `content` or `close`), offered to its view: through a
//! hook the view set, or kept for the view to take.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::layers;

/// How many events wait for a view that has set no hook, at most; further
/// ones are dropped and logged at WARN.
pub(crate) const PENDING_LIMIT: usize = 64;

/// A view's handler for channel-layer events.
pub(crate) type Hook = Arc<dyn Fn(&layers::Message) + Send + Sync>;

/// The events of one WebSocket, shared by its view and the reply listener.
#[derive(Default)]
pub(crate) struct ViewEvents {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    hook: Option<Hook>,
    pending: VecDeque<layers::Message>,
    dropped: u64,
}

impl ViewEvents {
    /// Offers `event` to the view: to its hook, or into the pending queue.
    pub fn offer(&self, event: &layers::Message) {
        let mut inner = self.lock();
        if let Some(hook) = inner.hook.clone() {
            drop(inner);
            return hook(event);
        }
        if inner.pending.len() >= PENDING_LIMIT {
            inner.dropped += 1;
            if inner.dropped.is_power_of_two() {
                log::warn!(
                    "a WebSocket view takes no channel-layer events: {} dropped so far \
                     (use WebSocket::on_event or next_event)",
                    inner.dropped
                );
            }
            return;
        }
        inner.pending.push_back(event.clone());
    }

    /// Sets the hook, and gives it the events that were waiting.
    pub fn set_hook(&self, hook: Hook) {
        let waiting: Vec<layers::Message> = {
            let mut inner = self.lock();
            inner.hook = Some(Arc::clone(&hook));
            inner.pending.drain(..).collect()
        };
        for event in &waiting {
            hook(event);
        }
    }

    /// The oldest waiting event.
    pub fn next(&self) -> Option<layers::Message> {
        self.lock().pending.pop_front()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl fmt::Debug for ViewEvents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = self.lock();
        f.debug_struct("ViewEvents")
            .field("hook", &inner.hook.is_some())
            .field("pending", &inner.pending.len())
            .field("dropped", &inner.dropped)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(n: u64) -> layers::Message {
        json!({"type": "x", "n": n})
            .as_object()
            .cloned()
            .unwrap_or_default()
    }

    #[test]
    fn pending_until_a_hook_then_through_it() {
        let events = ViewEvents::default();
        events.offer(&event(1));
        events.offer(&event(2));
        assert_eq!(events.next(), Some(event(1)));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let into = Arc::clone(&seen);
        events.set_hook(Arc::new(move |e| into.lock().unwrap().push(e["n"].clone())));
        events.offer(&event(3));
        assert_eq!(*seen.lock().unwrap(), [json!(2), json!(3)]);
        assert_eq!(events.next(), None);
    }

    #[test]
    fn pending_is_bounded() {
        let events = ViewEvents::default();
        for n in 0..(PENDING_LIMIT as u64 + 10) {
            events.offer(&event(n));
        }
        assert_eq!(events.lock().pending.len(), PENDING_LIMIT);
        assert_eq!(events.lock().dropped, 10);
        assert_eq!(events.next(), Some(event(0)));
    }
}
