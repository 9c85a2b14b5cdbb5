//! The group memberships of one server's live WebSockets, kept so that they
//! survive: renewed before the layer's group expiry, and re-joined after the
//! layer comes back from an outage (a Redis restart loses every group).
//! Only a closing connection leaves its groups.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use crate::layers::ChannelLayer;

/// Groups by reply channel, for the live WebSockets of one server.
#[derive(Debug, Default)]
pub(crate) struct Memberships {
    by_channel: Mutex<HashMap<String, Vec<String>>>,
}

impl Memberships {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Vec<String>>> {
        self.by_channel.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `channel` joined `group`.
    pub fn joined(&self, channel: &str, group: &str) {
        let mut map = self.lock();
        let groups = map.entry(channel.to_owned()).or_default();
        if !groups.iter().any(|g| g == group) {
            groups.push(group.to_owned());
        }
    }

    /// `channel` left `group`.
    pub fn left(&self, channel: &str, group: &str) {
        let mut map = self.lock();
        if let Some(groups) = map.get_mut(channel) {
            groups.retain(|g| g != group);
            if groups.is_empty() {
                map.remove(channel);
            }
        }
    }

    /// The connection of `channel` closed: returns the groups it must leave.
    pub fn forget(&self, channel: &str) -> Vec<String> {
        self.lock().remove(channel).unwrap_or_default()
    }

    /// Every (group, channel) membership.
    fn all(&self) -> Vec<(String, String)> {
        self.lock()
            .iter()
            .flat_map(|(channel, groups)| groups.iter().map(|g| (g.clone(), channel.clone())))
            .collect()
    }

    /// Adds every membership again on `layer` (renewing its expiry, or
    /// re-creating it after the layer lost it); returns how many were added
    /// and the first error.
    pub fn renew(&self, layer: &dyn ChannelLayer) -> (usize, Option<crate::Error>) {
        let mut renewed = 0;
        let mut first_error = None;
        for (group, channel) in self.all() {
            match layer.group_add(&group, &channel) {
                Ok(()) => renewed += 1,
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        (renewed, first_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::InMemoryLayer;

    #[test]
    fn renew_restores_what_the_layer_lost() {
        let memberships = Memberships::default();
        memberships.joined("c1", "room");
        memberships.joined("c1", "room");
        memberships.joined("c2", "room");
        memberships.joined("c2", "other");
        memberships.left("c2", "other");
        let layer = InMemoryLayer::new();
        assert_eq!(memberships.renew(&layer).0, 2);
        let mut members = layer.group_channels("room").expect("members");
        members.sort();
        assert_eq!(members, ["c1", "c2"]);
        assert!(layer.group_channels("other").expect("members").is_empty());
        assert_eq!(memberships.forget("c1"), ["room"]);
        assert!(memberships.forget("c1").is_empty());
    }
}
