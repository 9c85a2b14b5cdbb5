//! Running a registry: over a WebSocket in a blocking view ([`serve`],
//! [`view`]), or as a `websocket.receive` consumer ([`consume`]).

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;

use serde_json::Value;

use super::context::Context;
use super::protocol::{self, Request};
use super::registry::Registry;
use super::reply::{Reply, ReplyChannel, ReplyTarget};
use crate::error::{Error, Result};
use crate::layers::{self, ChannelLayer};
use crate::{require_websocket, Message, Request as HttpRequest, View, WebSocket};

/// The `error` of the reply to a request whose handler panicked.
pub(crate) const PANIC_ERROR: &str = "Internal server error.";

/// Serves rohrpost on `websocket` with `registry` until the client closes:
/// every text frame is parsed, validated and handed to its handler; every
/// malformed frame, unknown type and failed handler is answered with an
/// error reply, and the connection stays open. A binary frame counts as an
/// empty message, as in rohrpost.
///
/// ```no_run
/// use wsviews::{path, require_websocket, rohrpost, Request};
///
/// let registry = rohrpost::Registry::new();
/// let urlpatterns = vec![path(
///     "rohrpost",
///     require_websocket(move |request: &Request| {
///         let websocket = request.websocket().expect("require_websocket gives one");
///         rohrpost::serve(websocket, &registry)
///     }),
/// )];
/// ```
///
/// # Errors
/// An I/O error if a reply cannot be written (the client is gone). A
/// WebSocket closed by a reply (`close: true`) is not an error: `serve`
/// returns `Ok` once the closing handshake is over.
pub fn serve(websocket: &WebSocket, registry: &Registry) -> Result<()> {
    let context = Context::from_websocket(websocket);
    for message in websocket {
        match handle_message(&context, registry, &message) {
            Ok(()) | Err(Error::ConnectionClosed) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// A WebSocket-only view ([`require_websocket`]) that [`serve`]s
/// `registry`.
///
/// ```no_run
/// use wsviews::{path, rohrpost};
///
/// let registry = rohrpost::Registry::new()
///     .with("subscribe", rohrpost::handlers::subscribe)?
///     .with("unsubscribe", rohrpost::handlers::unsubscribe)?;
/// let urlpatterns = vec![path("rohrpost", rohrpost::view(registry))];
/// # Ok::<(), rohrpost::AlreadyDefined>(())
/// ```
pub fn view(registry: impl Into<Arc<Registry>>) -> View {
    let registry = registry.into();
    require_websocket(move |request: &HttpRequest| match request.websocket() {
        Some(websocket) => serve(websocket, &registry),
        None => Ok(()),
    })
}

/// Handles one `websocket.receive` message, as a Channels consumer: the
/// frame is the message's `content` (or the ASGI spec's `text`; a `binary`
/// frame counts as empty), and replies go to its `reply_channel` on `layer`
/// as "WebSocket Send/Close" messages (`content`, and `close` when a reply
/// closes). A message without a `reply_channel` cannot be answered: it is
/// logged and dropped.
///
/// ```
/// use std::time::Duration;
/// use serde_json::json;
/// use wsviews::{layers, rohrpost};
///
/// let layer = layers::from_url("memory://")?;
/// let reply_channel = layer.new_channel("client.")?;
/// let receive = json!({"reply_channel": reply_channel, "content": r#"{"id": 1, "type": "ping"}"#});
/// rohrpost::consume(receive.as_object().unwrap(), &layer, &rohrpost::Registry::new())?;
///
/// let (_, reply) = layer.receive(&[&reply_channel], Duration::from_secs(1))?.unwrap();
/// assert_eq!(reply["content"], r#"{"id": 1, "type": "pong"}"#);
/// # Ok::<(), wsviews::Error>(())
/// ```
///
/// # Errors
/// A channel-layer error if a reply cannot be sent.
pub fn consume(
    message: &layers::Message,
    layer: &Arc<dyn ChannelLayer>,
    registry: &Registry,
) -> Result<()> {
    let Some(reply_channel) = message.get("reply_channel").and_then(Value::as_str) else {
        log::warn!("rohrpost: websocket.receive message without a reply_channel dropped");
        return Ok(());
    };
    let channel = ReplyChannel::new(Arc::clone(layer), reply_channel);
    dispatch(
        &Context::from_reply_channel(&channel),
        registry,
        receive_text(message),
    )
}

/// The text frame of a `websocket.receive` message; `None` for binary.
fn receive_text(message: &layers::Message) -> Option<&str> {
    if message.get("binary").and_then(Value::as_bool) == Some(true) {
        return None;
    }
    message
        .get("content")
        .or_else(|| message.get("text"))
        .and_then(Value::as_str)
}

/// Handles one frame from a client, as rohrpost's `handle_rohrpost_message`:
/// answers a malformed frame or an unknown type with an error reply, or
/// calls the handler (answering its failure). [`serve`] is a loop of this;
/// call it yourself to serve rohrpost from a view that also does other
/// work.
///
/// ```no_run
/// use wsviews::rohrpost::{self, Context, Registry};
/// # fn view(websocket: &wsviews::WebSocket, registry: &Registry) -> wsviews::Result<()> {
/// let context = Context::from_websocket(websocket);
/// while let Some(message) = websocket.wait() {
///     log::trace!("rohrpost frame of {} bytes", message.len());
///     rohrpost::handle_message(&context, registry, &message)?;
/// }
/// # Ok(()) }
/// ```
///
/// # Errors
/// If a reply cannot be sent.
pub fn handle_message(context: &Context<'_>, registry: &Registry, message: &Message) -> Result<()> {
    dispatch(context, registry, message.as_text())
}

/// Answers one frame (`None` for binary): a protocol error, an unknown
/// type, or whatever its handler does.
fn dispatch(context: &Context<'_>, registry: &Registry, text: Option<&str>) -> Result<()> {
    let request = match protocol::parse(text) {
        Ok(request) => request,
        Err(rejection) => {
            log::debug!("rohrpost: refused a frame: {rejection:?}");
            return context.send_text(rejection.reply(), false);
        }
    };
    let handler = request
        .message_type_value()
        .as_str()
        .and_then(|name| registry.get(name));
    let Some(handler) = handler else {
        log::debug!("rohrpost: no handler for the request's type");
        return context.send_text(protocol::unknown_type(&request), false);
    };
    let error = match panic::catch_unwind(AssertUnwindSafe(|| handler(context, &request))) {
        Ok(Ok(())) => return Ok(()),
        Ok(Err(error)) => {
            log::debug!(
                "rohrpost: handler {:?} failed: {error}",
                request.message_type()
            );
            Value::String(error.to_string())
        }
        Err(payload) => {
            log::error!(
                "rohrpost: handler {:?} panicked: {}",
                request.message_type(),
                panic_message(payload.as_ref())
            );
            Value::from(PANIC_ERROR)
        }
    };
    failure_reply(&request, error).send(context)
}

/// The error reply to a failed handler: the request's id and type.
fn failure_reply(request: &Request, error: Value) -> Reply {
    Reply::for_request(request, request.message_type()).error(error)
}

fn panic_message(payload: &(dyn Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
}
