//! wsviews next to a real Django Channels 4 site: daphne serving
//! tests/django_site, the wsviews demo, and channels_redis itself (through
//! tests/django_site/layer_tool.py), all on one redis-server. Needs the venv
//! that scripts/test.sh makes (channels 4.3, channels-redis 4.3.0, daphne,
//! Django 5.2); fails without it under `CI=true`.
#![cfg(all(feature = "channels-redis", feature = "consumers"))]

#[path = "support/examples.rs"]
mod examples;
#[path = "support/processes.rs"]
mod processes;
#[path = "support/python.rs"]
mod python;
#[allow(dead_code)]
#[path = "support/redis.rs"]
mod redis_server;

use std::net::{SocketAddr, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tungstenite::Message as Frame;
use wsviews::layers::{bytes_value, ChannelLayer, ChannelsRedisLayer, Message};
use wsviews::Error;

use processes::{get, App};
use python::{Daphne, LayerTool};
use redis_server::RedisServer;

/// How long a client waits for a frame.
const TIMEOUT: Duration = Duration::from_secs(10);

fn event(value: Value) -> Message {
    value.as_object().cloned().expect("a JSON object")
}

/// A WebSocket client of daphne or the demo.
struct Ws(tungstenite::WebSocket<TcpStream>);

impl Ws {
    fn connect(addr: SocketAddr, path: &str) -> Ws {
        let stream = TcpStream::connect(addr).expect("connect");
        stream.set_read_timeout(Some(TIMEOUT)).expect("timeout");
        let url = format!("ws://{addr}{path}");
        let (socket, _) = tungstenite::client(url.as_str(), stream).expect("handshake");
        Ws(socket)
    }

    /// The next data frame or close.
    fn recv(&mut self) -> Frame {
        loop {
            let frame = self.0.read().expect("a frame within the timeout");
            if matches!(frame, Frame::Text(_) | Frame::Binary(_) | Frame::Close(_)) {
                return frame;
            }
        }
    }

    fn text(&mut self) -> String {
        match self.recv() {
            Frame::Text(text) => text.as_str().to_owned(),
            other => panic!("expected text, got {other:?}"),
        }
    }

    fn send(&mut self, frame: Frame) {
        self.0.send(frame).expect("send");
    }
}

/// A Django client of the chat room `room`, and its consumer's channel.
fn django_client(daphne: &Daphne, room: &str) -> (Ws, String) {
    let mut ws = Ws::connect(daphne.addr, &format!("/ws/chat/{room}/"));
    let hello: Value = serde_json::from_str(&ws.text()).expect("the consumer's hello");
    let channel = hello["channel"].as_str().expect("a channel").to_owned();
    (ws, channel)
}

/// Waits until `group` has `count` members.
fn wait_for_members(layer: &ChannelsRedisLayer, group: &str, count: usize) -> Vec<String> {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let members = layer.group_channels(group).expect("group members");
        if members.len() == count {
            return members;
        }
        assert!(
            Instant::now() < deadline,
            "{group}: {members:?}, not {count} members"
        );
        thread::sleep(Duration::from_millis(10));
    }
}

fn channels_url(server: &RedisServer, query: &str) -> String {
    format!(
        "{}{query}",
        server.url().replacen("redis://", "channels-redis://", 1)
    )
}

#[test]
fn chat_between_django_and_wsviews_both_ways() {
    let Some(venv) = python::venv() else { return };
    let redis = RedisServer::start();
    let daphne = Daphne::start(&venv, &redis.url(), 100);
    let demo = App::runserver("demo", &["--channel-layer", &channels_url(&redis, "")]);
    let layer = ChannelsRedisLayer::from_url(&channels_url(&redis, "")).unwrap();
    let mut ann = Ws::connect(demo.addr(), "/chat/lobby");
    let mut bob = Ws::connect(demo.addr(), "/chat/lobby");
    let (mut django, _) = django_client(&daphne, "lobby");
    wait_for_members(&layer, "chat-lobby", 3);

    // A plain Django view's group_send reaches the wsviews clients.
    let (status, _) = get(daphne.addr, "/group-send/chat-lobby?text=from%20a%20view");
    assert_eq!(status, 200);
    for ws in [&mut ann, &mut bob, &mut django] {
        assert_eq!(ws.text(), "from a view");
    }
    // A wsviews client's message reaches the Django client.
    ann.send(Frame::text("from wsviews"));
    for ws in [&mut ann, &mut bob, &mut django] {
        assert_eq!(ws.text(), "from wsviews");
    }
    // A Django client's message (the consumer's group_send) reaches wsviews.
    django.send(Frame::text("from Django"));
    for ws in [&mut ann, &mut bob, &mut django] {
        assert_eq!(ws.text(), "from Django");
    }
    // Bytes: a Django client's binary frame arrives as the same binary frame,
    // and wsviews' bytes reach the Django client.
    let bytes: Vec<u8> = (0..=255).collect();
    django.send(Frame::binary(bytes.clone()));
    for ws in [&mut ann, &mut bob, &mut django] {
        assert_eq!(ws.recv(), Frame::binary(bytes.clone()));
    }
    let from_rust = event(json!({"type": "chat.message", "bytes": bytes_value(&[0, 0xc1, 0xff])}));
    layer.send_group("chat-lobby", &from_rust).unwrap();
    for ws in [&mut ann, &mut bob, &mut django] {
        assert_eq!(ws.recv(), Frame::binary(vec![0, 0xc1, 0xff]));
    }
}

#[test]
fn direct_sends_reach_consumers_and_wsviews_reply_channels() {
    let Some(venv) = python::venv() else { return };
    let redis = RedisServer::start();
    let daphne = Daphne::start(&venv, &redis.url(), 100);
    let demo = App::runserver("demo", &["--channel-layer", &channels_url(&redis, "")]);
    let layer = ChannelsRedisLayer::from_url(&channels_url(&redis, "")).unwrap();

    // wsviews → a Django consumer's channel, and its answer back to ours.
    let (_django, consumer) = django_client(&daphne, "direct");
    let inbox = "wsviews.test.0123abcd!";
    let ours = layer.new_channel(inbox).unwrap();
    let request = event(json!({
        "type": "echo.request", "reply_to": ours, "text": "ping", "bytes": bytes_value(b"\x00\xff"),
        "nested": {"list": [1, -2, 3.5, null, true], "big": u64::MAX},
    }));
    layer.send(&consumer, &request).unwrap();
    let (channel, reply) = layer.receive(&[inbox], TIMEOUT).unwrap().expect("the echo");
    assert_eq!(channel, ours);
    let expected = json!({
        "text": "ping", "bytes": {"$bytes": "AP8="},
        "nested": {"list": [1, -2, 3.5, null, true], "big": u64::MAX},
        "type": "echo.reply", "from": consumer,
    });
    assert_eq!(Value::Object(reply), expected);

    // Django → a wsviews WebSocket's reply channel: text, then a close.
    let mut ann = Ws::connect(demo.addr(), "/chat/direct");
    let members = wait_for_members(&layer, "chat-direct", 2);
    let reply = members
        .iter()
        .find(|c| **c != consumer)
        .expect("ann's channel");
    let (status, _) = get(
        daphne.addr,
        &format!("/send/{reply}?type=any.thing&text=just%20you"),
    );
    assert_eq!(status, 200);
    assert_eq!(ann.text(), "just you");
    let (status, _) = get(daphne.addr, &format!("/send/{reply}?close=4000"));
    assert_eq!(status, 200);
    match ann.recv() {
        Frame::Close(Some(frame)) => assert_eq!(u16::from(frame.code), 4000),
        other => panic!("expected a close, got {other:?}"),
    }
}

#[test]
fn capacity_expiry_and_refusals_agree_with_channels_redis() {
    let Some(venv) = python::venv() else { return };
    let redis = RedisServer::start();
    let mut python = LayerTool::start(&venv, &redis.url(), 3, 60);
    let layer = ChannelsRedisLayer::from_url(&channels_url(&redis, "?capacity=3")).unwrap();
    let m = event(json!({"type": "t"}));
    let send = |channel: &str| json!({"op": "send", "channel": channel, "message": {"type": "t"}});

    // A queue wsviews filled is full for channels_redis, and the reverse.
    for _ in 0..3 {
        layer.send("filled.by.rust", &m).unwrap();
        assert_eq!(python.call(send("filled.by.python")), json!({"ok": true}));
    }
    assert_eq!(
        python.call(send("filled.by.rust")),
        json!({"error": "ChannelFull"})
    );
    assert!(matches!(
        layer.send("filled.by.python", &m),
        Err(Error::ChannelFull(_))
    ));

    // channels_redis' group_send skips a full wsviews inbox and still
    // reaches the others; wsviews' skips a full queue the same way.
    let inbox = "wsviews.test.full!";
    let full = layer.new_channel(inbox).unwrap();
    for _ in 0..3 {
        layer.send(&full, &m).unwrap();
    }
    for member in [full.as_str(), "free.one"] {
        let add = json!({"op": "group_add", "group": "g", "channel": member});
        assert_eq!(python.call(add), json!({"ok": true}));
    }
    let group_send = json!({"op": "group_send", "group": "g", "message": {"type": "g.event"}});
    assert_eq!(python.call(group_send), json!({"ok": true}));
    let (_, got) = layer
        .receive(&["free.one"], TIMEOUT)
        .unwrap()
        .expect("free member");
    assert_eq!(got["type"], "g.event");
    for _ in 0..3 {
        assert_eq!(
            layer.receive(&[inbox], TIMEOUT).unwrap().expect("old").1["type"],
            "t"
        );
    }
    assert_eq!(
        layer.receive(&[inbox], Duration::ZERO).unwrap(),
        None,
        "skipped, not queued"
    );
    layer
        .send_group("g", &event(json!({"type": "g.event"})))
        .unwrap();
    assert_eq!(layer.skipped_full(), 0);

    // Expiry: what channels_redis stored and aged past the expiry is never
    // delivered, and its next send trims what wsviews stored.
    assert_eq!(python.call(send("aged")), json!({"ok": true}));
    age_all(&redis, "asgiaged", 61.0);
    assert_eq!(layer.receive(&["aged"], Duration::ZERO).unwrap(), None);
    assert_eq!(layer.undeliverable(), 1);
    layer.send("aged.too", &m).unwrap();
    age_all(&redis, "asgiaged.too", 61.0);
    assert_eq!(python.call(send("aged.too")), json!({"ok": true}));
    assert_eq!(zcard(&redis, "asgiaged.too"), 1);

    // Events without "type" never reach Redis.
    let untyped = event(json!({"text": "no type"}));
    assert!(matches!(
        layer.send("untyped", &untyped),
        Err(Error::InvalidMessage(_))
    ));
    assert!(matches!(
        layer.send_group("g", &untyped),
        Err(Error::InvalidMessage(_))
    ));
    assert_eq!(zcard(&redis, "asgiuntyped"), 0);
    // free.one holds only the typed group send from above.
    let wait = json!({"op": "receive", "channel": "free.one", "timeout": 0.2});
    assert_eq!(
        python.call(wait.clone()),
        json!({"message": {"type": "g.event"}})
    );
    assert_eq!(python.call(wait), json!({"timeout": true}));
}

#[test]
fn messages_round_trip_through_python_unchanged() {
    let Some(venv) = python::venv() else { return };
    let redis = RedisServer::start();
    let mut python = LayerTool::start(&venv, &redis.url(), 100, 60);
    let layer = ChannelsRedisLayer::from_url(&channels_url(&redis, "")).unwrap();
    let sent = json!({
        "type": "round.trip", "bytes": {"$bytes": "AAH+/w=="}, "empty": {"$bytes": ""},
        "text": "é中😀", "ints": [0, -1, 255, -129, 65536, i64::MIN, u64::MAX],
        "floats": [1.5, -0.25, 1e300], "special": {"$float": "Infinity"},
        "tag_like": {"$map": {"$bytes": "not bytes"}}, "nested": {"a": [{"b": null}]},
    });
    layer.send("to.python", &event(sent.clone())).unwrap();
    let receive = json!({"op": "receive", "channel": "to.python", "timeout": 5});
    let got = python.call(receive);
    assert_eq!(got["message"], sent, "as channels_redis decoded it");
    let send = json!({"op": "send", "channel": "to.rust", "message": got["message"]});
    assert_eq!(python.call(send), json!({"ok": true}));
    let (_, back) = layer
        .receive(&["to.rust"], TIMEOUT)
        .unwrap()
        .expect("sent back");
    assert_eq!(Value::Object(back), sent);

    // A Python inbox channel receives what wsviews sends it.
    let channel = python.call(json!({"op": "new_channel"}))["channel"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(channel.starts_with("specific.") && channel.contains('!'));
    layer
        .send(&channel, &event(json!({"type": "x", "n": 1})))
        .unwrap();
    let got = python.call(json!({"op": "receive", "channel": channel, "timeout": 5}));
    assert_eq!(got["message"], json!({"type": "x", "n": 1}));
}

/// Moves every message of `key` `seconds` into the past.
fn age_all(server: &RedisServer, key: &str, seconds: f64) {
    let mut c = redis_connection(server);
    let members: Vec<(Vec<u8>, f64)> = redis::cmd("ZRANGE")
        .arg(key)
        .arg(0)
        .arg(-1)
        .arg("WITHSCORES")
        .query(&mut c)
        .unwrap();
    assert!(!members.is_empty(), "nothing in {key}");
    for (member, score) in members {
        let _: () = redis::cmd("ZADD")
            .arg(key)
            .arg(score - seconds)
            .arg(member)
            .query(&mut c)
            .unwrap();
    }
}

fn zcard(server: &RedisServer, key: &str) -> usize {
    redis::cmd("ZCARD")
        .arg(key)
        .query(&mut redis_connection(server))
        .unwrap()
}

fn redis_connection(server: &RedisServer) -> redis::Connection {
    redis::Client::open(server.url())
        .unwrap()
        .get_connection()
        .unwrap()
}
