//! rohrpost subscriptions and change notifications over real sockets: in
//! memory, from other threads and consumers, the records example, and
//! across two servers sharing a real Redis.
#![cfg(all(feature = "rohrpost", feature = "runserver"))]

mod support;

#[cfg(feature = "redis")]
#[allow(dead_code)]
#[path = "support/redis.rs"]
mod redis_server;

#[allow(dead_code)]
#[path = "../examples/rohrpost_records.rs"]
mod records;

#[path = "support/rohrpost_app.rs"]
mod app;

use std::sync::Arc;
use std::thread;
use std::time::Duration;

use serde_json::{json, Value};
use support::{init_test_log, wait_until, TestServer};
use wsviews::layers::{self, ChannelLayer};
use wsviews::rohrpost::{self, Change, Notify, Reply, ReplyChannel};
use wsviews::test::TestWebSocket;
use wsviews::{path, Group};

use app::{ask, next_text, registry, server, split_id};

/// A model for notifications.
struct BlogPost {
    id: String,
}

impl Notify for BlogPost {
    fn pk(&self) -> Value {
        json!(self.id)
    }
}

fn subscribe(ws: &mut TestWebSocket, group: &str) {
    let frame = format!(r#"{{"id": 1, "type": "subscribe", "data": {{"group": "{group}"}}}}"#);
    let reply = format!(r#"{{"id": 1, "type": "subscribe", "data": {{"group": "{group}"}}}}"#);
    assert_eq!(ask(ws, frame), reply);
}

/// The notification's text after its random id.
fn notification(ws: &mut TestWebSocket) -> String {
    let text = next_text(ws);
    let (id, rest) = split_id(&text);
    assert!(
        id.as_u64().is_some_and(|id| (1..=1000).contains(&id)),
        "{text}"
    );
    rest.to_owned()
}

#[test]
fn subscribers_get_change_notifications() {
    let server = server();
    let post = BlogPost {
        id: format!("p{}", std::process::id()),
    };
    let group = post.group_name();
    assert_eq!(group, format!("blogpost-{}", post.id));
    let mut ws = server.websocket("/rohrpost");
    subscribe(&mut ws, &group);

    rohrpost::notify_created(&post).expect("notify");
    let expected = |kind: &str, object: &str| {
        format!(
            r#", "type": "subscription-update", "data": {{"group": "{group}", "type": "{kind}", "object": {object}}}}}"#
        )
    };
    let object = format!(r#"{{"id": "{}"}}"#, post.id);
    assert_eq!(notification(&mut ws), expected("create", &object));
    rohrpost::notify_updated(&post, &["title"]).expect("notify");
    let updated = format!(r#"{{"id": "{}", "updated_fields": ["title"]}}"#, post.id);
    assert_eq!(notification(&mut ws), expected("update", &updated));
    rohrpost::notify_deleted(&post).expect("notify");
    assert_eq!(notification(&mut ws), expected("delete", &object));

    let frame = format!(r#"{{"id": 1, "type": "unsubscribe", "data": {{"group": "{group}"}}}}"#);
    let reply = format!(r#"{{"id": 1, "type": "unsubscribe", "data": {{"group": "{group}"}}}}"#);
    assert_eq!(ask(&mut ws, frame), reply);
    assert_eq!(
        Group::new(group.clone()).channels().expect("members"),
        Vec::<String>::new()
    );
    // A subscriber leaves its groups when it closes.
    subscribe(&mut ws, &group);
    assert_eq!(
        Group::new(group.clone()).channels().expect("members").len(),
        1
    );
    assert_eq!(ws.close(), Some(1000));
    wait_until("the closed WebSocket left its group", || {
        Group::new(group.clone())
            .channels()
            .is_ok_and(|c| c.is_empty())
    });
}

#[test]
fn replies_reach_a_websocket_through_a_group_and_its_reply_channel() {
    let server = server();
    let mut ws = server.websocket("/rohrpost");
    let reply = ask(&mut ws, r#"{"id": 1, "type": "whoami"}"#);
    let channel: Value = serde_json::from_str(&reply).expect("JSON");
    let channel = channel["data"]
        .as_str()
        .expect("a reply channel")
        .to_owned();

    let to_channel = ReplyChannel::new(layers::default_layer(), channel);
    Reply::new("direct").id(2).send(&to_channel).expect("send");
    assert_eq!(next_text(&mut ws), r#"{"id": 2, "type": "direct"}"#);

    let group = format!("rohrpost-replies-{}", std::process::id());
    subscribe(&mut ws, &group);
    Reply::new("everyone")
        .id("x")
        .close(true)
        .send(&Group::new(group))
        .expect("send");
    assert_eq!(next_text(&mut ws), r#"{"id": "x", "type": "everyone"}"#);
    assert_eq!(ws.recv(), None);
    assert_eq!(ws.close_code(), Some(1000));
}

#[test]
fn a_sender_replies_from_another_thread() {
    init_test_log();
    let view = |request: &wsviews::Request| -> wsviews::Result<()> {
        let websocket = request.websocket().expect("require_websocket gives one");
        let sender = websocket.sender();
        thread::spawn(move || Reply::new("hello").id(1).close(true).send(&sender))
            .join()
            .expect("the thread ends")?;
        while websocket.wait().is_some() {}
        Ok(())
    };
    let server = TestServer::start(vec![path("hello", wsviews::require_websocket(view))]);
    let mut ws = server.websocket("/hello");
    assert_eq!(next_text(&mut ws), r#"{"id": 1, "type": "hello"}"#);
    assert_eq!(ws.recv(), None);
    assert_eq!(ws.close_code(), Some(1000));
}

#[test]
fn the_consumer_entry_point_replies_on_the_reply_channel() {
    let layer = layers::from_url("memory://").expect("memory layer");
    let reply_channel = layer.new_channel("test.client.").expect("a channel");
    let registry = registry();
    let receive = |content: Value| {
        let mut message = json!({"reply_channel": reply_channel});
        if let (Value::Object(m), Value::Object(extra)) = (&mut message, content) {
            m.extend(extra);
        }
        rohrpost::consume(message.as_object().expect("an object"), &layer, &registry)
            .expect("consume");
        let (_, reply) = layer
            .receive(&[&reply_channel], Duration::from_secs(5))
            .expect("receive")
            .expect("a reply");
        Value::Object(reply)
    };
    let table = [
        (
            json!({"content": r#"{"id": 0, "type": "ping", "data": 1}"#}),
            json!({"content": r#"{"id": 0, "type": "pong", "data": {"data": 1}}"#}),
        ),
        (
            json!({"text": r#"{"id": 1, "type": "ping"}"#}),
            json!({"content": r#"{"id": 1, "type": "pong"}"#}),
        ),
        (
            json!({"content": ""}),
            json!({"content": r#"{"error": "Received empty message."}"#}),
        ),
        (
            json!({"content": "AQI=", "binary": true}),
            json!({"content": r#"{"error": "Received empty message."}"#}),
        ),
        (
            json!({"content": r#"{"id": 2, "type": "fail"}"#}),
            json!({"content": r#"{"id": 2, "type": "fail", "error": "Something went wrong."}"#}),
        ),
        (
            json!({"content": r#"{"id": 3, "type": "bye"}"#}),
            json!({"content": r#"{"id": 3, "type": "bye", "data": {"see": "you"}}"#, "close": true}),
        ),
        (
            json!({"content": r#"{"id": 4, "type": "whoami"}"#}),
            json!({"content": format!(r#"{{"id": 4, "type": "whoami", "data": "{reply_channel}"}}"#)}),
        ),
    ];
    for (message, reply) in table {
        assert_eq!(receive(message.clone()), reply, "{message}");
    }

    // subscribe joins the reply channel to the group on the layer.
    let subscribed =
        receive(json!({"content": r#"{"id": 5, "type": "subscribe", "data": {"group": "g"}}"#}));
    assert_eq!(
        subscribed,
        json!({"content": r#"{"id": 5, "type": "subscribe", "data": {"group": "g"}}"#})
    );
    assert_eq!(
        layer.group_channels("g").expect("members"),
        std::slice::from_ref(&reply_channel)
    );
    let post = BlogPost { id: "1".into() };
    struct InGroupG<'a>(&'a BlogPost);
    impl Notify for InGroupG<'_> {
        fn pk(&self) -> Value {
            self.0.pk()
        }
        fn group_name(&self) -> String {
            "g".into()
        }
    }
    rohrpost::notify(&*layer, &InGroupG(&post), Change::Deleted).expect("notify");
    let (_, message) = layer
        .receive(&[&reply_channel], Duration::from_secs(5))
        .expect("receive")
        .expect("a notification");
    let text = message["content"].as_str().expect("text");
    assert_eq!(
        split_id(text).1,
        r#", "type": "subscription-update", "data": {"group": "g", "type": "delete", "object": {"id": "1"}}}"#
    );
}

fn records_server(store: &Arc<records::Store>, layer: Arc<dyn ChannelLayer>) -> TestServer {
    let urlpatterns = records::urlpatterns(Arc::clone(store), Some(Arc::clone(&layer)));
    let config = wsviews::ServerConfig::default().channel_layer(layer);
    TestServer::start_with_config(urlpatterns, config)
}

/// Subscribes on `watched`, edits on `edited`: create, update, delete.
/// A records notification: rohrpost's envelope, byte for byte (its keys in
/// their fixed order), then the record, compared as JSON: the record's own
/// key order is the app's serde_json's (sorted, unless something in the
/// build turns on `preserve_order`), and `updated_fields` comes last.
fn assert_notified(text: &str, kind: &str, record: Value) {
    let (envelope, rest) = text.split_once(r#""object": "#).expect("an object");
    let want = format!(
        r#", "type": "subscription-update", "data": {{"group": "record-1", "type": "{kind}", "#
    );
    assert_eq!(envelope, want);
    let object = rest.strip_suffix("}}").expect("data and message end");
    assert_eq!(serde_json::from_str::<Value>(object).expect("JSON"), record);
    if record.get("updated_fields").is_some() {
        assert!(
            object.ends_with(r#", "updated_fields": ["done"]}"#),
            "{object}"
        );
    }
}

fn records_are_watched(watched: &TestServer, edited: &TestServer) {
    let mut ws = watched.websocket("/rohrpost");
    subscribe(&mut ws, "record-1");
    let json_type = "application/json";
    let created = edited.post("/records", json_type, r#"{"title": "Milk"}"#);
    assert_eq!(created.status, 201);
    let milk = json!({"id": 1, "title": "Milk", "done": false});
    assert_eq!(
        serde_json::from_str::<Value>(&created.text()).expect("JSON"),
        milk
    );
    assert_notified(&notification(&mut ws), "create", milk);

    let put = edited.request(
        "PUT",
        "/records/1",
        &[("Content-Type", json_type)],
        br#"{"done": true}"#,
    );
    assert_eq!(put.status, 200, "{}", put.text());
    let done = json!({"id": 1, "title": "Milk", "done": true, "updated_fields": ["done"]});
    assert_notified(&notification(&mut ws), "update", done);
    assert_eq!(edited.request("DELETE", "/records/1", &[], b"").status, 204);
    let deleted = json!({"id": 1, "title": "Milk", "done": true});
    assert_notified(&notification(&mut ws), "delete", deleted);
    assert_eq!(edited.get("/records/1").status, 404);
    assert_eq!(ws.close(), Some(1000));
}

#[test]
fn the_records_example_notifies_its_watchers() {
    init_test_log();
    let layer = layers::from_url("memory://").expect("memory layer");
    let server = records_server(&Arc::new(records::Store::default()), layer);
    records_are_watched(&server, &server);
}

#[cfg(feature = "redis")]
#[test]
fn notifications_reach_a_subscriber_on_another_server_through_redis() {
    init_test_log();
    let redis = redis_server::RedisServer::start();
    // Two servers, each with its own connection to the same Redis, as two
    // server processes would have; one database (the store) behind both.
    let store = Arc::new(records::Store::default());
    let layer = || -> Arc<dyn ChannelLayer> {
        Arc::new(layers::RedisLayer::from_url(&redis.url()).expect("redis layer"))
    };
    let watched = records_server(&store, layer());
    let edited = records_server(&store, layer());
    records_are_watched(&watched, &edited);
}
