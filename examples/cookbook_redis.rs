//! Cookbook: moving from the in-memory channel layer to Redis.
//!
//! The same app runs as one process on the in-memory layer, or as several
//! processes sharing rooms through Redis; only the layer changes. Views use
//! [`Group`], which sends through the process's default layer, so they need
//! no change at all:
//!
//! ```text
//! # one process, in memory (the default):
//! cargo run --example cookbook_redis -- runserver 8000 --multithreaded
//!
//! # two processes sharing rooms through Redis (cargo feature `redis`):
//! cargo run --features redis --example cookbook_redis -- runserver 8000 --multithreaded --channel-layer redis://127.0.0.1:6379/0
//! cargo run --features redis --example cookbook_redis -- runserver 8001 --multithreaded --channel-layer redis://127.0.0.1:6379/0
//! ```
//!
//! An embedding tool that has no command line picks its layer in code, from
//! an environment variable here:
//!
//! ```no_run
//! use wsviews::{layers, Server, ServerConfig};
//!
//! # fn urlpatterns() -> Vec<wsviews::UrlPattern> { Vec::new() }
//! # fn main() -> wsviews::Result<()> {
//! let url = std::env::var("CHANNEL_LAYER").unwrap_or_else(|_| "memory://".into());
//! let layer = layers::from_url(&url)?;
//! layers::set_default_layer(layer.clone()); // for Group::new(..).send(..)
//! let config = ServerConfig::default().channel_layer(layer); // reply channels and groups
//! Server::bind_with_config("127.0.0.1:8000", urlpatterns(), config)?.serve()
//! # }
//! ```

use wsviews::{path, require_websocket, Group, HttpResponse, Request};

/// Joins the room's group and relays every text message to all its members,
/// in this process or, with Redis, any other.
fn room(request: &Request) -> wsviews::Result<()> {
    let websocket = request.websocket().expect("require_websocket gives one");
    let group = Group::new(format!("room-{}", request.kwarg("name").unwrap_or("lobby")));
    group.add(websocket)?;
    for message in websocket {
        if let Err(e) = group.send(message) {
            // Redis may be restarting: keep the connection, log and go on.
            log::error!("{}: not sent: {e}", group.name());
        }
    }
    Ok(())
}

/// `POST /announce/<name>` with a body: a plain HTTP view reaching every
/// member of the room, wherever they are connected.
fn announce(request: &Request) -> wsviews::Result<HttpResponse> {
    let group = Group::new(format!("room-{}", request.kwarg("name").unwrap_or("lobby")));
    group.send(String::from_utf8_lossy(request.body()).into_owned())?;
    Ok(HttpResponse::text(202, "sent"))
}

fn main() {
    wsviews::management::execute_from_command_line(vec![
        path("room/<slug:name>", require_websocket(room)),
        path("announce/<slug:name>", announce),
    ]);
}
