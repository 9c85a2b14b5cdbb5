//! A redis-server of its own for a channels-redis test, a connection to
//! look at its keys, and helpers to make layers, events and receive.

use std::time::Duration;

use serde_json::Value;
use wsviews::layers::{ChannelLayer, ChannelsRedisLayer, Message};

use super::redis_server::RedisServer;

pub struct Setup {
    // Dropped last: stops redis-server.
    _server: RedisServer,
    pub redis: redis::Connection,
    pub url: String,
}

pub fn setup() -> Setup {
    let server = RedisServer::start();
    let url = server.url().replacen("redis://", "channels-redis://", 1);
    let client = redis::Client::open(server.url()).expect("redis URL");
    let redis = client.get_connection().expect("connect to redis-server");
    Setup {
        _server: server,
        redis,
        url,
    }
}

impl Setup {
    pub fn layer(&self, query: &str) -> ChannelsRedisLayer {
        ChannelsRedisLayer::from_url(&format!("{}{query}", self.url)).expect("a layer")
    }
}

pub fn event(value: Value) -> Message {
    value.as_object().cloned().expect("a JSON object")
}

pub fn receive(layer: &ChannelsRedisLayer, channel: &str) -> Option<(String, Message)> {
    layer
        .receive(&[channel], Duration::from_secs(2))
        .expect("receive")
}
