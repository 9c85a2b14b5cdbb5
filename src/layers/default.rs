//! The process's default channel layer, as Django Channels' `"default"`
//! entry in `CHANNEL_LAYERS`.

use std::sync::{Arc, OnceLock, RwLock};

use super::{ChannelLayer, InMemoryLayer};

fn slot() -> &'static RwLock<Option<Arc<dyn ChannelLayer>>> {
    static DEFAULT: OnceLock<RwLock<Option<Arc<dyn ChannelLayer>>>> = OnceLock::new();
    DEFAULT.get_or_init(|| RwLock::new(None))
}

/// The process's default channel layer: the one set with
/// [`set_default_layer`], or else an in-memory layer created on first use.
/// Servers use it unless their `ServerConfig::channel_layer` names another,
/// and [`Group::new`](crate::Group::new) sends through it.
pub fn default_layer() -> Arc<dyn ChannelLayer> {
    if let Some(layer) = slot().read().unwrap_or_else(|p| p.into_inner()).as_ref() {
        return Arc::clone(layer);
    }
    let mut slot = slot().write().unwrap_or_else(|p| p.into_inner());
    Arc::clone(slot.get_or_insert_with(|| Arc::new(InMemoryLayer::new())))
}

/// Makes `layer` the process's default channel layer (`runserver
/// --channel-layer URL` does this at start-up).
pub fn set_default_layer(layer: Arc<dyn ChannelLayer>) {
    *slot().write().unwrap_or_else(|p| p.into_inner()) = Some(layer);
}
