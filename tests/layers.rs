//! The channel-layer semantics, written once and run against every backend:
//! the in-memory layer, and (feature `redis`) a Redis layer on a real
//! redis-server of its own per test.

use std::collections::HashSet;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::json;
use wsviews::layers::{self, ChannelLayer, LayerConfig, Message, MAX_MESSAGE_SIZE};
use wsviews::Error;

#[cfg(feature = "redis")]
#[allow(dead_code)]
#[path = "support/redis.rs"]
mod redis_server;

/// Makes layers of one backend; every layer a backend makes shares its
/// storage (as two processes sharing a Redis would).
trait Backend {
    fn layer(&self, config: LayerConfig) -> Arc<dyn ChannelLayer>;
}

struct Memory;

impl Backend for Memory {
    fn layer(&self, config: LayerConfig) -> Arc<dyn ChannelLayer> {
        layers::from_url_with_config("memory://", config).expect("memory layer")
    }
}

/// Runs each behaviour against each backend, as one `#[test]` apiece.
macro_rules! layer_suite {
    ($($behaviour:ident),* $(,)?) => {
        mod memory {
            $(#[test]
            fn $behaviour() {
                super::$behaviour(&super::Memory);
            })*
        }

        #[cfg(feature = "redis")]
        mod redis {
            $(#[test]
            fn $behaviour() {
                let server = super::redis_server::RedisServer::start();
                super::$behaviour(&super::Redis(server.url()));
            })*
        }
    };
}

layer_suite!(
    round_trip,
    fifo_order,
    non_blocking_receive_on_empty,
    blocking_receive_times_out,
    blocking_receive_wakes_on_send,
    receive_over_several_channels,
    full_channel_refuses_send,
    expired_messages_are_never_delivered,
    groups_add_discard_list_and_send,
    group_membership_expires,
    send_group_skips_a_full_member,
    names_are_validated,
    messages_over_1_mib_are_refused,
    process_inbox_receives_for_its_channels,
    process_inbox_has_its_own_capacity,
    new_channels_are_unique,
    sessions_are_kept_replaced_and_expire,
);

fn message(n: i64) -> Message {
    let mut message = Message::new();
    message.insert("type".into(), json!("test.message"));
    message.insert("n".into(), json!(n));
    message
}

fn default_layer(backend: &dyn Backend) -> Arc<dyn ChannelLayer> {
    backend.layer(LayerConfig::default())
}

fn round_trip(backend: &dyn Backend) {
    let layer = default_layer(backend);
    let mut sent = message(1);
    sent.insert(
        "nested".into(),
        json!({"list": [1, "two", null], "ok": true}),
    );
    layer.send("test.channel", &sent).unwrap();
    let received = layer.receive(&["test.channel"], Duration::ZERO).unwrap();
    assert_eq!(received, Some(("test.channel".to_owned(), sent)));
    assert_eq!(
        layer.receive(&["test.channel"], Duration::ZERO).unwrap(),
        None
    );
}

fn fifo_order(backend: &dyn Backend) {
    let layer = default_layer(backend);
    for n in 0..10 {
        layer.send("fifo", &message(n)).unwrap();
    }
    for n in 0..10 {
        let (_, received) = layer.receive(&["fifo"], Duration::ZERO).unwrap().unwrap();
        assert_eq!(received, message(n));
    }
}

fn non_blocking_receive_on_empty(backend: &dyn Backend) {
    let layer = default_layer(backend);
    let started = Instant::now();
    assert_eq!(
        layer.receive(&["empty", "empty2"], Duration::ZERO).unwrap(),
        None
    );
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
}

fn blocking_receive_times_out(backend: &dyn Backend) {
    let layer = default_layer(backend);
    let started = Instant::now();
    let timeout = Duration::from_millis(300);
    assert_eq!(layer.receive(&["quiet"], timeout).unwrap(), None);
    let waited = started.elapsed();
    assert!(waited >= timeout, "returned early, after {waited:?}");
    assert!(
        waited < timeout + Duration::from_millis(700),
        "returned late, after {waited:?}"
    );
}

fn blocking_receive_wakes_on_send(backend: &dyn Backend) {
    let layer = default_layer(backend);
    let sender = Arc::clone(&layer);
    let send_after = Duration::from_millis(100);
    let started = Instant::now();
    let handle = thread::spawn(move || {
        thread::sleep(send_after); // let the receiver block first
        sender.send("wake", &message(7)).unwrap();
    });
    let received = layer
        .receive(&["other", "wake"], Duration::from_secs(10))
        .unwrap();
    let waited = started.elapsed();
    handle.join().unwrap();
    assert_eq!(received, Some(("wake".to_owned(), message(7))));
    assert!(
        waited < send_after + Duration::from_millis(500),
        "woke after {waited:?}"
    );
}

fn receive_over_several_channels(backend: &dyn Backend) {
    let layer = default_layer(backend);
    let channels = ["many.a", "many.b", "many.c"];
    layer.send("many.b", &message(2)).unwrap();
    let received = layer.receive(&channels, Duration::ZERO).unwrap();
    assert_eq!(received, Some(("many.b".to_owned(), message(2))));

    layer.send("many.a", &message(1)).unwrap();
    layer.send("many.c", &message(3)).unwrap();
    let mut got = HashSet::new();
    for _ in 0..2 {
        let (channel, _) = layer
            .receive(&channels, Duration::from_secs(1))
            .unwrap()
            .unwrap();
        got.insert(channel);
    }
    assert_eq!(
        got,
        HashSet::from(["many.a".to_owned(), "many.c".to_owned()])
    );
    assert_eq!(layer.receive(&channels, Duration::ZERO).unwrap(), None);
}

fn full_channel_refuses_send(backend: &dyn Backend) {
    let layer = backend.layer(LayerConfig::default().capacity(3));
    for n in 0..3 {
        layer.send("small", &message(n)).unwrap();
    }
    match layer.send("small", &message(3)) {
        Err(Error::ChannelFull(name)) => assert_eq!(name, "small"),
        other => panic!("expected ChannelFull, got {other:?}"),
    }
    layer.send("other", &message(0)).unwrap(); // capacity is per channel
    layer.receive(&["small"], Duration::ZERO).unwrap().unwrap();
    layer.send("small", &message(4)).unwrap(); // room again
}

fn expired_messages_are_never_delivered(backend: &dyn Backend) {
    let expiry = Duration::from_millis(400);
    let layer = backend.layer(LayerConfig::default().expiry(expiry).capacity(2));
    layer.send("fleeting", &message(1)).unwrap();
    layer.send("fleeting", &message(2)).unwrap();
    thread::sleep(expiry + Duration::from_millis(100)); // the condition is time itself
                                                        // Expired messages free their room, and are never received.
    layer.send("fleeting", &message(3)).unwrap();
    let received = layer.receive(&["fleeting"], Duration::ZERO).unwrap();
    assert_eq!(received, Some(("fleeting".to_owned(), message(3))));
    assert_eq!(layer.receive(&["fleeting"], Duration::ZERO).unwrap(), None);
}

fn groups_add_discard_list_and_send(backend: &dyn Backend) {
    let layer = default_layer(backend);
    layer.group_add("room", "member.a").unwrap();
    layer.group_add("room", "member.b").unwrap();
    layer.group_add("room", "member.b").unwrap(); // a renewal, not a second member
    let mut members = layer.group_channels("room").unwrap();
    members.sort();
    assert_eq!(members, ["member.a", "member.b"]);

    layer.send_group("room", &message(1)).unwrap();
    for channel in ["member.a", "member.b"] {
        let received = layer.receive(&[channel], Duration::ZERO).unwrap();
        assert_eq!(received, Some((channel.to_owned(), message(1))));
    }

    layer.group_discard("room", "member.a").unwrap();
    layer.group_discard("room", "never.a.member").unwrap();
    assert_eq!(layer.group_channels("room").unwrap(), ["member.b"]);
    layer.send_group("room", &message(2)).unwrap();
    assert_eq!(layer.receive(&["member.a"], Duration::ZERO).unwrap(), None);
    assert!(layer
        .receive(&["member.b"], Duration::ZERO)
        .unwrap()
        .is_some());

    assert!(layer.group_channels("no.such.group").unwrap().is_empty());
    layer.send_group("no.such.group", &message(3)).unwrap();
}

fn group_membership_expires(backend: &dyn Backend) {
    let group_expiry = Duration::from_millis(400);
    let layer = backend.layer(LayerConfig::default().group_expiry(group_expiry));
    let added = Instant::now();
    layer.group_add("brief", "member").unwrap();
    assert_eq!(layer.group_channels("brief").unwrap(), ["member"]);
    while !layer.group_channels("brief").unwrap().is_empty() {
        assert!(
            added.elapsed() < Duration::from_secs(3),
            "membership did not expire"
        );
        thread::sleep(Duration::from_millis(20));
    }
    assert!(
        added.elapsed() >= group_expiry,
        "expired early: {:?}",
        added.elapsed()
    );
    layer.send_group("brief", &message(1)).unwrap();
    assert_eq!(layer.receive(&["member"], Duration::ZERO).unwrap(), None);
}

fn send_group_skips_a_full_member(backend: &dyn Backend) {
    let layer = backend.layer(LayerConfig::default().capacity(1));
    layer.group_add("busy", "full.member").unwrap();
    layer.group_add("busy", "free.member").unwrap();
    layer.send("full.member", &message(0)).unwrap();

    let started = Instant::now();
    layer.send_group("busy", &message(1)).unwrap();
    assert!(started.elapsed() < Duration::from_secs(2));

    let free = layer.receive(&["free.member"], Duration::ZERO).unwrap();
    assert_eq!(free, Some(("free.member".to_owned(), message(1))));
    let full = layer.receive(&["full.member"], Duration::ZERO).unwrap();
    assert_eq!(full, Some(("full.member".to_owned(), message(0))));
    assert_eq!(
        layer.receive(&["full.member"], Duration::ZERO).unwrap(),
        None
    );
}

fn names_are_validated(backend: &dyn Backend) {
    let layer = default_layer(backend);
    let longest = "x".repeat(200);
    let valid = [
        "a",
        "http.request",
        "A-Z_a-z.0-9?",
        "reply.abc!",
        "reply.abc!x1",
        &longest,
    ];
    for name in valid {
        layer
            .send(name, &message(0))
            .unwrap_or_else(|e| panic!("{name:?}: {e}"));
        layer
            .group_add(name, name)
            .unwrap_or_else(|e| panic!("{name:?}: {e}"));
    }
    let too_long = "x".repeat(201);
    let invalid = [
        "",
        &too_long,
        "with space",
        "tab\t",
        "new\nline",
        "colon:",
        "slash/",
        "star*",
        "brace{",
        "ünïcode",
        "two!bangs!",
        "quote\"",
    ];
    let m = message(0);
    for name in invalid {
        let results = [
            layer.send(name, &m),
            layer.group_add(name, "ok").map(drop),
            layer.group_add("ok", name),
            layer.group_discard(name, "ok"),
            layer.group_channels(name).map(drop),
            layer.send_group(name, &m),
            layer.receive(&[name], Duration::ZERO).map(drop),
        ];
        for result in results {
            assert!(
                matches!(result, Err(Error::InvalidName(_))),
                "{name:?}: {result:?}"
            );
        }
    }
    // A process-specific channel is received through its inbox only.
    let err = layer
        .receive(&["reply.abc!x1"], Duration::ZERO)
        .unwrap_err();
    assert!(err.to_string().contains("\"reply.abc!\""), "{err}");
    assert!(matches!(
        layer.receive(&[], Duration::ZERO),
        Err(Error::InvalidName(_))
    ));
}

fn messages_over_1_mib_are_refused(backend: &dyn Backend) {
    let layer = default_layer(backend);
    // {"t":"xxx..."} is 8 bytes of JSON around the string.
    let sized = |size: usize| {
        let mut m = Message::new();
        m.insert("t".into(), json!("x".repeat(size - 8)));
        assert_eq!(serde_json::to_string(&m).unwrap().len(), size);
        m
    };
    let largest = sized(MAX_MESSAGE_SIZE);
    layer.send("big", &largest).unwrap();
    let received = layer.receive(&["big"], Duration::ZERO).unwrap();
    assert_eq!(received, Some(("big".to_owned(), largest)));

    let too_large = sized(MAX_MESSAGE_SIZE + 1);
    let expected = |r: wsviews::Result<()>| match r {
        Err(Error::MessageTooLarge { size, max }) => {
            assert_eq!((size, max), (MAX_MESSAGE_SIZE + 1, 1024 * 1024));
        }
        other => panic!("expected MessageTooLarge, got {other:?}"),
    };
    expected(layer.send("big", &too_large));
    layer.group_add("big.group", "big").unwrap();
    expected(layer.send_group("big.group", &too_large));
    assert_eq!(layer.receive(&["big"], Duration::ZERO).unwrap(), None);
}

fn process_inbox_receives_for_its_channels(backend: &dyn Backend) {
    let layer = default_layer(backend);
    let inbox = layers::process_prefix("test.reply.").unwrap();
    let other_inbox = layers::process_prefix("test.reply.").unwrap();
    assert_ne!(inbox, other_inbox);
    let first = layer.new_channel(&inbox).unwrap();
    let second = layer.new_channel(&inbox).unwrap();
    let elsewhere = layer.new_channel(&other_inbox).unwrap();
    assert!(first.starts_with(&inbox) && first.len() > inbox.len());

    layer.send(&first, &message(1)).unwrap();
    layer.send(&elsewhere, &message(9)).unwrap();
    layer.group_add("inbox.group", &second).unwrap();
    layer.send_group("inbox.group", &message(2)).unwrap();

    let got = layer.receive(&[&inbox], Duration::from_secs(1)).unwrap();
    assert_eq!(got, Some((first, message(1))));
    let got = layer.receive(&[&inbox], Duration::from_secs(1)).unwrap();
    assert_eq!(got, Some((second, message(2))));
    assert_eq!(layer.receive(&[&inbox], Duration::ZERO).unwrap(), None);
    let got = layer.receive(&[&other_inbox], Duration::ZERO).unwrap();
    assert_eq!(got, Some((elsewhere, message(9))));
}

fn process_inbox_has_its_own_capacity(backend: &dyn Backend) {
    let config = LayerConfig::default().capacity(1).inbox_capacity(3);
    let layer = backend.layer(config);
    let inbox = layers::process_prefix("cap.").unwrap();
    let members: Vec<String> = (0..3).map(|_| layer.new_channel(&inbox).unwrap()).collect();
    for member in &members {
        layer.group_add("cap.group", member).unwrap();
    }
    // Three channels of one inbox: each gets the group message.
    layer.send_group("cap.group", &message(1)).unwrap();
    match layer.send(&members[0], &message(2)) {
        Err(Error::ChannelFull(name)) => assert_eq!(name, members[0]),
        other => panic!("expected ChannelFull, got {other:?}"),
    }
    let mut got = HashSet::new();
    while let Some((channel, m)) = layer.receive(&[&inbox], Duration::ZERO).unwrap() {
        assert_eq!(m, message(1));
        got.insert(channel);
    }
    assert_eq!(got, members.into_iter().collect());
}

fn sessions_are_kept_replaced_and_expire(backend: &dyn Backend) {
    let expiry = Duration::from_millis(400);
    let layer = backend.layer(LayerConfig::default().group_expiry(expiry));
    let key = "wsviews.reply.abc!def";
    assert_eq!(layer.session_load(key).unwrap(), None);
    layer.session_save(key, &message(1)).unwrap();
    assert_eq!(layer.session_load(key).unwrap(), Some(message(1)));
    layer.session_save(key, &message(2)).unwrap();
    assert_eq!(layer.session_load(key).unwrap(), Some(message(2)));
    layer.session_delete(key).unwrap();
    layer.session_delete(key).unwrap(); // deleting nothing is fine
    assert_eq!(layer.session_load(key).unwrap(), None);
    assert!(matches!(
        layer.session_save("bad key", &message(1)),
        Err(Error::InvalidName(_))
    ));
    let mut huge = Message::new();
    huge.insert("x".into(), json!("y".repeat(MAX_MESSAGE_SIZE)));
    assert!(matches!(
        layer.session_save(key, &huge),
        Err(Error::MessageTooLarge { .. })
    ));
    let saved = Instant::now();
    layer.session_save(key, &message(3)).unwrap();
    while layer.session_load(key).unwrap().is_some() {
        assert!(
            saved.elapsed() < Duration::from_secs(3),
            "session did not expire"
        );
        thread::sleep(Duration::from_millis(20));
    }
    assert!(saved.elapsed() >= expiry, "expired early");
}

fn new_channels_are_unique(backend: &dyn Backend) {
    let layer = default_layer(backend);
    let names: HashSet<String> = (0..2000)
        .map(|_| layer.new_channel("unique.").unwrap())
        .collect();
    assert_eq!(names.len(), 2000);
    assert!(names.iter().all(|name| name.starts_with("unique.")));
    assert!(layer.new_channel("bad prefix").is_err());
    assert!(layer.new_channel("a!b").is_err());
}

/// Redis layers on one server: each `layer` is a new `RedisLayer`, as
/// another process would make.
#[cfg(feature = "redis")]
struct Redis(String);

#[cfg(feature = "redis")]
impl Backend for Redis {
    fn layer(&self, config: LayerConfig) -> Arc<dyn ChannelLayer> {
        layers::from_url_with_config(&self.0, config).expect("redis layer")
    }
}

/// The in-memory layer lists (and so sends to) a group's members in the
/// order they joined, as Channels' own in-memory layer does; joining again
/// renews a membership and keeps its place.
#[test]
fn memory_groups_keep_join_order() {
    let layer = Memory.layer(LayerConfig::default());
    for member in ["member.c", "member.a", "member.d", "member.b"] {
        layer.group_add("room", member).unwrap();
    }
    layer.group_add("room", "member.c").unwrap();
    let joined = ["member.c", "member.a", "member.d", "member.b"];
    assert_eq!(layer.group_channels("room").unwrap(), joined);
    layer.group_discard("room", "member.a").unwrap();
    layer.group_add("room", "member.a").unwrap();
    let rejoined = ["member.c", "member.d", "member.b", "member.a"];
    assert_eq!(layer.group_channels("room").unwrap(), rejoined);
}
