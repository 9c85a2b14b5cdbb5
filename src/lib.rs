//! # wsviews
//!
//! WebSocket and HTTP endpoints as plain blocking functions: django-websocket,
//! in Rust. A blocking accept loop hands each connection to its own thread;
//! views are functions of a [`Request`]; WebSocket views get a [`WebSocket`]
//! with `wait`, `read`, `count_messages`, `has_messages`, `send` and iteration.
//!
//! ## Quick start
//!
//! ```no_run
//! use wsviews::{accept_websocket, path, require_websocket, HttpResponse, Request};
//!
//! fn echo_once(request: &Request) -> wsviews::Result<()> {
//!     let websocket = request.websocket().expect("require_websocket gives one");
//!     if let Some(message) = websocket.wait() {
//!         websocket.send(message)?;
//!     }
//!     Ok(())
//! }
//!
//! fn lower_case(request: &Request) -> wsviews::Result<HttpResponse> {
//!     let Some(websocket) = request.websocket() else {
//!         let message = request.get().get("message").unwrap_or_default();
//!         return Ok(HttpResponse::new(message.to_lowercase()));
//!     };
//!     for message in websocket {
//!         websocket.send(message.to_string().to_lowercase())?;
//!     }
//!     Ok(HttpResponse::new(""))
//! }
//!
//! # #[cfg(feature = "runserver")]
//! fn main() {
//!     wsviews::management::execute_from_command_line(vec![
//!         path("echo_once", require_websocket(echo_once)),
//!         path("lower_case", accept_websocket(lower_case)),
//!     ]);
//! }
//! # #[cfg(not(feature = "runserver"))]
//! # fn main() {}
//! ```
//!
//! Run it as `cargo run -- runserver 127.0.0.1:8000 --multithreaded`.
//!
//! ## A tour
//!
//! **Views.** A view is `Fn(&Request) -> R` where `R:` [`IntoResponse`]: an
//! [`HttpResponse`], a `String`, `()` (an empty 204, the natural return of a
//! WebSocket view) or a `Result` of these, whose error becomes a logged 500. A
//! panicking view gets a 500 (HTTP) or a 1011 close (WebSocket); the server
//! goes on. [`accept_websocket`] lets a view take both kinds of requests,
//! [`require_websocket`] only WebSockets; a WebSocket handshake to any other
//! view gets 400, unless [`ServerConfig::accept_all_websockets()`] is set (Django's
//! `WEBSOCKET_ACCEPT_ALL`). A closure passed as [`view(|r| ...)`](view) needs
//! no `&Request` annotation.
//!
//! **The request** ([`Request`]) is Django's `HttpRequest`: `request.GET` is
//! [`Request::get`], `POST` is [`Request::post`] (both [`QueryDict`]s),
//! `COOKIES` is [`Request::cookies`], `META` is [`Request::meta`], and the URL
//! captures are [`Request::kwarg`].
//!
//! **The WebSocket object** ([`WebSocket`], from [`Request::websocket`]) is
//! read by the view's own thread: [`wait`](WebSocket::wait) blocks for one
//! message (`None` once the client closed), [`read`](WebSocket::read) never
//! blocks, [`count_messages`](WebSocket::count_messages) and
//! [`has_messages`](WebSocket::has_messages) look at what has arrived, and
//! `for message in websocket` runs until the client closes. Any thread sends
//! through a [`Sender`]; frames never interleave. Pings and closes are handled
//! whenever the view waits, reads or sends.
//!
//! **Deadlines both ways.** [`wait_timeout`](WebSocket::wait_timeout) waits
//! for a message at most so long ([`Received`]: a message, a timeout, or the
//! end, whose [`close_reason`](WebSocket::close_reason) says why), and
//! [`Sender::try_send`] never blocks a producer on a slow client:
//!
//! ```no_run
//! use std::time::Duration;
//! use wsviews::{Received, Request, TrySendError};
//!
//! fn prices(request: &Request) -> wsviews::Result<()> {
//!     let websocket = request.websocket().expect("require_websocket gives one");
//!     let sender = websocket.sender();
//!     std::thread::spawn(move || {
//!         for n in 0.. {
//!             match sender.try_send(format!("price {n}")) {
//!                 Ok(_) | Err(TrySendError::Full(_)) => {} // a slow client misses one
//!                 Err(TrySendError::Closed(_)) => break,
//!             }
//!             std::thread::sleep(Duration::from_millis(100));
//!         }
//!     });
//!     loop {
//!         match websocket.wait_timeout(Duration::from_secs(5)) {
//!             Received::Message(message) => websocket.send(format!("echo: {message}"))?,
//!             Received::TimedOut => websocket.send("still here")?,
//!             Received::Closed => return Ok(()),
//!         }
//!     }
//! }
//! ```
//!
//! **The view decides the handshake.** A WebSocket view runs before the
//! client gets its `101 Switching Protocols`: the handshake completes when
//! the view first uses the socket, or calls
//! [`accept`](WebSocket::accept) / [`accept_with_protocol`](WebSocket::accept_with_protocol).
//! Returning a response without having used it refuses the handshake with
//! that response, so authentication reads as in any Django view:
//!
//! ```no_run
//! use wsviews::{require_websocket, HttpResponse, Request};
//!
//! fn notifications(request: &Request) -> wsviews::Result<HttpResponse> {
//!     if request.cookies().get("sessionid").is_none() {
//!         return Ok(HttpResponse::text(401, "not logged in")); // no 101 is sent
//!     }
//!     let websocket = request.websocket().expect("require_websocket gives one");
//!     websocket.accept()?; // or just use it: the first send or wait accepts
//!     websocket.send("welcome")?;
//!     Ok(HttpResponse::new(""))
//! }
//! # let _ = require_websocket(notifications);
//! ```
//!
//! **Routing** is [`path`] with Django's converters (`<int:id>`, `<str:room>`,
//! `<slug:s>`, `<path:p>`); nothing matching is a 404.
//!
//! **The server** ([`Server`]) binds with a [`ServerConfig`] (every limit
//! and timeout, each with a documented default), then [`serve`](Server::serve)s
//! on the calling thread or [`spawn`](Server::spawn)s its own; the
//! [`ServerHandle`] and [`ShutdownHandle`] stop it gracefully (WebSockets get
//! 1001). `Server::bind_tls` serves HTTPS and `wss://` (feature `tls`);
//! [`ServerConfig::trusted_proxies()`] believes a reverse proxy's
//! `X-Forwarded-For`/`-Proto`; [`static_files`] serves a directory.
//!
//! **runserver and runworker** (`wsviews::management`, feature `runserver`)
//! are the commands a Django user knows, called from `main` with
//! `execute_from_command_line`.
//!
//! **Channel layers and groups.** Every WebSocket has a reply channel on a
//! channel layer ([`layers`]: in memory by default, Redis with the `redis`
//! feature when several processes or machines serve one site), and a
//! [`Group`] broadcasts to many WebSockets, across processes with Redis.
//!
//! **Consumers** (`wsviews::consumers`, feature `consumers`) take a path's
//! traffic as Django Channels messages (`websocket.connect`,
//! `websocket.receive`, `http.request`, ...) handled by worker threads or
//! `runworker` processes instead of a view.
//!
//! **rohrpost** (`wsviews::rohrpost`, feature `rohrpost`) is a JSON
//! protocol on top: a handler registry served by one view, a built-in ping,
//! replies and errors, and change notifications.
//!
//! **Testing** ([`test`](mod@test)) starts an app on an ephemeral port inside a test:
//! `TestServer::start(urlpatterns).get("/plain")`, or `.websocket("/echo")`
//! for a blocking client whose receives time out instead of hanging.
//!
//! ## Guides
//!
//! The [`guide`] modules hold the rest: [configuration and
//! limits](guide::configuration_and_limits), [Channels](guide::channels),
//! [rohrpost](guide::rohrpost), a [cookbook](guide::cookbook),
//! [operations](guide::operations), [security](guide::security),
//! [protocol conformance](guide::conformance),
//! [performance](guide::performance), [design](guide::design) and the
//! [dependencies](guide::dependencies).
//!
//! ## Features
//!
//! On by default (`wsviews = "0.2"`):
//!
//! - `runserver`: `wsviews::management`, the `runserver` and `runworker`
//!   commands, with env_logger's access log and SIGINT/SIGTERM handling
//!   (signal-hook). Implies `consumers`.
//! - `consumers`: `wsviews::consumers`, Channels consumers and workers
//!   (regex, for routes' `.path()` filters).
//! - `rohrpost`: `wsviews::rohrpost` (serde, to read frames in key order).
//! - `deflate`: permessage-deflate (flate2); without it a
//!   [`ServerConfig::permessage_deflate`] setting is an error at `bind`.
//!
//! Off by default:
//!
//! - `tls`: HTTPS and `wss://` with rustls (*ring* provider):
//!   `Server::bind_tls`, `Server::bind_tls_with_config` and
//!   `runserver --cert PEM --key PEM`. Without it the build has no TLS
//!   dependency.
//! - `redis`: the Redis channel layer.
//! - `channels-redis`: a Redis channel layer that speaks channels_redis 4's
//!   storage, shared with Django Channels 4 sites (`channels-redis://`).
//!   It turns on serde_json's `preserve_order` (so messages from Python keep
//!   their key order byte for byte), which then holds for your whole build;
//!   no other feature touches serde_json's features.
//!
//! With `default-features = false`, views, routing, the server, WebSockets,
//! channel layers, groups and [`test`](mod@test) remain: an embedded server
//! that pulls neither regex nor env_logger nor signal-hook.
//!
//! ## Logging
//!
//! The library logs through the `log` crate only: one access line per request
//! and per WebSocket session at `info`, connection lifecycle at `debug`,
//! frames at `trace`; no payloads above `trace`. `runserver` installs
//! `env_logger` with a timestamped access log, coloured on a terminal;
//! `-v 0..3` sets the level, and `RUST_LOG` wins when set.
//!
//! ## Minimum supported Rust version
//!
//! 1.88.

// No `unwrap`/`expect` outside tests: the library must not panic on what a
// client sends (the test client in `test` panics on purpose, to fail a test).
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod channels;
mod error;
pub mod guide;
mod http;
pub mod layers;
#[cfg(feature = "runserver")]
#[cfg_attr(docsrs, doc(cfg(feature = "runserver")))]
pub mod management;
mod net;
#[cfg(feature = "rohrpost")]
#[cfg_attr(docsrs, doc(cfg(feature = "rohrpost")))]
pub mod rohrpost;
mod routing;
mod server;
mod settings;
#[allow(clippy::unwrap_used, clippy::expect_used)]
pub mod test;
mod websocket;

#[cfg(test)]
mod proptests;

#[cfg(feature = "consumers")]
#[cfg_attr(docsrs, doc(cfg(feature = "consumers")))]
pub use channels::consumers;
pub use channels::groups::{Group, SendReport};
pub use error::{Error, Result};
pub use http::query::QueryDict;
pub use http::request::Request;
pub use http::response::{Cookie, HttpResponse};
pub use routing::static_files;
#[allow(deprecated)]
pub use routing::urls::URLPattern;
pub use routing::urls::{path, UrlPattern};
pub use routing::views::{accept_websocket, require_websocket, view, IntoResponse, IntoView, View};
pub use server::config::ServerConfig;
pub use server::registry::ShutdownReport;
pub use server::{Server, ServerHandle, ShutdownHandle};
pub use websocket::{
    CloseReason, DeliveryStats, Message, Messages, PerMessageDeflate, Received, Sender, Sent,
    SlowClient, TrySendError, WebSocket,
};
