//! rohrpost over real sockets: every error string and reply shape byte for
//! byte, ids, handler failures, close, ping, registration, subscriptions and
//! change notifications (in memory, and across two servers sharing a real
//! Redis).

mod support;

#[cfg(feature = "redis")]
#[allow(dead_code)]
#[path = "support/redis.rs"]
mod redis_server;

#[allow(dead_code)]
#[path = "../examples/rohrpost_records.rs"]
mod records;

use std::sync::Arc;
use std::thread;
use std::time::Duration;

use serde_json::{json, Value};
use support::{init_test_log, wait_until, TestServer};
use wsviews::layers::{self, ChannelLayer};
use wsviews::rohrpost::{
    self, handlers, send_error, send_message, Change, Notify, Registry, Reply, ReplyChannel,
};
use wsviews::test::TestWebSocket;
use wsviews::{path, Group, Message};

/// `ping`, subscriptions, and handlers that fail, close, and reply in the
/// other ways a test needs.
fn registry() -> Registry {
    Registry::new()
        .with("subscribe", handlers::subscribe)
        .and_then(|r| r.with("unsubscribe", handlers::unsubscribe))
        .and_then(|r| r.with("fail", |_, _| Err("Something went wrong.".into())))
        .and_then(|r| r.with("panic", |_, _| panic!("a handler panicked on purpose")))
        .and_then(|r| {
            r.with("bye", |context, request| {
                let reply = Reply::for_request(request, "bye").data(json!({"see": "you"}));
                reply.close(true).send(context)?;
                Ok(())
            })
        })
        .and_then(|r| {
            r.with(["no_id", "no_id_alias"], |context, _| {
                send_message(context, "random", None, Some(json!({"a": 1})), None, false)?;
                Ok(())
            })
        })
        .and_then(|r| {
            r.with("refuse", |context, request| {
                let id = Some(request.id().clone());
                send_error(
                    context,
                    "refused",
                    id,
                    json!({"code": 7}),
                    Some(json!([0])),
                    false,
                )?;
                Ok(())
            })
        })
        .and_then(|r| {
            r.with("whoami", |context, request| {
                let channel = context.reply_channel().unwrap_or_default();
                Reply::for_request(request, "whoami")
                    .data(channel)
                    .send(context)?;
                Ok(())
            })
        })
        .expect("distinct names")
}

/// A server on the process's default layer, shared on purpose: the
/// `notify_*` calls of the tests run outside any view.
fn server() -> TestServer {
    init_test_log();
    let config = wsviews::ServerConfig::default().channel_layer(layers::default_layer());
    TestServer::start_with_config(vec![path("rohrpost", rohrpost::view(registry()))], config)
}

/// Sends `frame` and returns the text of the reply.
fn ask(ws: &mut TestWebSocket, frame: impl Into<Message>) -> String {
    ws.send(frame);
    next_text(ws)
}

fn next_text(ws: &mut TestWebSocket) -> String {
    match ws.recv() {
        Some(Message::Text(text)) => text,
        other => panic!("expected a text frame, got {other:?}"),
    }
}

/// Splits `{"id": <id>, ...` into the id's value and the text after it.
fn split_id(text: &str) -> (Value, &str) {
    let rest = text.strip_prefix(r#"{"id": "#).expect("starts with an id");
    let end = rest.find(", ").expect("more after the id");
    let id = serde_json::from_str(&rest[..end]).expect("a JSON id");
    (id, &rest[end..])
}

#[test]
fn malformed_frames_get_rohrposts_errors_and_the_connection_stays_open() {
    let server = server();
    let mut ws = server.websocket("/rohrpost");
    let table: &[(Message, &str)] = &[
        ("".into(), r#"{"error": "Received empty message."}"#),
        (
            vec![1u8, 2].into(),
            r#"{"error": "Received empty message."}"#,
        ),
        (
            "nope".into(),
            r#"{"error": "Could not decode JSON message. Error: expected ident at line 1 column 2"}"#,
        ),
        (
            "{\"id\": 1,".into(),
            r#"{"error": "Could not decode JSON message. Error: EOF while parsing a value at line 1 column 9"}"#,
        ),
        (
            "[1, 2, 3]".into(),
            r#"{"error": "Expected a JSON object as message."}"#,
        ),
        (
            "42".into(),
            r#"{"error": "Expected a JSON object as message."}"#,
        ),
        (
            "{}".into(),
            r#"{"error": "Missing required field 'type'."}"#,
        ),
        (
            r#"{"id": 1, "data": {}}"#.into(),
            r#"{"error": "Missing required field 'type'."}"#,
        ),
        (
            r#"{"type": "ping"}"#.into(),
            r#"{"error": "Missing required field 'id'."}"#,
        ),
        (
            r#"{"id": 12, "type": "handler_not_known"}"#.into(),
            r#"{"id": 12, "type": "handler_not_known", "error": "Unknown message type 'handler_not_known'."}"#,
        ),
        (
            r#"{"id": "a", "type": "pïng"}"#.into(),
            r#"{"id": "a", "type": "p\u00efng", "error": "Unknown message type 'p\u00efng'."}"#,
        ),
        (
            r#"{"id": 0, "type": 3.5}"#.into(),
            r#"{"id": 0, "type": 3.5, "error": "Unknown message type '3.5'."}"#,
        ),
    ];
    for (frame, reply) in table {
        assert_eq!(ask(&mut ws, frame), *reply, "{frame:?}");
    }
    assert_eq!(
        ask(&mut ws, r#"{"id": 1, "type": "ping"}"#),
        r#"{"id": 1, "type": "pong"}"#
    );
    assert_eq!(ws.close(), Some(1000));
}

#[test]
fn ids_of_every_json_kind_are_echoed_as_sent() {
    let server = server();
    let mut ws = server.websocket("/rohrpost");
    let ids = [
        "0",
        "\"\"",
        "1",
        "-17",
        "18446744073709551615",
        "1.5",
        "0.0",
        "1e+16",
        "\"abc\"",
        "\"\\u00e9\"",
        "true",
        "false",
        "null",
        "[1, 2]",
        "{\"k\": \"v\"}",
    ];
    for id in ids {
        let frame = format!(r#"{{"id": {id}, "type": "ping"}}"#);
        let reply = format!(r#"{{"id": {id}, "type": "pong"}}"#);
        assert_eq!(ask(&mut ws, frame), reply);
    }
    // Compact input comes back in rohrpost's spacing.
    assert_eq!(
        ask(&mut ws, r#"{"type":"ping","id":1E2}"#),
        r#"{"id": 100.0, "type": "pong"}"#
    );
}

#[test]
fn ping_echoes_object_data_wraps_other_data_and_omits_missing_data() {
    let server = server();
    let mut ws = server.websocket("/rohrpost");
    let table = [
        (
            r#"{"id": 1, "type": "ping"}"#,
            r#"{"id": 1, "type": "pong"}"#,
        ),
        (
            r#"{"id": 2, "type": "ping", "data": {"z": 1, "a": {"é": [true, null, 2.50]}}}"#,
            r#"{"id": 2, "type": "pong", "data": {"z": 1, "a": {"\u00e9": [true, null, 2.5]}}}"#,
        ),
        (
            r#"{"id": 3, "type": "ping", "data": [1, 2, 3, 4]}"#,
            r#"{"id": 3, "type": "pong", "data": {"data": [1, 2, 3, 4]}}"#,
        ),
        (
            r#"{"id": 4, "type": "ping", "data": "x"}"#,
            r#"{"id": 4, "type": "pong", "data": {"data": "x"}}"#,
        ),
        (
            r#"{"id": 5, "type": "ping", "data": 0}"#,
            r#"{"id": 5, "type": "pong", "data": {"data": 0}}"#,
        ),
        (
            r#"{"id": 6, "type": "ping", "data": null}"#,
            r#"{"id": 6, "type": "pong", "data": {"data": null}}"#,
        ),
        // rohrpost leaves out empty data.
        (
            r#"{"id": 7, "type": "ping", "data": {}}"#,
            r#"{"id": 7, "type": "pong"}"#,
        ),
        // "handler" is accepted for a missing "type".
        (
            r#"{"id": 8, "handler": "ping"}"#,
            r#"{"id": 8, "type": "pong"}"#,
        ),
    ];
    for (frame, reply) in table {
        assert_eq!(ask(&mut ws, frame), reply);
    }
}

#[test]
fn failing_handlers_get_an_error_reply_with_the_request_id() {
    let server = server();
    let mut ws = server.websocket("/rohrpost");
    assert_eq!(
        ask(&mut ws, r#"{"id": 5, "type": "fail"}"#),
        r#"{"id": 5, "type": "fail", "error": "Something went wrong."}"#
    );
    assert_eq!(
        ask(&mut ws, r#"{"id": 0, "type": "panic"}"#),
        r#"{"id": 0, "type": "panic", "error": "Internal server error."}"#
    );
    assert_eq!(
        ask(&mut ws, r#"{"id": "", "type": "subscribe", "data": {}}"#),
        r#"{"id": "", "type": "subscribe", "error": "Missing field 'group' in data."}"#
    );
    let bad_group = ask(
        &mut ws,
        r#"{"id": 9, "type": "subscribe", "data": {"group": "no spaces"}}"#,
    );
    assert!(
        bad_group.starts_with(
            r#"{"id": 9, "type": "subscribe", "error": "invalid channel or group name"#
        ),
        "{bad_group}"
    );
    assert_eq!(
        ask(&mut ws, r#"{"id": 6, "type": "ping"}"#),
        r#"{"id": 6, "type": "pong"}"#
    );
    assert_eq!(ws.close(), Some(1000));
}

#[test]
fn replies_without_an_id_get_a_random_one_and_errors_keep_their_shape() {
    let server = server();
    let mut ws = server.websocket("/rohrpost");
    for frame in [
        r#"{"id": 1, "type": "no_id"}"#,
        r#"{"id": 1, "type": "no_id_alias"}"#,
    ] {
        let reply = ask(&mut ws, frame);
        let (id, rest) = split_id(&reply);
        assert!(
            id.as_u64().is_some_and(|id| (1..=1000).contains(&id)),
            "{reply}"
        );
        assert_eq!(rest, r#", "type": "random", "data": {"a": 1}}"#);
    }
    assert_eq!(
        ask(&mut ws, r#"{"id": 2, "type": "refuse"}"#),
        r#"{"id": 2, "type": "refused", "error": {"code": 7}, "data": [0]}"#
    );
}

#[test]
fn close_true_closes_after_the_reply() {
    let server = server();
    let mut ws = server.websocket("/rohrpost");
    assert_eq!(
        ask(&mut ws, r#"{"id": 1, "type": "bye"}"#),
        r#"{"id": 1, "type": "bye", "data": {"see": "you"}}"#
    );
    assert_eq!(ws.recv(), None);
    assert_eq!(ws.close_code(), Some(1000));
}

#[test]
fn registering_a_name_twice_is_an_error() {
    let err = Registry::new().with("ping", handlers::ping).unwrap_err();
    assert_eq!(err.to_string(), r#"Handler for "ping" is already defined."#);
    let err = registry()
        .with(["new", "whoami"], handlers::ping)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"Handler for "whoami" is already defined."#
    );
    let registry = Registry::empty()
        .with(["a", "b"], handlers::ping)
        .expect("fresh names");
    assert_eq!(registry.names(), ["a", "b"]);
}

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
fn records_are_watched(watched: &TestServer, edited: &TestServer) {
    let mut ws = watched.websocket("/rohrpost");
    subscribe(&mut ws, "record-1");
    let json_type = "application/json";
    let created = edited.post("/records", json_type, r#"{"title": "Milk"}"#);
    assert_eq!(
        (created.status, created.text()),
        (201, r#"{"id":1,"title":"Milk","done":false}"#.to_owned())
    );
    let expected = |kind: &str, object: &str| {
        format!(
            r#", "type": "subscription-update", "data": {{"group": "record-1", "type": "{kind}", "object": {object}}}}}"#
        )
    };
    assert_eq!(
        notification(&mut ws),
        expected("create", r#"{"id": 1, "title": "Milk", "done": false}"#)
    );

    let put = edited.request(
        "PUT",
        "/records/1",
        &[("Content-Type", json_type)],
        br#"{"done": true}"#,
    );
    assert_eq!(put.status, 200, "{}", put.text());
    assert_eq!(
        notification(&mut ws),
        expected(
            "update",
            r#"{"id": 1, "title": "Milk", "done": true, "updated_fields": ["done"]}"#
        )
    );
    assert_eq!(edited.request("DELETE", "/records/1", &[], b"").status, 204);
    assert_eq!(
        notification(&mut ws),
        expected("delete", r#"{"id": 1, "title": "Milk", "done": true}"#)
    );
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
