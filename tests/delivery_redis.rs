//! Delivery over a real redis-server: members connected before Redis
//! restarts receive again once it is back (the server re-joins their
//! groups), and while it is down a group send fails loudly.
#![cfg(feature = "redis")]

#[allow(dead_code)]
#[path = "support/redis.rs"]
mod redis_server;
mod support;

use std::sync::Arc;

use redis_server::RedisServer;
use support::*;
use wsviews::layers::RedisLayer;
use wsviews::{path, require_websocket, Group, Request, ServerConfig, UrlPattern};

/// `/chat/<room>`: joins `room-<room>` and sends it every message received.
fn chat() -> UrlPattern {
    path(
        "chat/<str:room>",
        require_websocket(|request: &Request| -> wsviews::Result<()> {
            let websocket = request.websocket().expect("a WebSocket");
            let room = Group::new(format!("room-{}", request.kwarg("room").unwrap_or("")));
            room.add(websocket)?;
            for message in websocket {
                if let Err(e) = room.send(message) {
                    log::warn!("not sent: {e}");
                }
            }
            Ok(())
        }),
    )
}

#[test]
fn members_from_before_a_redis_restart_receive_again() {
    init_test_log();
    let mut redis = RedisServer::start();
    let layer = Arc::new(RedisLayer::from_url(&redis.url()).expect("layer"));
    let config = ServerConfig::default().channel_layer(layer);
    let server = TestServer::start_with_config(vec![chat()], config);
    let room = server.group("room-restart");
    let mut alice = server.websocket("/chat/restart");
    let mut bob = server.websocket("/chat/restart");
    wait_until("both joined", || {
        room.channels().is_ok_and(|c| c.len() == 2)
    });
    alice.send("before");
    assert_eq!(
        bob.recv().expect("before").into_text().as_deref(),
        Some("before")
    );
    assert_eq!(
        alice.recv().expect("before").into_text().as_deref(),
        Some("before")
    );

    redis.stop();
    let error = room
        .send("into the void")
        .expect_err("a send fails while Redis is down");
    assert!(matches!(error, wsviews::Error::Layer(_)), "{error}");

    redis.restart();
    // The restarted Redis has no groups; the server re-joins its members.
    wait_until("the members are back in their group", || {
        room.channels().is_ok_and(|c| c.len() == 2)
    });
    bob.send("after");
    assert_eq!(
        alice.recv().expect("after").into_text().as_deref(),
        Some("after")
    );
    assert_eq!(
        bob.recv().expect("after").into_text().as_deref(),
        Some("after")
    );
}

#[test]
fn a_burst_across_two_servers_on_redis_loses_nothing() {
    const MEMBERS: usize = 40;
    const EACH: usize = 10;
    init_test_log();
    let redis = RedisServer::start();
    // A small inbox: one message per process per send must still fit.
    let config = || {
        let layer = wsviews::layers::LayerConfig::default().inbox_capacity(500);
        let layer = RedisLayer::from_url_with_config(&redis.url(), layer).expect("layer");
        ServerConfig::default().channel_layer(Arc::new(layer))
    };
    let servers = [
        TestServer::start_with_config(vec![chat()], config()),
        TestServer::start_with_config(vec![chat()], config()),
    ];
    let clients: Vec<_> = (0..MEMBERS)
        .map(|i| servers[i % 2].websocket("/chat/burst"))
        .collect();
    let room = servers[0].group("room-burst");
    wait_until("all joined", || {
        room.channels().is_ok_and(|c| c.len() == MEMBERS)
    });
    burst_in_order(clients, EACH);
}
