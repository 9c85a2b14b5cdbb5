//! The interface server and consumers, in one process on an in-memory
//! layer of each test's own: message formats key for key (Channels message
//! standards), HTTP responses (single, streamed, timed out, abandoned),
//! workers with routing, channel sessions, groups and failing consumers.
#![cfg(feature = "consumers")]

mod support;

use std::io::{BufReader, Write};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use support::{connect, init_test_log, wait_until, TestServer};
use wsviews::consumers::{route, to_consumers, Context, Route, Worker, WorkerHandle};
use wsviews::layers::{self, ChannelLayer, Message};
use wsviews::test::read_response;
use wsviews::{path, require_websocket, ServerConfig, UrlPattern};

/// How long a test waits for a message on the layer.
const WAIT: Duration = Duration::from_secs(5);

fn layer() -> Arc<dyn ChannelLayer> {
    layers::from_url("memory://").expect("memory layer")
}

fn server(layer: &Arc<dyn ChannelLayer>, urls: Vec<UrlPattern>) -> TestServer {
    init_test_log();
    let config = ServerConfig::default().channel_layer(Arc::clone(layer));
    TestServer::start_with_config(urls, config)
}

fn worker(layer: &Arc<dyn ChannelLayer>, routes: Vec<Route>) -> WorkerHandle {
    Worker::new(routes)
        .expect("routes")
        .channel_layer(Arc::clone(layer))
        .threads(2)
        .spawn()
        .expect("worker starts")
}

/// The next message on `channel`, failing the test after [`WAIT`].
fn next(layer: &Arc<dyn ChannelLayer>, channel: &str) -> Message {
    match layer.receive(&[channel], WAIT).expect("receive") {
        Some((_, message)) => message,
        None => panic!("nothing on {channel} within {WAIT:?}"),
    }
}

fn keys(message: &Message) -> Vec<&str> {
    let mut keys: Vec<&str> = message.keys().map(String::as_str).collect();
    keys.sort_unstable();
    keys
}

fn object(value: Value) -> Message {
    value.as_object().cloned().expect("a JSON object")
}

fn text(message: &Message, key: &str) -> String {
    message[key].as_str().expect("a string").to_owned()
}

#[test]
fn a_websocket_becomes_connect_receive_and_disconnect() {
    let layer = layer();
    let server = server(&layer, vec![path("chat/<str:room>", to_consumers())]);
    let mut ws = server.websocket("/chat/lobby?nick=ann");
    let connect = next(&layer, "websocket.connect");
    assert_eq!(
        keys(&connect),
        ["cookies", "get", "meta", "path", "reply_channel"]
    );
    assert_eq!(connect["path"], "/chat/lobby");
    assert_eq!(connect["get"], json!({"nick": ["ann"]}));
    assert_eq!(connect["meta"]["QUERY_STRING"], "nick=ann");
    let reply = text(&connect, "reply_channel");

    ws.send("hello");
    let receive = next(&layer, "websocket.receive");
    assert_eq!(
        Value::Object(receive),
        json!({"content": "hello", "path": "/chat/lobby", "reply_channel": reply})
    );
    ws.send(vec![0u8, 1, 2]);
    let binary = next(&layer, "websocket.receive");
    assert_eq!(
        (&binary["content"], &binary["binary"]),
        (&json!("AAEC"), &json!(true))
    );

    layer
        .send(&reply, &object(json!({"content": "from a consumer"})))
        .unwrap();
    assert_eq!(ws.recv().unwrap(), "from a consumer");
    layer
        .send(
            &reply,
            &object(json!({"content": "AAEC", "binary": true, "close": true})),
        )
        .unwrap();
    assert_eq!(ws.recv().unwrap(), wsviews::Message::Binary(vec![0, 1, 2]));
    assert_eq!(ws.recv(), None);
    assert_eq!(ws.close_code(), Some(1000));
    let disconnect = next(&layer, "websocket.disconnect");
    assert_eq!(
        Value::Object(disconnect),
        json!({"path": "/chat/lobby", "reply_channel": reply})
    );
}

#[test]
fn an_http_request_is_answered_by_http_response() {
    let layer = layer();
    let server = server(&layer, vec![path("form", to_consumers())]);
    let consumer_layer = Arc::clone(&layer);
    let consumer = std::thread::spawn(move || {
        let request = next(&consumer_layer, "http.request");
        let reply = text(&request, "reply_channel");
        let answer = json!({
            "status": 201,
            "content_type": "application/json",
            "headers": {"X-Answer": "42"},
            "cookies": ["a=1; Path=/", "b=2; HttpOnly"],
            "content": "{\"ok\":true}",
        });
        consumer_layer.send(&reply, &object(answer)).unwrap();
        request
    });
    let response = server.post(
        "/form?x=1",
        "application/x-www-form-urlencoded",
        "name=Jo&name=Al",
    );
    let request = consumer.join().unwrap();
    assert_eq!(
        keys(&request),
        [
            "body",
            "cookies",
            "get",
            "meta",
            "method",
            "path",
            "post",
            "reply_channel"
        ]
    );
    assert_eq!(request["method"], "POST");
    assert_eq!(request["path"], "/form");
    assert_eq!(request["get"], json!({"x": ["1"]}));
    assert_eq!(request["post"], json!({"name": ["Jo", "Al"]}));
    assert_eq!(response.status, 201);
    assert_eq!(response.header("Content-Type"), Some("application/json"));
    assert_eq!(response.header("X-Answer"), Some("42"));
    let cookies: Vec<&str> = response
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("Set-Cookie"))
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(cookies, ["a=1; Path=/", "b=2; HttpOnly"]);
    assert_eq!(response.text(), "{\"ok\":true}");
}

#[test]
fn more_content_streams_a_chunked_response() {
    let layer = layer();
    let server = server(&layer, vec![path("stream", to_consumers())]);
    let consumer_layer = Arc::clone(&layer);
    let consumer = std::thread::spawn(move || {
        let request = next(&consumer_layer, "http.request");
        let reply = text(&request, "reply_channel");
        let chunks = [
            json!({"status": 200, "content_type": "text/plain", "content": "one ", "more_content": true}),
            json!({"content": "two ", "more_content": true}),
            json!({"content": "three"}),
        ];
        for chunk in chunks {
            consumer_layer.send(&reply, &object(chunk)).unwrap();
        }
    });
    let response = server.get("/stream");
    consumer.join().unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(response.header("Transfer-Encoding"), Some("chunked"));
    assert_eq!(response.header("Content-Type"), Some("text/plain"));
    assert_eq!(response.text(), "one two three");
}

#[test]
fn no_response_in_time_is_a_504() {
    let layer = layer();
    let interface = to_consumers().http_timeout(Duration::from_millis(200));
    let server = server(&layer, vec![path("slow", interface)]);
    let response = server.get("/slow");
    assert_eq!(response.status, 504);
    // The request did reach the layer; nobody answered it.
    assert_eq!(next(&layer, "http.request")["path"], "/slow");
}

#[test]
fn a_client_leaving_early_sends_http_disconnect() {
    let layer = layer();
    let server = server(&layer, vec![path("wait", to_consumers())]);
    let client = connect(server.addr());
    (&client)
        .write_all(b"GET /wait HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let request = next(&layer, "http.request");
    drop(client);
    let disconnect = next(&layer, "http.disconnect");
    assert_eq!(
        Value::Object(disconnect),
        json!({"path": "/wait", "reply_channel": request["reply_channel"]})
    );
}

#[test]
fn keep_alive_survives_a_consumer_response() {
    let layer = layer();
    let server = server(&layer, vec![path("hello", to_consumers())]);
    let _worker = worker(&layer, vec![route("http.request", hello)]);
    let client = connect(server.addr());
    let mut reader = BufReader::new(client.try_clone().unwrap());
    for name in ["ann", "bob"] {
        let request = format!("GET /hello?name={name} HTTP/1.1\r\nHost: x\r\n\r\n");
        (&client).write_all(request.as_bytes()).unwrap();
        let response = read_response(&mut reader, false).unwrap();
        assert_eq!(
            (response.status, response.text()),
            (200, format!("Hello, {name}!"))
        );
    }
}

fn hello(message: &Message, context: &Context) -> wsviews::Result<()> {
    let name = message["get"]["name"][0].as_str().unwrap_or("world");
    context.reply_raw(&object(json!({"content": format!("Hello, {name}!")})))
}

fn chat_connect(_message: &Message, context: &Context) -> wsviews::Result<()> {
    let room = context.kwarg("room").unwrap_or("none");
    context.channel_session()?.set("room", room);
    context
        .group(format!("chat-{room}"))
        .add_channel(context.reply_channel()?)
}

fn chat_receive(message: &Message, context: &Context) -> wsviews::Result<()> {
    let room = context
        .channel_session()?
        .get_str("room")
        .unwrap_or_default();
    let content = message["content"].as_str().unwrap_or_default();
    if content == "boom" {
        panic!("a consumer failed on purpose");
    }
    if content == "fail" {
        return Err(wsviews::Error::Config("a consumer error on purpose".into()));
    }
    context
        .group(format!("chat-{room}"))
        .send(format!("{room}: {content}"))?;
    Ok(())
}

fn chat_disconnect(_message: &Message, context: &Context) -> wsviews::Result<()> {
    let room = context
        .channel_session()?
        .get_str("room")
        .unwrap_or_default();
    context
        .group(format!("chat-{room}"))
        .discard_channel(context.reply_channel()?)
}

fn chat_routes() -> Vec<Route> {
    vec![
        route("websocket.connect", chat_connect).path(r"^/chat/(?P<room>[a-z]+)$"),
        route("websocket.receive", chat_receive).path("^/chat/"),
        route("websocket.disconnect", chat_disconnect).path("^/chat/"),
    ]
}

#[test]
fn consumers_chat_through_groups_and_the_channel_session() {
    let layer = layer();
    let server = server(
        &layer,
        vec![path("chat/<str:room>", require_websocket(to_consumers()))],
    );
    let _worker = worker(&layer, chat_routes());
    let group = wsviews::Group::with_layer("chat-lobby", Arc::clone(&layer));
    let mut ann = server.websocket("/chat/lobby");
    let mut bob = server.websocket("/chat/lobby");
    let mut cat = server.websocket("/chat/attic");
    wait_until("ann and bob joined", || {
        group.channels().map(|c| c.len()).ok() == Some(2)
    });
    ann.send("hi");
    assert_eq!(ann.recv().unwrap(), "lobby: hi");
    assert_eq!(bob.recv().unwrap(), "lobby: hi");
    cat.send("up here");
    assert_eq!(cat.recv().unwrap(), "attic: up here");

    bob.close();
    wait_until("bob left the group", || {
        group.channels().map(|c| c.len()).ok() == Some(1)
    });
    ann.send("still there?");
    assert_eq!(ann.recv().unwrap(), "lobby: still there?");
}

#[test]
fn a_failing_consumer_is_logged_and_the_worker_goes_on() {
    let layer = layer();
    let server = server(&layer, vec![path("chat/<str:room>", to_consumers())]);
    let _worker = Worker::new(chat_routes())
        .unwrap()
        .channel_layer(Arc::clone(&layer))
        .threads(1)
        .spawn()
        .unwrap();
    let group = wsviews::Group::with_layer("chat-lobby", Arc::clone(&layer));
    let mut ann = server.websocket("/chat/lobby");
    wait_until("ann joined", || !group.channels().unwrap().is_empty());
    ann.send("boom");
    ann.send("fail");
    ann.send("after");
    assert_eq!(ann.recv().unwrap(), "lobby: after");
}

#[test]
fn unrouted_messages_get_404_or_a_close() {
    let layer = layer();
    let server = server(&layer, vec![path("<path:any>", to_consumers())]);
    let routes = vec![
        route("http.request", hello).path("^/hello$"),
        route("websocket.connect", chat_connect).path("^/chat/"),
    ];
    let _worker = worker(&layer, routes);
    assert_eq!(server.get("/hello").text(), "Hello, world!");
    assert_eq!(server.get("/nowhere").status, 404);
    let mut ws = server.websocket("/nowhere");
    assert_eq!(ws.recv(), None);
    assert_eq!(ws.close_code(), Some(1000));
}

#[test]
fn worker_channels_and_bad_routes() {
    let worker = Worker::new(chat_routes())
        .unwrap()
        .only_channels(["websocket.*"])
        .exclude_channels(["websocket.disconnect"]);
    assert_eq!(
        worker.channels(),
        ["websocket.connect", "websocket.receive"]
    );
    let none = Worker::new(chat_routes())
        .unwrap()
        .only_channels(["http.*"]);
    assert!(matches!(none.spawn(), Err(wsviews::Error::Config(_))));
    let bad = Worker::new(vec![route("http.request", hello).path("(")]);
    assert!(matches!(bad, Err(wsviews::Error::Config(_))));
}
