//! The in-memory layer's state: queues, groups and sessions, with their
//! expiry (behind the layer's one mutex).

use std::collections::{HashMap, VecDeque};
use std::time::Instant;

use super::names::queue_of;
use super::{LayerConfig, Message};
use crate::{Error, Result};

#[derive(Default)]
pub(super) struct State {
    /// Messages by queue: a channel name, or a process inbox.
    pub(super) queues: HashMap<String, VecDeque<Entry>>,
    /// Members of each group, with the time their membership expires.
    pub(super) groups: HashMap<String, HashMap<String, Membership>>,
    /// Numbers memberships in the order they began.
    pub(super) joins: u64,
    /// Counts changes to any group's members (see `group_version`).
    pub(super) changes: u64,
    /// Channel sessions, with the time they expire.
    pub(super) sessions: HashMap<String, (Message, Instant)>,
    /// When to next sweep expired messages and members out of every queue.
    pub(super) next_sweep: Option<Instant>,
}

/// One channel's membership of a group.
pub(super) struct Membership {
    /// When it began, among all memberships: members are listed (and sent
    /// to) in the order they joined, as Channels does.
    pub(super) joined: u64,
    pub(super) expires: Instant,
}

pub(super) struct Entry {
    pub(super) channel: String,
    pub(super) message: Message,
    pub(super) expires: Instant,
}

impl State {
    /// Appends a message to its channel's queue, unless that queue is full.
    pub(super) fn push(
        &mut self,
        channel: &str,
        message: Message,
        config: &LayerConfig,
    ) -> Result<()> {
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
    pub(super) fn pop_first(&mut self, queues: &[&str]) -> Option<(String, Message)> {
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
    pub(super) fn members(&mut self, group: &str) -> Vec<String> {
        self.expire(group);
        let Some(members) = self.groups.get_mut(group) else {
            return Vec::new();
        };
        let mut joined: Vec<(u64, &String)> = members.iter().map(|(c, m)| (m.joined, c)).collect();
        joined.sort_unstable();
        let names = joined.into_iter().map(|(_, c)| c.clone()).collect();
        if members.is_empty() {
            self.groups.remove(group);
        }
        names
    }

    /// Drops the expired members of `group` (and the group once empty).
    fn expire(&mut self, group: &str) {
        let now = Instant::now();
        let Some(members) = self.groups.get_mut(group) else {
            return;
        };
        let before = members.len();
        members.retain(|_, m| m.expires > now);
        if members.len() < before {
            self.changes += 1;
        }
        if members.is_empty() {
            self.groups.remove(group);
        }
    }

    /// Changes to the groups so far, `group`'s expiries included.
    pub(super) fn version(&mut self, group: &str) -> u64 {
        self.expire(group);
        self.changes
    }

    /// Once per expiry period, drops expired messages and members everywhere.
    pub(super) fn sweep_if_due(&mut self, now: Instant, config: &LayerConfig) {
        if self.next_sweep.is_some_and(|at| now < at) {
            return;
        }
        self.next_sweep = Some(now + config.expiry.min(config.group_expiry));
        self.queues.retain(|_, queue| {
            drop_expired(queue, now);
            !queue.is_empty()
        });
        let mut expired = false;
        self.groups.retain(|_, members| {
            let before = members.len();
            members.retain(|_, m| m.expires > now);
            expired |= members.len() < before;
            !members.is_empty()
        });
        // A group's resolved members stay valid unless one expired.
        self.changes += u64::from(expired);
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
