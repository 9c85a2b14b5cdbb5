//! `channels-redis://HOST:PORT/DB?prefix=&capacity=&expiry=&group_expiry=&event_type=`
//! URLs, parsed without touching the network.

use std::time::Duration;

use super::wire;
use crate::layers::LayerConfig;
use crate::{Error, Result};

/// The scheme of a channels-redis layer URL.
pub const SCHEME: &str = "channels-redis://";
/// channels_redis' default key prefix.
pub const DEFAULT_PREFIX: &str = "asgi";
/// The `"type"` of the WebSocket messages wsviews sends through the layer
/// unless the URL or the group says otherwise.
pub const DEFAULT_EVENT_TYPE: &str = "websocket.send";

/// What a channels-redis URL says.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    /// The same Redis as a `redis://` URL, for the connection pool.
    pub redis_url: String,
    /// The key prefix (`?prefix=`, default `asgi`).
    pub prefix: String,
    /// `?event_type=`, default `websocket.send`.
    pub event_type: String,
    /// `config` with `?capacity=`, `?expiry=` and `?group_expiry=` applied.
    pub config: LayerConfig,
}

/// Parses `url`, applying its query to `config`.
///
/// # Errors
///
/// [`Error::Config`] for another scheme, several hosts, an unknown or
/// malformed parameter. The URL may hold a password: errors never quote it.
pub fn parse(url: &str, mut config: LayerConfig) -> Result<Parsed> {
    let rest = url
        .strip_prefix(SCHEME)
        .ok_or_else(|| Error::Config(format!("a channels-redis layer URL starts with {SCHEME}")))?;
    let (location, query) = rest.split_once('?').unwrap_or((rest, ""));
    let host_part = location.split('/').next().unwrap_or_default();
    if host_part.contains(',') {
        return Err(Error::Config(
            "channels-redis:// takes one Redis host: with several, channels_redis shards \
             channels in a way that loses messages sent to process-specific channels \
             (upstream issue 221)"
                .into(),
        ));
    }
    let mut parsed = Parsed {
        redis_url: format!("redis://{location}"),
        prefix: DEFAULT_PREFIX.into(),
        event_type: DEFAULT_EVENT_TYPE.into(),
        config: LayerConfig::default(),
    };
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        match key.as_ref() {
            "prefix" => parsed.prefix = prefix(&value)?,
            "event_type" => parsed.event_type = event_type(&value)?,
            "capacity" => config = config.capacity(number(&key, &value)?),
            "expiry" => config = config.expiry(seconds(&key, &value)?),
            "group_expiry" => config = config.group_expiry(seconds(&key, &value)?),
            other => {
                return Err(Error::Config(format!(
                    "unknown channels-redis URL parameter {other:?}: use prefix, capacity, \
                     expiry, group_expiry or event_type"
                )))
            }
        }
    }
    config.validate()?;
    parsed.config = config;
    Ok(parsed)
}

fn prefix(value: &str) -> Result<String> {
    if value.is_empty() || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::Config(format!(
            "invalid channels-redis prefix {value:?}"
        )));
    }
    Ok(value.into())
}

fn event_type(value: &str) -> Result<String> {
    // A type names a consumer method: a valid group name is a safe shape.
    wire::validate_group(value).map_err(|_| {
        Error::Config(format!(
            "invalid event_type {value:?}: use a name such as chat.message"
        ))
    })?;
    Ok(value.into())
}

fn number(key: &str, value: &str) -> Result<usize> {
    value.parse().map_err(|_| {
        Error::Config(format!(
            "channels-redis {key} must be a whole number, not {value:?}"
        ))
    })
}

fn seconds(key: &str, value: &str) -> Result<Duration> {
    value
        .parse::<f64>()
        .ok()
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .ok_or_else(|| {
            Error::Config(format!(
                "channels-redis {key} must be seconds, not {value:?}"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_parameters() {
        let plain = parse("channels-redis://127.0.0.1:6379/0", LayerConfig::default()).unwrap();
        assert_eq!(plain.redis_url, "redis://127.0.0.1:6379/0");
        assert_eq!(
            (plain.prefix.as_str(), plain.event_type.as_str()),
            ("asgi", "websocket.send")
        );
        assert_eq!(plain.config, LayerConfig::default());

        let url = "channels-redis://:pw@h:1/2?prefix=site1&capacity=5&expiry=0.5&group_expiry=30&event_type=chat.message";
        let full = parse(url, LayerConfig::default()).unwrap();
        assert_eq!(full.redis_url, "redis://:pw@h:1/2");
        assert_eq!(
            (full.prefix.as_str(), full.event_type.as_str()),
            ("site1", "chat.message")
        );
        assert_eq!(full.config.capacity, 5);
        assert_eq!(full.config.expiry, Duration::from_millis(500));
        assert_eq!(full.config.group_expiry, Duration::from_secs(30));
    }

    #[test]
    fn bad_urls_are_refused_clearly() {
        let cases = [
            ("redis://h:1/0", "starts with"),
            ("channels-redis://h1:1,h2:2/0", "one Redis host"),
            ("channels-redis://h:1/0?capacity=lots", "whole number"),
            ("channels-redis://h:1/0?capacity=0", "at least 1"),
            ("channels-redis://h:1/0?expiry=-1", "seconds"),
            ("channels-redis://h:1/0?group_expiry=0", "between"),
            ("channels-redis://h:1/0?prefix=", "prefix"),
            ("channels-redis://h:1/0?event_type=a%20b", "event_type"),
            ("channels-redis://h:1/0?hosts=x", "unknown"),
            ("channels-redis://:secret@h:1/0?nope=1", "unknown"),
        ];
        for (url, says) in cases {
            let err = parse(url, LayerConfig::default()).unwrap_err().to_string();
            assert!(err.contains(says), "{url}: {err}");
            assert!(!err.contains("secret"), "{url}: {err}");
        }
    }
}
