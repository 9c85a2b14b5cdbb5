//! The rohrpost app the rohrpost tests share: a registry with `ping`,
//! subscriptions and handlers that fail, close and reply in other ways, a
//! server for it, and helpers to ask and read replies.
#![allow(dead_code)]

use serde_json::{json, Value};
use wsviews::layers;
use wsviews::rohrpost::{self, handlers, send_error, send_message, Registry, Reply};
use wsviews::test::{TestServer, TestWebSocket};
use wsviews::{path, Message};

use super::support::init_test_log;

/// `ping`, subscriptions, and handlers that fail, close, and reply in the
/// other ways a test needs.
pub fn registry() -> Registry {
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
pub fn server() -> TestServer {
    init_test_log();
    let config = wsviews::ServerConfig::default().channel_layer(layers::default_layer());
    TestServer::start_with_config(vec![path("rohrpost", rohrpost::view(registry()))], config)
}

/// Sends `frame` and returns the text of the reply.
pub fn ask(ws: &mut TestWebSocket, frame: impl Into<Message>) -> String {
    ws.send(frame);
    next_text(ws)
}

pub fn next_text(ws: &mut TestWebSocket) -> String {
    match ws.recv() {
        Some(Message::Text(text)) => text,
        other => panic!("expected a text frame, got {other:?}"),
    }
}

/// Splits `{"id": <id>, ...` into the id's value and the text after it.
pub fn split_id(text: &str) -> (Value, &str) {
    let rest = text.strip_prefix(r#"{"id": "#).expect("starts with an id");
    let end = rest.find(", ").expect("more after the id");
    let id = serde_json::from_str(&rest[..end]).expect("a JSON id");
    (id, &rest[end..])
}
