//! Consumers, workers and the interface server, as Django Channels 1.x.
//!
//! A path routed [`to_consumers`] is not answered by a view: the server (the
//! *interface server*) turns its traffic into messages on the channel layer,
//! in the formats of the Channels message standards, and writes to the
//! client whatever arrives on the connection's reply channel. *Workers* take
//! those messages off the layer and call the *consumer* routed to each
//! channel: a plain function `fn(&Message, &Context)`.
//!
//! ```no_run
//! use wsviews::consumers::{route, to_consumers, Context};
//! use wsviews::layers::Message;
//! use wsviews::path;
//!
//! // websocket.connect: join the room named in the path.
//! fn chat_connect(_message: &Message, context: &Context) -> wsviews::Result<()> {
//!     let room = context.kwarg("room").unwrap_or("lobby");
//!     context.channel_session()?.set("room", room);
//!     context.group(format!("chat-{room}")).add_channel(context.reply_channel()?)
//! }
//!
//! // websocket.receive: send the text to everyone in the room.
//! fn chat_receive(message: &Message, context: &Context) -> wsviews::Result<()> {
//!     let room = context.channel_session()?.get_str("room").unwrap_or_default();
//!     let text = message.get("content").and_then(|c| c.as_str()).unwrap_or_default();
//!     context.group(format!("chat-{room}")).send(text)?;
//!     Ok(())
//! }
//!
//! fn main() {
//!     let urlpatterns = vec![path("chat/<str:room>", to_consumers())];
//!     let channel_routing = vec![
//!         route("websocket.connect", chat_connect).path(r"^/chat/(?P<room>[^/]+)$"),
//!         route("websocket.receive", chat_receive).path("^/chat/"),
//!     ];
//!     wsviews::management::execute_from_command_line_with_routing(urlpatterns, channel_routing);
//! }
//! ```
//!
//! Run it as `runserver` (which also starts worker threads), or as
//! `runserver --noworker --channel-layer redis://...` plus any number of
//! `runworker --channel-layer redis://...` processes.
//!
//! # The messages
//!
//! | channel | keys |
//! | --- | --- |
//! | `http.request` | `reply_channel`, `get`, `post`, `cookies`, `meta`, `path`, `method`, and `body` (the raw body as text) when there is one |
//! | `http.response` (on the reply channel) | `status`, `headers` (dict), `cookies` (list of `Set-Cookie` strings), `content_type`, `content`, `more_content: true` for each chunk but the last of a streamed response |
//! | `http.disconnect` | `reply_channel`, `path` |
//! | `websocket.connect` | `reply_channel`, `get`, `cookies`, `meta`, `path` |
//! | `websocket.receive` | `reply_channel`, `path`, `content`, `binary: true` (content in base64) for a binary message |
//! | `websocket.disconnect` | `reply_channel`, `path` |
//! | WebSocket Send/Close (on the reply channel) | `content`, `binary`, `close` |
//!
//! # Delivery
//!
//! The layer delivers at most once, and several worker threads run
//! consumers concurrently: two messages of one connection may be handled
//! out of order, and a consumer that panics or returns an error loses its
//! message (it is logged, and the worker goes on).

mod context;
mod http;
mod interface;
mod routing;
mod worker;
mod worker_thread;

pub use context::{ChannelSession, Context};
pub use interface::{to_consumers, ToConsumers};
pub use routing::{route, Route};
pub use worker::{Worker, WorkerHandle};

use std::fmt;
use std::sync::Arc;

use crate::layers::Message;

/// A consumer, boxed: what [`route`] stores.
pub(crate) type Consumer = Arc<dyn Fn(&Message, &Context) -> Result<(), String> + Send + Sync>;

/// What a consumer may return: `()`, or a `Result` whose error is logged.
pub trait ConsumerResult {
    /// The error to log, if any.
    ///
    /// # Errors
    /// The consumer's error, as text.
    fn into_result(self) -> Result<(), String>;
}

impl ConsumerResult for () {
    fn into_result(self) -> Result<(), String> {
        Ok(())
    }
}

impl<E: fmt::Display> ConsumerResult for Result<(), E> {
    fn into_result(self) -> Result<(), String> {
        self.map_err(|e| e.to_string())
    }
}

/// Anything usable as a consumer: a function or closure
/// `Fn(&Message, &Context) -> R` where `R:` [`ConsumerResult`].
pub trait IntoConsumer {
    /// Boxes the consumer.
    fn into_consumer(self) -> Consumer;
}

impl<F, R> IntoConsumer for F
where
    F: Fn(&Message, &Context) -> R + Send + Sync + 'static,
    R: ConsumerResult,
{
    fn into_consumer(self) -> Consumer {
        Arc::new(move |message: &Message, context: &Context| self(message, context).into_result())
    }
}
