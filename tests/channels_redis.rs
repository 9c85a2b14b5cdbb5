//! The channels-redis layer on a real redis-server: channels_redis 4's
//! keys and rules as seen in Redis (queues, inboxes, groups, capacity,
//! expiry, the in-flight backup), without Python. The Django Channels 4
//! interop tests are in tests/channels_redis_django.rs.
#![cfg(feature = "channels-redis")]

#[allow(dead_code)]
#[path = "support/redis.rs"]
mod redis_server;
#[allow(dead_code)]
#[path = "support/channels_redis_setup.rs"]
mod setup;

use std::time::Duration;

use redis::Commands;
use serde_json::json;
use wsviews::layers::{self, bytes_value, ChannelLayer, MAX_MESSAGE_SIZE};
use wsviews::Error;

use setup::{event, receive, setup};

#[test]
fn send_and_receive_a_plain_channel_in_order_with_bytes() {
    let mut s = setup();
    let layer = s.layer("");
    let first = event(json!({"type": "job", "n": 1, "bytes": bytes_value(&[0, 1, 255])}));
    let second = event(json!({"type": "job", "n": 2}));
    layer.send("worker.jobs", &first).unwrap();
    layer.send("worker.jobs", &second).unwrap();
    // channels_redis' layout: a sorted set named prefix + channel, 12-byte
    // random prefix then msgpack, scored by seconds since the epoch.
    let members: Vec<(Vec<u8>, f64)> = s.redis.zrange_withscores("asgiworker.jobs", 0, -1).unwrap();
    assert_eq!(members.len(), 2);
    assert_eq!(
        members[0].0[12], 0x83,
        "a msgpack map of 3 after 12 random bytes"
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    assert!((now - members[0].1).abs() < 60.0, "score is the send time");
    let ttl: i64 = s.redis.ttl("asgiworker.jobs").unwrap();
    assert!(
        (55..=60).contains(&ttl),
        "queue expires with the expiry: {ttl}"
    );
    assert_eq!(
        receive(&layer, "worker.jobs"),
        Some(("worker.jobs".into(), first))
    );
    assert_eq!(
        receive(&layer, "worker.jobs"),
        Some(("worker.jobs".into(), second))
    );
    assert_eq!(
        layer.receive(&["worker.jobs"], Duration::ZERO).unwrap(),
        None
    );
    let inflight: bool = s.redis.exists("asgiworker.jobs$inflight").unwrap();
    assert!(
        !inflight,
        "the in-flight backup is emptied after each message"
    );
}

#[test]
fn process_inbox_routes_by_asgi_channel() {
    let mut s = setup();
    let layer = s.layer("");
    let inbox = "specific.0123456789abcdef!";
    let a = layer.new_channel(inbox).unwrap();
    let b = layer.new_channel(inbox).unwrap();
    assert_eq!(a.len(), inbox.len() + 32);
    layer
        .send(&b, &event(json!({"type": "x", "to": "b"})))
        .unwrap();
    let count: usize = s.redis.zcard(format!("asgi{inbox}")).unwrap();
    assert_eq!(count, 1, "stored in the inbox's queue");
    let (channel, message) = receive(&layer, inbox).unwrap();
    assert_eq!(
        (channel, message),
        (b.clone(), event(json!({"type": "x", "to": "b"})))
    );
    assert!(matches!(
        layer.receive(&[&a], Duration::ZERO),
        Err(Error::InvalidName(_))
    ));
    // One group send stores one message per inbox, naming both members.
    layer.group_add("room", &a).unwrap();
    layer.group_add("room", &b).unwrap();
    layer.group_add("room", "plain.channel").unwrap();
    layer
        .send_group(
            "room",
            &event(json!({"type": "chat.message", "text": "hi"})),
        )
        .unwrap();
    let stored: usize = s.redis.zcard(format!("asgi{inbox}")).unwrap();
    assert_eq!(stored, 1);
    let mut got: Vec<String> = (0..2).map(|_| receive(&layer, inbox).unwrap().0).collect();
    got.sort();
    let mut expected = vec![a, b];
    expected.sort();
    assert_eq!(got, expected);
    let plain = receive(&layer, "plain.channel").unwrap();
    assert_eq!(
        plain.1,
        event(json!({"type": "chat.message", "text": "hi"}))
    );
}

#[test]
fn groups_are_sorted_sets_scored_by_join_time() {
    let mut s = setup();
    let layer = s.layer("?prefix=site&group_expiry=100");
    layer.group_add("chat-lobby", "c1").unwrap();
    let score: f64 = s.redis.zscore("site:group:chat-lobby", "c1").unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    assert!((now - score).abs() < 60.0);
    let ttl: i64 = s.redis.ttl("site:group:chat-lobby").unwrap();
    assert!((95..=100).contains(&ttl), "{ttl}");
    // A member who joined longer than group_expiry ago has left.
    let _: () = s
        .redis
        .zadd("site:group:chat-lobby", "old", now - 101.0)
        .unwrap();
    assert_eq!(layer.group_channels("chat-lobby").unwrap(), ["c1"]);
    layer.group_discard("chat-lobby", "c1").unwrap();
    assert!(layer.group_channels("chat-lobby").unwrap().is_empty());
}

#[test]
fn capacity_refuses_a_send_and_skips_a_full_group_member() {
    let s = setup();
    let layer = s.layer("?capacity=2");
    let m = event(json!({"type": "t"}));
    layer.send("full", &m).unwrap();
    layer.send("full", &m).unwrap();
    assert!(matches!(layer.send("full", &m), Err(Error::ChannelFull(c)) if c == "full"));
    layer.group_add("g", "full").unwrap();
    layer.group_add("g", "empty").unwrap();
    layer.send_group("g", &m).unwrap();
    assert_eq!(layer.skipped_full(), 1);
    assert!(receive(&layer, "empty").is_some());
    for _ in 0..2 {
        assert!(receive(&layer, "full").is_some());
    }
    assert_eq!(layer.receive(&["full"], Duration::ZERO).unwrap(), None);
}

#[test]
fn expired_messages_are_trimmed_on_send_and_never_delivered() {
    let mut s = setup();
    let layer = s.layer("?expiry=30");
    layer.send("q", &event(json!({"type": "old"}))).unwrap();
    // Age the stored message past the expiry.
    let members: Vec<Vec<u8>> = s.redis.zrange("asgiq", 0, -1).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let _: () = s.redis.zadd("asgiq", &members[0], now - 31.0).unwrap();
    assert_eq!(layer.receive(&["q"], Duration::ZERO).unwrap(), None);
    assert_eq!(layer.undeliverable(), 1);
    // A send trims what expired: only the new message is left.
    let _: () = s.redis.zadd("asgiq", &members[0], now - 31.0).unwrap();
    layer.send("q", &event(json!({"type": "new"}))).unwrap();
    let left: usize = s.redis.zcard("asgiq").unwrap();
    assert_eq!(left, 1);
    assert_eq!(receive(&layer, "q").unwrap().1["type"], "new");
}

#[test]
fn a_message_left_in_flight_is_received_again() {
    let mut s = setup();
    let layer = s.layer("");
    layer.send("q", &event(json!({"type": "again"}))).unwrap();
    // A receiver that died after popping left it in the backup.
    let popped: Vec<(Vec<u8>, f64)> = redis::cmd("ZPOPMIN")
        .arg("asgiq")
        .query(&mut s.redis)
        .unwrap();
    let _: () = s
        .redis
        .zadd("asgiq$inflight", &popped[0].0, popped[0].1)
        .unwrap();
    assert_eq!(receive(&layer, "q").unwrap().1["type"], "again");
    let left: bool = s.redis.exists("asgiq$inflight").unwrap();
    assert!(!left);
}

#[test]
fn events_without_type_are_refused_and_nothing_is_stored() {
    let mut s = setup();
    let layer = s.layer("");
    layer.group_add("g", "member").unwrap();
    let untyped = event(json!({"text": "hi"}));
    assert!(matches!(
        layer.send("member", &untyped),
        Err(Error::InvalidMessage(_))
    ));
    assert!(matches!(
        layer.send_group("g", &untyped),
        Err(Error::InvalidMessage(_))
    ));
    let reserved = event(json!({"type": "t", "__asgi_channel__": "x"}));
    assert!(matches!(
        layer.send("member", &reserved),
        Err(Error::InvalidMessage(_))
    ));
    let stored: bool = s.redis.exists("asgimember").unwrap();
    assert!(!stored);
    // A body that is not msgpack is dropped and counted, and the receive
    // goes on to the next message.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let _: () = s
        .redis
        .zadd("asgimember", b"0123456789ab\xc1".as_slice(), now - 1.0)
        .unwrap();
    layer.send("member", &event(json!({"type": "ok"}))).unwrap();
    assert_eq!(receive(&layer, "member").unwrap().1["type"], "ok");
    assert_eq!(layer.undeliverable(), 1);
}

#[test]
fn names_and_limits_follow_channels() {
    let s = setup();
    let layer = s.layer("");
    let m = event(json!({"type": "t"}));
    for bad in ["a?b", "a b", &"a".repeat(100), "", "a!b!c"] {
        assert!(
            matches!(layer.send(bad, &m), Err(Error::InvalidName(_))),
            "{bad:?}"
        );
    }
    assert!(matches!(
        layer.group_add("a!b", "c"),
        Err(Error::InvalidName(_))
    ));
    assert!(layer.send(&"a".repeat(99), &m).is_ok());
    let big = event(json!({"type": "t", "text": "x".repeat(MAX_MESSAGE_SIZE)}));
    assert!(matches!(
        layer.send("q", &big),
        Err(Error::MessageTooLarge { .. })
    ));
}

#[test]
fn urls_pick_the_layer_and_refuse_several_hosts() {
    let s = setup();
    let layer = layers::from_url(&s.url).expect("channels-redis:// URL");
    assert_eq!(layer.event_type(), Some("websocket.send"));
    let typed = layers::from_url(&format!("{}?event_type=chat.message", s.url)).unwrap();
    assert_eq!(typed.event_type(), Some("chat.message"));
    let err = layers::from_url("channels-redis://127.0.0.1:1,127.0.0.1:2/0").unwrap_err();
    assert!(err.to_string().contains("one Redis host"), "{err}");
    assert_eq!(layers::from_url("memory://").unwrap().event_type(), None);
}

#[test]
fn sessions_and_flush_stay_under_the_prefix() {
    let mut s = setup();
    let layer = s.layer("?prefix=p1");
    let session = event(json!({"user": "ann", "b": bytes_value(b"\x00")}));
    layer.session_save("reply.x", &session).unwrap();
    assert_eq!(layer.session_load("reply.x").unwrap(), Some(session));
    layer.send("q", &event(json!({"type": "t"}))).unwrap();
    let _: () = s.redis.set("other", 1).unwrap();
    assert_eq!(layer.flush().unwrap(), 2);
    assert_eq!(layer.session_load("reply.x").unwrap(), None);
    let other: bool = s.redis.exists("other").unwrap();
    assert!(other, "flush leaves keys outside the prefix");
}

/// The demo's contract: `/chat/<room>` members are the channels_redis group
/// `chat-<room>`; `{"type": "chat.message", "text": T}` sent to the group
/// reaches them as T, and their text T goes to the group as that event.
/// Threads receiving from one queue never take each other's message in
/// flight: each message is delivered exactly once.
#[test]
fn concurrent_receivers_deliver_each_message_once() {
    let s = setup();
    let layer = std::sync::Arc::new(s.layer("?capacity=1000"));
    let (total, threads) = (300, 3);
    let receivers: Vec<_> = (0..threads)
        .map(|_| {
            let layer = std::sync::Arc::clone(&layer);
            std::thread::spawn(move || {
                // Each receiver stops at the first "stop" it takes.
                let mut got = Vec::new();
                loop {
                    let received = layer.receive(&["shared.q"], Duration::from_secs(10));
                    let (_, m) = received.unwrap().expect("a message or a stop");
                    if m["type"] == "stop" {
                        return got;
                    }
                    got.push(m["n"].as_u64().unwrap());
                }
            })
        })
        .collect();
    for n in 0..total {
        let m = event(json!({"type": "t", "n": n}));
        layer.send("shared.q", &m).unwrap();
    }
    for _ in 0..threads {
        layer
            .send("shared.q", &event(json!({"type": "stop"})))
            .unwrap();
    }
    let mut all: Vec<u64> = receivers
        .into_iter()
        .flat_map(|r| r.join().unwrap())
        .collect();
    all.sort_unstable();
    let mut unique = all.clone();
    unique.dedup();
    assert_eq!(all.len() - unique.len(), 0, "delivered twice");
    assert_eq!(unique, (0..total).collect::<Vec<u64>>(), "all delivered");
}

/// A group send to more queues than one script run serves goes out in
/// batches, each member queue getting one message.
#[test]
fn big_groups_are_sent_in_batches() {
    let mut s = setup();
    let layer = s.layer("");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let members: Vec<(f64, String)> = (0..1_200).map(|i| (now, format!("member.{i}"))).collect();
    let _: () = s.redis.zadd_multiple("asgi:group:big", &members).unwrap();
    layer
        .send_group("big", &event(json!({"type": "t"})))
        .unwrap();
    for i in [0, 499, 500, 1_199] {
        let stored: usize = s.redis.zcard(format!("asgimember.{i}")).unwrap();
        assert_eq!(stored, 1, "member.{i}");
    }
    let keys: Vec<String> = s.redis.keys("asgimember.*").unwrap();
    assert_eq!(keys.len(), 1_200);
}
