//! Channel layers by URL, and what only the Redis layer does: two layers
//! sharing one Redis, an invalid Redis URL, surviving Redis going away and
//! coming back, and a frozen Redis timing out. (The semantics every backend
//! shares are in `layers.rs`.)

#[cfg(feature = "redis")]
use std::sync::Arc;
#[cfg(feature = "redis")]
use std::thread;
#[cfg(feature = "redis")]
use std::time::{Duration, Instant};

#[cfg(feature = "redis")]
use serde_json::json;
use wsviews::layers::{self, LayerConfig};
#[cfg(feature = "redis")]
use wsviews::layers::{ChannelLayer, Message, RedisLayer};
use wsviews::Error;

#[cfg(feature = "redis")]
#[path = "support/redis.rs"]
mod redis_server;

#[test]
fn unknown_url_scheme_is_a_config_error() {
    for url in ["postgres://localhost/", "memory", ""] {
        match layers::from_url(url) {
            Err(Error::Config(why)) => assert!(why.contains("memory://"), "{why}"),
            other => panic!("{url:?}: expected a Config error, got {other:?}"),
        }
    }
    let config = LayerConfig::default().capacity(0);
    assert!(matches!(
        layers::from_url_with_config("memory://", config),
        Err(Error::Config(_))
    ));
}

#[cfg(not(feature = "redis"))]
#[test]
fn redis_url_without_the_feature_is_a_config_error() {
    match layers::from_url("redis://127.0.0.1:6379/0") {
        Err(Error::Config(why)) => assert!(why.contains("`redis` cargo feature"), "{why}"),
        other => panic!("expected a Config error, got {other:?}"),
    }
}

#[cfg(feature = "redis")]
mod redis_only {
    use super::*;
    use redis_server::RedisServer;

    /// A new Redis layer on the server at `url`, as another process would make.
    fn default_layer(url: &str) -> Arc<dyn ChannelLayer> {
        layers::from_url_with_config(url, LayerConfig::default()).expect("redis layer")
    }

    fn message(n: i64) -> Message {
        let mut message = Message::new();
        message.insert("type".into(), json!("test.message"));
        message.insert("n".into(), json!(n));
        message
    }

    #[test]
    fn two_layers_share_channels_and_groups() {
        let server = RedisServer::start();
        let (one, two) = (default_layer(&server.url()), default_layer(&server.url()));
        one.send("shared", &message(1)).unwrap();
        let got = two.receive(&["shared"], Duration::from_secs(1)).unwrap();
        assert_eq!(got, Some(("shared".to_owned(), message(1))));

        let inbox = layers::process_prefix("proc.").unwrap();
        let reply = two.new_channel(&inbox).unwrap();
        one.group_add("shared.group", &reply).unwrap();
        assert_eq!(
            two.group_channels("shared.group").unwrap(),
            [reply.as_str()]
        );
        two.send_group("shared.group", &message(2)).unwrap();
        let got = two.receive(&[&inbox], Duration::from_secs(1)).unwrap();
        assert_eq!(got, Some((reply.clone(), message(2))));

        one.session_save(&reply, &message(3)).unwrap();
        assert_eq!(two.session_load(&reply).unwrap(), Some(message(3)));
    }

    #[test]
    fn invalid_redis_url_is_a_config_error() {
        let result = RedisLayer::from_url("redis://host:notaport/0");
        assert!(matches!(result, Err(Error::Config(_))), "{result:?}");
    }

    /// Every operation fails, promptly and without a panic, while Redis is
    /// down, and works again once it is back on the same port.
    #[test]
    fn survives_redis_going_away_and_coming_back() {
        let mut server = RedisServer::start();
        let layer = default_layer(&server.url());
        layer.send("before", &message(1)).unwrap();
        layer.group_add("g", "before").unwrap();

        // A receive blocked in BLPOP when Redis dies returns an error.
        let receiver = Arc::clone(&layer);
        let blocked = thread::spawn(move || {
            let started = Instant::now();
            (
                receiver.receive(&["nothing"], Duration::from_secs(30)),
                started.elapsed(),
            )
        });
        thread::sleep(Duration::from_millis(200)); // let it block
        server.stop();
        let (result, waited) = blocked.join().unwrap();
        assert!(matches!(result, Err(Error::Layer(_))), "{result:?}");
        assert!(
            waited < Duration::from_secs(3),
            "blocked receive took {waited:?}"
        );

        let started = Instant::now();
        let failures = [
            layer.send("down", &message(2)),
            layer.receive(&["before"], Duration::from_secs(1)).map(drop),
            layer.receive(&["before"], Duration::ZERO).map(drop),
            layer.group_add("g", "down"),
            layer.group_discard("g", "down"),
            layer.group_channels("g").map(drop),
            layer.send_group("g", &message(2)),
        ];
        for result in failures {
            match result {
                Err(Error::Layer(why)) => assert!(why.contains("Redis at 127.0.0.1:"), "{why}"),
                other => panic!("expected a Layer error, got {other:?}"),
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );

        server.restart(); // an empty Redis: what was stored is gone
        layer.send("after", &message(3)).unwrap();
        let got = layer.receive(&["after"], Duration::from_secs(1)).unwrap();
        assert_eq!(got, Some(("after".to_owned(), message(3))));
        layer.group_add("g", "after").unwrap();
        assert_eq!(layer.group_channels("g").unwrap(), ["after"]);
    }

    /// A Redis that accepts but never answers (a hung host) makes operations
    /// fail after the layer's timeouts, not hang; they work once it answers.
    #[test]
    fn a_frozen_redis_times_out() {
        let server = RedisServer::start();
        let layer = default_layer(&server.url());
        layer.send("warm", &message(1)).unwrap(); // a pooled connection
        server.pause();
        let started = Instant::now();
        let result = layer.send("frozen", &message(2));
        let waited = started.elapsed();
        server.resume();
        // The error says the send may still happen, and what a late reply
        // costs this layer.
        assert!(
            matches!(&result, Err(Error::Layer(m))
                if m.contains("may still carry the command out") && m.contains("received again")),
            "{result:?}"
        );
        assert!(waited < Duration::from_secs(5), "send took {waited:?}");
        let got = layer.receive(&["warm"], Duration::from_secs(1)).unwrap();
        assert_eq!(got, Some(("warm".to_owned(), message(1))));
    }

    /// A frozen Redis loses no message of a process inbox. The receive gives
    /// up on its reply, and when Redis answers again it still carries the
    /// receive out for the connection given up on (a plain `BLPOP` popped
    /// the message for nobody there); the message waits in flight and the
    /// next receives get it.
    #[test]
    fn an_inbox_loses_nothing_to_a_frozen_redis() {
        let server = RedisServer::start();
        let layer = default_layer(&server.url());
        let inbox = layers::process_prefix("frozen.").unwrap();
        let channel = layer.new_channel(&inbox).unwrap();
        layer.send(&channel, &message(1)).unwrap();
        server.pause();
        let result = layer.receive(&[&inbox], Duration::from_millis(100));
        server.resume();
        assert!(matches!(result, Err(Error::Layer(_))), "{result:?}");
        let deadline = Instant::now() + Duration::from_secs(5);
        let got = loop {
            match layer.receive(&[&inbox], Duration::from_millis(200)) {
                Ok(Some(got)) => break got,
                Ok(None) | Err(_) if Instant::now() < deadline => continue,
                other => panic!("the message is lost: {other:?}"),
            }
        };
        assert_eq!(got, (channel, message(1)));
        let again = layer
            .receive(&[&inbox], Duration::from_millis(100))
            .unwrap();
        assert_eq!(again, None, "received once");
    }
}
