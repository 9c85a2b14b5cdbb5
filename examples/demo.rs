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

use wsviews::{
    accept_websocket, path, require_websocket, rohrpost, HttpResponse, Message, Request, URLPattern,
};

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

/// `ping`, `subscribe` and `unsubscribe`.
fn rohrpost_registry() -> rohrpost::Registry {
    rohrpost::Registry::new()
        .with("subscribe", rohrpost::handlers::subscribe)
        .and_then(|r| r.with("unsubscribe", rohrpost::handlers::unsubscribe))
        .expect("the handler names are distinct")
}

/// The demo's URL patterns.
fn urlpatterns() -> Vec<URLPattern> {
    vec![
        path("plain", plain),
        path("echo_once", require_websocket(echo_once)),
        path("lower_case", accept_websocket(lower_case)),
        path("echo", require_websocket(echo)),
        path("rohrpost", rohrpost::view(rohrpost_registry())),
    ]
}

fn main() {
    wsviews::management::execute_from_command_line(urlpatterns());
}
