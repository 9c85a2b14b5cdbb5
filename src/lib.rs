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
//! fn main() {
//!     wsviews::management::execute_from_command_line(vec![
//!         path("echo_once", require_websocket(echo_once)),
//!         path("lower_case", accept_websocket(lower_case)),
//!     ]);
//! }
//! ```
//!
//! Run it as `cargo run -- runserver 127.0.0.1:8000 --multithreaded`.
//!
//! ## Concepts
//!
//! - **Views** are `Fn(&Request) -> R` where `R:` [`IntoResponse`]; wrap them
//!   with [`accept_websocket`] or [`require_websocket`] to let WebSockets in.
//! - **Routing** is [`path`] with Django's converters (`<int:id>`, `<str:room>`,
//!   `<slug:s>`, `<path:p>`).
//! - **The WebSocket** is read by the view's own thread; a [`Sender`] sends
//!   from any other thread.
//! - **The server** ([`Server`]) is configured by [`ServerConfig`]; the
//!   [`management`] module is the `runserver` command.
//! - **rohrpost** ([`rohrpost`]) is a JSON protocol on top: a handler
//!   registry served by one view, replies, and change notifications.
//!
//! - **Operations**: `Server::bind_tls` serves HTTPS and `wss://` (feature
//!   `tls`); [`ServerConfig::trusted_proxies`] believes a reverse proxy's
//!   `X-Forwarded-For`/`-Proto`; [`static_files`] serves a directory in
//!   development; [`ShutdownHandle`] stops gracefully (`runserver` does it on
//!   SIGINT and SIGTERM).
//!
//! ## Features
//!
//! - `tls`: HTTPS and `wss://` with rustls (*ring* provider):
//!   `Server::bind_tls`, `Server::bind_tls_with_config` and
//!   `runserver --cert PEM --key PEM`. Off by default; without it the build
//!   has no TLS dependency.
//! - `redis`: the Redis channel layer.
//!   [`management`] module is the `runserver` and `runworker` commands.
//! - **Groups** ([`Group`]) broadcast to WebSockets through a channel layer
//!   ([`layers`]: in memory, or Redis across processes).
//! - **Consumers** ([`consumers`]) take a path's traffic as Django Channels
//!   messages, run by workers instead of a view.
//!
//! ## Logging
//!
//! The library logs through the `log` crate only: one access line per request
//! and per WebSocket session at `info`, connection lifecycle at `debug`.
//! `runserver` installs `env_logger` with a timestamped access log, coloured
//! on a terminal; `-v 0..3` sets the level, and `RUST_LOG` wins when set.

mod config;
mod connection;
pub mod consumers;
mod error;
mod groups;
mod handshake;
mod http;
pub mod layers;
mod logging;
pub mod management;
mod proxy;
mod registry;
mod replies;
pub mod rohrpost;
mod server;
mod signals;
mod socket;
pub mod static_files;
pub mod test;
#[cfg(feature = "tls")]
mod tls;
mod urls;
mod views;
mod websocket;

pub use config::ServerConfig;
pub use error::{Error, Result};
pub use groups::Group;
pub use http::query::QueryDict;
pub use http::request::Request;
pub use http::response::{Cookie, HttpResponse};
pub use registry::ShutdownReport;
pub use server::{Server, ServerHandle, ShutdownHandle};
pub use urls::{path, URLPattern};
pub use views::{accept_websocket, require_websocket, IntoResponse, IntoView, View};
pub use websocket::{Message, Messages, Sender, WebSocket};
