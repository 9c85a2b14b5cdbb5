//! A group's members, resolved once: the layer's list, and the connection
//! of each member that is this process's. Kept while the layer says the
//! group did not change ([`ChannelLayer::group_version`]), so a send to a
//! large group does not list and look up every member again. The
//! connections are held weakly: a cache never keeps a closed socket open.

use std::sync::{Arc, Mutex, PoisonError};

use crate::channels::replies;
use crate::error::Result;
use crate::layers::ChannelLayer;
use crate::websocket::{Sender, WeakSender};

/// A group's members and their local connections (`None`: elsewhere).
pub(crate) type Members = Arc<[Member]>;

/// A member's reply channel, and its connection if it is this process's.
pub(crate) type Member = (String, Option<WeakSender>);

/// Members warmed at a time (see [`warmed`]).
const WARM_AHEAD: usize = 16;

/// The members in order, each run of [`WARM_AHEAD`] warmed
/// ([`WeakSender::warm`]) before the first of them is yielded: a large
/// group's connections were last touched a round ago and are out of the CPU
/// cache, and reading a few at once lets their cache misses overlap instead
/// of each waiting behind the previous member's send.
pub(crate) fn warmed(members: &[Member]) -> impl Iterator<Item = &Member> {
    members.chunks(WARM_AHEAD).flat_map(|run| {
        run.iter()
            .flat_map(|(_, sender)| sender)
            .for_each(WeakSender::warm);
        run
    })
}

/// One group's resolved members, shared by the clones of a `Group`.
#[derive(Clone, Default)]
pub(crate) struct MemberCache(Arc<Mutex<Option<Resolved>>>);

struct Resolved {
    layer: Arc<dyn ChannelLayer>,
    version: u64,
    members: Members,
}

impl std::fmt::Debug for MemberCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MemberCache")
    }
}

impl MemberCache {
    /// The members of `group` on `layer`, in the layer's order: from the
    /// cache while the group's version is the cached one, else listed and
    /// looked up (and cached, when the layer has versions).
    pub fn resolve(&self, layer: &Arc<dyn ChannelLayer>, group: &str) -> Result<Members> {
        // Read before listing: a change in between makes the next call
        // list again, never keeps a stale list.
        let version = layer.group_version(group);
        let mut cache = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let (Some(version), Some(cached)) = (version, cache.as_ref()) {
            if cached.version == version && Arc::ptr_eq(&cached.layer, layer) {
                return Ok(Arc::clone(&cached.members));
            }
        }
        let channels = layer.group_channels(group)?;
        let mut senders: Vec<Option<Sender>> = vec![None; channels.len()];
        for server in replies::servers_on(layer) {
            server.senders(&channels, &mut senders);
        }
        let members: Members = channels
            .into_iter()
            .zip(senders)
            .map(|(channel, sender)| (channel, sender.map(|s| s.downgrade())))
            .collect();
        *cache = version.map(|version| Resolved {
            layer: Arc::clone(layer),
            version,
            members: Arc::clone(&members),
        });
        Ok(members)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warmed_yields_every_member_once_in_order() {
        for len in [
            0,
            1,
            WARM_AHEAD - 1,
            WARM_AHEAD,
            WARM_AHEAD + 1,
            3 * WARM_AHEAD + 5,
        ] {
            // Local members (of no live WebSocket here) and remote ones, mixed.
            let members: Vec<Member> = (0..len)
                .map(|i| (format!("c{i}"), (i % 3 == 0).then(WeakSender::default)))
                .collect();
            let names: Vec<&str> = warmed(&members).map(|(name, _)| name.as_str()).collect();
            let want: Vec<String> = (0..len).map(|i| format!("c{i}")).collect();
            assert_eq!(names, want, "{len} members");
        }
    }
}
