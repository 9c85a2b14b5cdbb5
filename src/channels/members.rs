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
pub(crate) type Members = Arc<[(String, Option<WeakSender>)]>;

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
