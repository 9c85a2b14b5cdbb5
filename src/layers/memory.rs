//! The in-memory channel layer: one process, no server to run.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::names::{self, queue_of};
use super::{ChannelLayer, LayerConfig, Message};
use crate::{Error, Result};

/// The in-memory channel layer (`memory://`), the default: channels and
/// groups live in this process, shared by all its threads.
///
/// All state sits behind one mutex; a `receive` waits on a condition
/// variable that every `send` signals, so it wakes as soon as a message
/// arrives, without polling. Expired messages and group members are swept
/// out as the layer is used, so channels nobody reads do not grow memory for
/// ever.
///
/// Use it while the site runs as one process; see the
/// [module documentation](super) for when to move to Redis.
pub struct InMemoryLayer {
    config: LayerConfig,
    state: Mutex<State>,
    arrived: Condvar,
}

#[derive(Default)]
struct State {
    /// Messages by queue: a channel name, or a process inbox.
    queues: HashMap<String, VecDeque<Entry>>,
    /// Members of each group, with the time their membership expires.
    groups: HashMap<String, HashMap<String, Instant>>,
    /// Channel sessions, with the time they expire.
    sessions: HashMap<String, (Message, Instant)>,
    /// When to next sweep expired messages and members out of every queue.
    next_sweep: Option<Instant>,
}

struct Entry {
    channel: String,
    message: Message,
    expires: Instant,
}

impl InMemoryLayer {
    /// Creates an empty layer with the default [`LayerConfig`].
    pub fn new() -> Self {
        InMemoryLayer {
            config: LayerConfig::default(),
            state: Mutex::default(),
            arrived: Condvar::new(),
        }
    }

    /// Creates an empty layer with `config`.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when `config` is invalid (see
    /// [`LayerConfig::validate`]).
    pub fn with_config(config: LayerConfig) -> Result<Self> {
        config.validate()?;
        Ok(InMemoryLayer {
            config,
            ..InMemoryLayer::new()
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // No code that can panic runs under the lock; if some did, the
        // state is still consistent enough to carry on.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Default for InMemoryLayer {
    fn default() -> Self {
        InMemoryLayer::new()
    }
}

impl fmt::Debug for InMemoryLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("InMemoryLayer")
            .field("config", &self.config)
            .field("queues", &state.queues.len())
            .field("groups", &state.groups.len())
            .finish()
    }
}

impl State {
    /// Appends a message to its channel's queue, unless that queue is full.
    fn push(&mut self, channel: &str, message: Message, config: &LayerConfig) -> Result<()> {
        let now = Instant::now();
        self.sweep_if_due(now, config);
        let queue_name = queue_of(channel);
        let capacity = config.capacity_of(queue_name);
        let queue = self.queues.entry(queue_name.to_owned()).or_default();
        drop_expired(queue, now);
        if queue.len() >= capacity {
            return Err(Error::ChannelFull(channel.to_owned()));
        }
        queue.push_back(Entry {
            channel: channel.to_owned(),
            message,
            expires: now + config.expiry,
        });
        Ok(())
    }

    /// Takes the first unexpired message of the first non-empty queue.
    fn pop_first(&mut self, queues: &[&str]) -> Option<(String, Message)> {
        let now = Instant::now();
        for &name in queues {
            let Some(queue) = self.queues.get_mut(name) else {
                continue;
            };
            drop_expired(queue, now);
            let entry = queue.pop_front();
            if queue.is_empty() {
                self.queues.remove(name);
            }
            if let Some(entry) = entry {
                return Some((entry.channel, entry.message));
            }
        }
        None
    }

    /// The unexpired members of `group`, dropping the expired ones.
    fn members(&mut self, group: &str) -> Vec<String> {
        let now = Instant::now();
        let Some(members) = self.groups.get_mut(group) else {
            return Vec::new();
        };
        members.retain(|_, expires| *expires > now);
        let names = members.keys().cloned().collect();
        if members.is_empty() {
            self.groups.remove(group);
        }
        names
    }

    /// Once per expiry period, drops expired messages and members everywhere.
    fn sweep_if_due(&mut self, now: Instant, config: &LayerConfig) {
        if self.next_sweep.is_some_and(|at| now < at) {
            return;
        }
        self.next_sweep = Some(now + config.expiry.min(config.group_expiry));
        self.queues.retain(|_, queue| {
            drop_expired(queue, now);
            !queue.is_empty()
        });
        self.groups.retain(|_, members| {
            members.retain(|_, expires| *expires > now);
            !members.is_empty()
        });
        self.sessions.retain(|_, (_, expires)| *expires > now);
    }
}

/// Drops the expired messages at the head of a queue: all messages share
/// one expiry period, so the expired ones are always first.
fn drop_expired(queue: &mut VecDeque<Entry>, now: Instant) {
    while queue.front().is_some_and(|entry| entry.expires <= now) {
        queue.pop_front();
    }
}

impl ChannelLayer for InMemoryLayer {
    fn send(&self, channel: &str, message: &Message) -> Result<()> {
        names::validate_name(channel)?;
        names::check_size(message)?;
        self.lock().push(channel, message.clone(), &self.config)?;
        self.arrived.notify_all();
        Ok(())
    }

    fn receive(&self, channels: &[&str], timeout: Duration) -> Result<Option<(String, Message)>> {
        let mut queues = names::receive_queues(channels)?;
        names::rotate_randomly(&mut queues);
        // A timeout too far off to represent waits in hour-long slices.
        let deadline = Instant::now().checked_add(timeout);
        let mut state = self.lock();
        loop {
            if let Some(found) = state.pop_first(&queues) {
                return Ok(Some(found));
            }
            let now = Instant::now();
            let wait = match deadline {
                Some(deadline) if deadline <= now => return Ok(None),
                Some(deadline) => deadline - now,
                None => Duration::from_secs(3600),
            };
            state = self
                .arrived
                .wait_timeout(state, wait)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    fn new_channel(&self, prefix: &str) -> Result<String> {
        names::new_channel_name(prefix)
    }

    fn group_add(&self, group: &str, channel: &str) -> Result<()> {
        names::validate_name(group)?;
        names::validate_name(channel)?;
        let expires = Instant::now() + self.config.group_expiry;
        let mut state = self.lock();
        let members = state.groups.entry(group.to_owned()).or_default();
        members.insert(channel.to_owned(), expires);
        Ok(())
    }

    fn group_discard(&self, group: &str, channel: &str) -> Result<()> {
        names::validate_name(group)?;
        names::validate_name(channel)?;
        let mut state = self.lock();
        if let Some(members) = state.groups.get_mut(group) {
            members.remove(channel);
            if members.is_empty() {
                state.groups.remove(group);
            }
        }
        Ok(())
    }

    fn group_channels(&self, group: &str) -> Result<Vec<String>> {
        names::validate_name(group)?;
        Ok(self.lock().members(group))
    }

    fn send_group(&self, group: &str, message: &Message) -> Result<()> {
        names::validate_name(group)?;
        names::check_size(message)?;
        let mut state = self.lock();
        let members = state.members(group);
        let mut full = 0;
        for channel in &members {
            if state.push(channel, message.clone(), &self.config).is_err() {
                full += 1;
            }
        }
        drop(state);
        if full > 0 {
            log::warn!(
                "group {group:?}: {full} of {} member(s) missed a message: their channel is full",
                members.len()
            );
        }
        self.arrived.notify_all();
        Ok(())
    }

    fn session_load(&self, key: &str) -> Result<Option<Message>> {
        names::validate_name(key)?;
        let now = Instant::now();
        let mut state = self.lock();
        match state.sessions.get(key) {
            Some((session, expires)) if *expires > now => Ok(Some(session.clone())),
            Some(_) => {
                state.sessions.remove(key);
                Ok(None)
            }
            None => Ok(None),
        }
    }

    fn session_save(&self, key: &str, session: &Message) -> Result<()> {
        names::validate_name(key)?;
        names::check_size(session)?;
        let expires = Instant::now() + self.config.group_expiry;
        let mut state = self.lock();
        state.sweep_if_due(Instant::now(), &self.config);
        state
            .sessions
            .insert(key.to_owned(), (session.clone(), expires));
        Ok(())
    }

    fn session_delete(&self, key: &str) -> Result<()> {
        names::validate_name(key)?;
        self.lock().sessions.remove(key);
        Ok(())
    }

    fn group_expiry(&self) -> Duration {
        self.config.group_expiry
    }

    fn is_in_process(&self) -> bool {
        true
    }
}
