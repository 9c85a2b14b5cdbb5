//! The in-memory channel layer: one process, no server to run.

use std::fmt;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::memory_state::{Membership, State};
use super::names;
use super::{ChannelLayer, LayerConfig, Message};
use crate::Result;

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
    /// [`Error::Config`](crate::Error::Config) when `config` is invalid (see
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
        state.joins += 1;
        let joined = state.joins;
        let members = state.groups.entry(group.to_owned()).or_default();
        // Joining again renews the membership and keeps its place.
        let renewed = match members.get_mut(channel) {
            Some(membership) => {
                membership.expires = expires;
                true
            }
            None => {
                members.insert(channel.to_owned(), Membership { joined, expires });
                false
            }
        };
        state.changes += u64::from(!renewed);
        Ok(())
    }

    fn group_discard(&self, group: &str, channel: &str) -> Result<()> {
        names::validate_name(group)?;
        names::validate_name(channel)?;
        let mut state = self.lock();
        if let Some(members) = state.groups.get_mut(group) {
            let left = members.remove(channel).is_some();
            if members.is_empty() {
                state.groups.remove(group);
            }
            state.changes += u64::from(left);
        }
        Ok(())
    }

    fn group_version(&self, group: &str) -> Option<u64> {
        Some(self.lock().version(group))
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
