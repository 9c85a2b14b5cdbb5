//! The wsviews demo app.
//!
//! ```text
//! cargo run --release --example demo -- runserver 127.0.0.1:8000 --multithreaded
//! ```
//!
//! Routes:
//! - `/plain`: a plain view; `GET` → 200 `plain`; a WebSocket handshake → 400.
//! - `/echo_once`: `require_websocket`; echoes one message, then the server
//!   closes with 1000; plain `GET` → 400.
//! - `/lower_case`: `accept_websocket`; `GET /lower_case?message=HeLLo` → 200
//!   `hello` (400 without `message`); as a WebSocket, every text message is
//!   answered lower-cased until the client closes.
//! - `/echo`: `require_websocket`; echoes every text and binary message.
//! - `/rohrpost`: the rohrpost protocol with `ping`, and `subscribe` /
//!   `unsubscribe` adding the connection to (removing it from) the group
//!   named in `data.group`.
//! - `/`: a chat page that connects to `/chat/lobby`.
//! - `/chat/<room>`: `require_websocket`; every text message is sent to all
//!   members of the group `chat-<room>`, the sender included.
//! - `/private`: `require_websocket`; without the cookie `session=letmein`
//!   the handshake is refused with `403` (an HTTP response, never a `101`);
//!   with it, every text message is echoed.
//! - `/ticker`: `require_websocket`; sends `tick 1`, `tick 2`, ... every
//!   200 ms while no message arrives, and answers each text message with
//!   `echo: <text>` at once, until the client closes.
//!
//! With `--channel-layer redis://127.0.0.1:6379/0`, demo processes sharing
//! that Redis share their chat rooms. With `--channel-layer
//! channels-redis://127.0.0.1:6379/0` (built with `--features
//! channels-redis`), they share them with Django Channels 4 sites too: the
//! room `<room>` is the channels_redis group `chat-<room>`, an event
//! `{"type": "chat.message", "text": T}` sent to it reaches every member as
//! the text frame T, and a member's text T is sent to it as that event.

use std::time::Duration;

use wsviews::{
    accept_websocket, path, require_websocket, rohrpost, Group, HttpResponse, Message, Received,
    Request, UrlPattern,
};

/// How long `/ticker` waits for a message before it ticks.
const TICK: Duration = Duration::from_millis(200);

/// The chat page: an input, a button and a log of what the room says.
const CHAT_PAGE: &str = include_str!("chat_page.html");

fn plain(_request: &Request) -> HttpResponse {
    HttpResponse::text(200, "plain")
}

fn echo_once(request: &Request) -> wsviews::Result<()> {
    let websocket = request
        .websocket()
        .expect("require_websocket gives a WebSocket");
    if let Some(message) = websocket.wait() {
        websocket.send(message)?;
    }
    Ok(())
}

fn lower_case(request: &Request) -> wsviews::Result<HttpResponse> {
    let Some(websocket) = request.websocket() else {
        return Ok(match request.get().get("message") {
            Some(message) => HttpResponse::text(200, message.to_lowercase()),
            None => HttpResponse::bad_request("missing ?message="),
        });
    };
    for message in websocket {
        if let Message::Text(text) = message {
            websocket.send(text.to_lowercase())?;
        }
    }
    Ok(HttpResponse::new(""))
}

fn echo(request: &Request) -> wsviews::Result<()> {
    let websocket = request
        .websocket()
        .expect("require_websocket gives a WebSocket");
    for message in websocket {
        websocket.send(message)?;
    }
    Ok(())
}

/// Refuses the handshake without the right session cookie: the view runs
/// before the `101` goes out, and returning a response without touching the
/// socket sends that response instead.
fn private(request: &Request) -> wsviews::Result<HttpResponse> {
    if request.cookies().get("session").map(String::as_str) != Some("letmein") {
        return Ok(HttpResponse::forbidden("a session cookie is required\n"));
    }
    let websocket = request
        .websocket()
        .expect("require_websocket gives a WebSocket");
    for message in websocket {
        if let Message::Text(text) = message {
            websocket.send(text)?;
        }
    }
    Ok(HttpResponse::new(""))
}

/// Ticks while the client is quiet, echoes what it says: a game loop's
/// shape, on `wait_timeout`.
fn ticker(request: &Request) -> wsviews::Result<()> {
    let websocket = request
        .websocket()
        .expect("require_websocket gives a WebSocket");
    let mut ticks = 0u64;
    loop {
        match websocket.wait_timeout(TICK) {
            Received::Message(Message::Text(text)) => websocket.send(format!("echo: {text}"))?,
            Received::Message(_) => {}
            Received::TimedOut => {
                ticks += 1;
                websocket.send(format!("tick {ticks}"))?;
            }
            Received::Closed => return Ok(()),
        }
    }
}

/// `ping`, `subscribe` and `unsubscribe`.
fn rohrpost_registry() -> rohrpost::Registry {
    rohrpost::Registry::new()
        .with("subscribe", rohrpost::handlers::subscribe)
        .and_then(|r| r.with("unsubscribe", rohrpost::handlers::unsubscribe))
        .expect("the handler names are distinct")
}

fn chat_page(_request: &Request) -> HttpResponse {
    HttpResponse::new(CHAT_PAGE)
}

/// Joins the group `chat-<room>` and sends it every text message.
fn chat(request: &Request) -> wsviews::Result<()> {
    let websocket = request
        .websocket()
        .expect("require_websocket gives a WebSocket");
    // Any room name works: `chat-<room>` when that is a valid group name,
    // else a valid name derived from it (`/chat/ünïcode`).
    let room = request.kwarg("room").unwrap_or("lobby");
    let room =
        Group::new(wsviews::layers::safe_name(&format!("chat-{room}"))).event_type("chat.message");
    room.add(websocket)?;
    for message in websocket {
        if !message.is_text() {
            continue;
        }
        // The layer may be down for a while (Redis restarting): keep the
        // connection, the next message may get through. `Group::send` has
        // logged the failure at WARN already.
        if let Err(e) = room.send(message) {
            log::debug!("{}: message not sent: {e}", room.name());
        }
    }
    Ok(())
}

/// The demo's URL patterns.
fn urlpatterns() -> Vec<UrlPattern> {
    vec![
        path("plain", plain),
        path("echo_once", require_websocket(echo_once)),
        path("lower_case", accept_websocket(lower_case)),
        path("echo", require_websocket(echo)),
        path("rohrpost", rohrpost::view(rohrpost_registry())),
        path("", chat_page),
        path("chat/<str:room>", require_websocket(chat)),
        path("private", require_websocket(private)),
        path("ticker", require_websocket(ticker)),
    ]
}

fn main() {
    wsviews::management::execute_from_command_line(urlpatterns());
}
