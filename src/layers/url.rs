//! Naming a channel layer by URL: `memory://`, `redis://host:port/db`,
//! `channels-redis://host:port/db`.

use std::sync::Arc;

#[cfg(feature = "channels-redis")]
use super::ChannelsRedisLayer;
#[cfg(feature = "redis")]
use super::RedisLayer;
use super::{ChannelLayer, InMemoryLayer, LayerConfig};
use crate::{Error, Result};

/// Creates the channel layer that `url` names, with the default
/// [`LayerConfig`]: `memory://`, `redis://host:port/db` or
/// `channels-redis://host:port/db` (see `ChannelsRedisLayer`).
///
/// Each call creates a new layer; an in-memory layer is shared by sharing
/// the returned `Arc`.
///
/// # Errors
///
/// [`Error::Config`] for an unknown scheme, a malformed Redis URL, or a
/// `redis://` (`channels-redis://`) URL when wsviews was built without its
/// `redis` (`channels-redis`) feature.
pub fn from_url(url: &str) -> Result<Arc<dyn ChannelLayer>> {
    from_url_with_config(url, LayerConfig::default())
}

/// Creates the channel layer that `url` names (see [`from_url`]) with
/// `config`.
///
/// # Errors
///
/// As [`from_url`], and [`Error::Config`] when `config` is invalid (see
/// [`LayerConfig::validate`]).
pub fn from_url_with_config(url: &str, config: LayerConfig) -> Result<Arc<dyn ChannelLayer>> {
    let scheme = url.split_once("://").map(|(scheme, _)| scheme);
    match scheme {
        Some("memory") => Ok(Arc::new(InMemoryLayer::with_config(config)?)),
        Some("redis") => redis_from_url(url, config),
        Some("channels-redis") => channels_redis_from_url(url, config),
        // The URL may hold a password: only its scheme goes into the error.
        Some(other) => Err(Error::Config(format!(
            "unknown channel layer scheme {other:?}: use memory://, redis://host:port/db \
             or channels-redis://host:port/db"
        ))),
        None => Err(Error::Config(
            "a channel layer URL starts with memory:// or redis://".into(),
        )),
    }
}

#[cfg(feature = "redis")]
fn redis_from_url(url: &str, config: LayerConfig) -> Result<Arc<dyn ChannelLayer>> {
    Ok(Arc::new(RedisLayer::from_url_with_config(url, config)?))
}

#[cfg(not(feature = "redis"))]
fn redis_from_url(_url: &str, _config: LayerConfig) -> Result<Arc<dyn ChannelLayer>> {
    Err(Error::Config(
        "a redis:// channel layer needs wsviews built with its `redis` cargo feature".into(),
    ))
}

#[cfg(feature = "channels-redis")]
fn channels_redis_from_url(url: &str, config: LayerConfig) -> Result<Arc<dyn ChannelLayer>> {
    Ok(Arc::new(ChannelsRedisLayer::from_url_with_config(
        url, config,
    )?))
}

#[cfg(not(feature = "channels-redis"))]
fn channels_redis_from_url(_url: &str, _config: LayerConfig) -> Result<Arc<dyn ChannelLayer>> {
    Err(Error::Config(
        "a channels-redis:// channel layer needs wsviews built with its `channels-redis` \
         cargo feature"
            .into(),
    ))
}
