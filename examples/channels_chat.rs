//! The demo's chat, written as consumers, as in the Django Channels 1.x
//! tutorial: the server turns each WebSocket into messages on the channel
//! layer, and workers run the consumers.
//!
//! In one process (runserver starts worker threads):
//!
//! ```text
//! cargo run --example channels_chat -- runserver 127.0.0.1:8000 --multithreaded
//! ```
//!
//! As separate processes sharing Redis:
//!
//! ```text
//! cargo run --features redis --example channels_chat -- runserver 8000 --multithreaded \
//!     --noworker --channel-layer redis://127.0.0.1:6379/0
//! cargo run --features redis --example channels_chat -- runworker --threads 2 \
//!     --channel-layer redis://127.0.0.1:6379/0
//! ```
//!
//! Routes:
//! - `/`: the chat page, connected to `/chat/lobby`.
//! - `/chat/<room>`: WebSockets, to consumers: connect → join the group
//!   `chat-<room>`; receive → send the text to the group; disconnect →
//!   leave it.
//! - `/hello?name=...`: HTTP, to a consumer that answers `Hello, name!`.

use serde_json::{json, Value};
use wsviews::consumers::{route, to_consumers, Context, Route};
use wsviews::layers::Message;
use wsviews::{path, require_websocket, HttpResponse, Request, UrlPattern};

const CHAT_PAGE: &str = include_str!("chat_page.html");

fn chat_page(_request: &Request) -> HttpResponse {
    HttpResponse::new(CHAT_PAGE)
}

/// `websocket.connect`: remember the room in the channel session and join
/// its group.
fn ws_connect(_message: &Message, context: &Context) -> wsviews::Result<()> {
    let room = context.kwarg("room").unwrap_or("lobby");
    context.channel_session()?.set("room", room);
    context
        .group(format!("chat-{room}"))
        .add_channel(context.reply_channel()?)
}

/// `websocket.receive`: send the text to everyone in the room, the sender
/// included. The room comes from the channel session, which the connect
/// consumer (maybe on another worker) saved.
fn ws_receive(message: &Message, context: &Context) -> wsviews::Result<()> {
    if message.get("binary").and_then(Value::as_bool) == Some(true) {
        return Ok(());
    }
    let Some(room) = context.channel_session()?.get_str("room") else {
        return Ok(());
    };
    let text = message
        .get("content")
        .and_then(Value::as_str)
        .unwrap_or_default();
    context.group(format!("chat-{room}")).send(text)?;
    Ok(())
}

/// `websocket.disconnect`: leave the room.
fn ws_disconnect(_message: &Message, context: &Context) -> wsviews::Result<()> {
    if let Some(room) = context.channel_session()?.get_str("room") {
        context
            .group(format!("chat-{room}"))
            .discard_channel(context.reply_channel()?)?;
    }
    Ok(())
}

/// `http.request`: a greeting, as a single `http.response`.
fn hello(message: &Message, context: &Context) -> wsviews::Result<()> {
    let name = message["get"]["name"][0].as_str().unwrap_or("world");
    let response = json!({
        "status": 200,
        "content_type": "text/plain; charset=utf-8",
        "content": format!("Hello, {name}!"),
    });
    context.reply_raw(response.as_object().expect("a JSON object"))
}

fn urlpatterns() -> Vec<UrlPattern> {
    vec![
        path("", chat_page),
        path("chat/<str:room>", require_websocket(to_consumers())),
        path("hello", to_consumers()),
    ]
}

fn channel_routing() -> Vec<Route> {
    vec![
        route("websocket.connect", ws_connect).path(r"^/chat/(?P<room>[^/]+)$"),
        route("websocket.receive", ws_receive).path("^/chat/"),
        route("websocket.disconnect", ws_disconnect).path("^/chat/"),
        route("http.request", hello).path("^/hello$"),
    ]
}

fn main() {
    wsviews::management::execute_from_command_line_with_routing(urlpatterns(), channel_routing());
}
