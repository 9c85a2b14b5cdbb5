//! Replies: the [`Reply`] builder, rohrpost's `send_message`/`send_error`,
//! and the places a reply can go ([`ReplyTarget`]).

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use serde_json::Value;

use super::ordered::Ordered;
use super::protocol::{encode, Request};
use crate::error::Result;
use crate::layers::{self, ChannelLayer};
use crate::websocket::CloseCode;
use crate::{Group, Sender, WebSocket};

/// One rohrpost message to a client: `{"id", "type", "error"?, "data"?}`.
///
/// Built like rohrpost's `send_message(handler, message_id, data, error,
/// close)`, and encoded as rohrpost encodes it: keys in the order `id`,
/// `type`, `error`, `data`; `type`, `error` and `data` left out when
/// *falsy* in Python's sense (so `data({})` sends no `data`, as rohrpost
/// does). Without an [`id`](Self::id), a random one from 1 to 1000 is
/// chosen at send time, as rohrpost does. Any id that is set is written as
/// it is, `0` and `""` included (rohrpost dropped those).
///
/// ```no_run
/// use serde_json::json;
/// use wsviews::rohrpost::Reply;
/// # fn demo(websocket: &wsviews::WebSocket) -> wsviews::Result<()> {
/// Reply::new("pong").id(1234).data(json!({"some": "data"})).send(websocket)?;
/// // {"id": 1234, "type": "pong", "data": {"some": "data"}}
/// Reply::new("bye").error("Session expired.").close(true).send(websocket)?;
/// // {"id": <1..=1000>, "type": "bye", "error": "Session expired."}, then a close
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq)]
#[must_use = "a reply does nothing until it is sent"]
pub struct Reply {
    id: Option<Value>,
    handler: String,
    data: Option<Ordered>,
    error: Option<Ordered>,
    close: bool,
}

impl Reply {
    /// A reply of type `handler` (rohrpost's `handler` argument).
    pub fn new(handler: impl Into<String>) -> Self {
        Reply {
            id: None,
            handler: handler.into(),
            data: None,
            error: None,
            close: false,
        }
    }

    /// A reply of type `handler` carrying `request`'s id.
    pub fn for_request(request: &Request, handler: impl Into<String>) -> Self {
        Reply::new(handler).id(request.id().clone())
    }

    /// Sets the message id (any JSON value; written as given).
    pub fn id(mut self, id: impl Into<Value>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// Sets `data`.
    pub fn data(mut self, data: impl Into<Value>) -> Self {
        self.data = Some(Ordered::from(data.into()));
        self
    }

    /// Sets `data` with its keys in a given order (a client's, echoed).
    pub(crate) fn ordered_data(mut self, data: Ordered) -> Self {
        self.data = Some(data);
        self
    }

    /// Sets `error`: a message or any error content.
    pub fn error(mut self, error: impl Into<Value>) -> Self {
        self.error = Some(Ordered::from(error.into()));
        self
    }

    /// Whether to close the WebSocket once the message is sent (default
    /// `false`).
    pub fn close(mut self, close: bool) -> Self {
        self.close = close;
        self
    }

    /// Whether the WebSocket is closed after this reply.
    pub fn closes(&self) -> bool {
        self.close
    }

    /// The JSON text of the frame (with a fresh random id if none is set).
    pub fn to_text(&self) -> String {
        let id = self.id.clone().unwrap_or_else(|| Value::from(random_id()));
        let handler = Value::String(self.handler.clone());
        encode(
            Some(&id),
            Some(&handler),
            self.error.as_ref(),
            self.data.as_ref(),
        )
    }

    /// Sends the reply to `target`, then closes it if [`close`](Self::close)
    /// was set.
    ///
    /// # Errors
    /// The target's: [`Error::ConnectionClosed`](crate::Error::ConnectionClosed)
    /// for a closed WebSocket, a channel-layer error for a reply channel or
    /// group.
    pub fn send<T: ReplyTarget + ?Sized>(&self, target: &T) -> Result<()> {
        target.send_text(self.to_text(), self.close)
    }
}

/// rohrpost's `send_message`: sends `{"id", "type", "error"?, "data"?}` to
/// `target`, with a random id if `message_id` is `None`, and closes the
/// WebSocket afterwards if `close`. [`Reply`] is the same as a builder.
///
/// ```no_run
/// use serde_json::json;
/// use wsviews::rohrpost::send_message;
/// # fn demo(websocket: &wsviews::WebSocket) -> wsviews::Result<()> {
/// send_message(websocket, "pong", Some(json!(1)), Some(json!({"a": 1})), None, false)?;
/// # Ok(()) }
/// ```
///
/// # Errors
/// As [`Reply::send`].
pub fn send_message<T: ReplyTarget + ?Sized>(
    target: &T,
    handler: &str,
    message_id: Option<Value>,
    data: Option<Value>,
    error: Option<Value>,
    close: bool,
) -> Result<()> {
    let mut reply = Reply::new(handler).close(close);
    reply.id = message_id;
    reply.data = data.map(Ordered::from);
    reply.error = error.map(Ordered::from);
    reply.send(target)
}

/// rohrpost's `send_error`: [`send_message`] with an `error`.
///
/// # Errors
/// As [`Reply::send`].
pub fn send_error<T: ReplyTarget + ?Sized>(
    target: &T,
    handler: &str,
    message_id: Option<Value>,
    error: impl Into<Value>,
    data: Option<Value>,
    close: bool,
) -> Result<()> {
    send_message(target, handler, message_id, data, Some(error.into()), close)
}

/// Where a rohrpost frame can be sent: a [`WebSocket`], a [`Sender`] (from
/// another thread), a [`ReplyChannel`] (from another process), a [`Group`]
/// (everyone in it), or a handler's [`Context`](super::Context).
pub trait ReplyTarget {
    /// Sends one text frame, then closes the WebSocket(s) if `close`.
    ///
    /// # Errors
    /// The transport's errors.
    fn send_text(&self, text: String, close: bool) -> Result<()>;
}

impl ReplyTarget for WebSocket {
    fn send_text(&self, text: String, close: bool) -> Result<()> {
        self.send(text)?;
        if close {
            self.close()?;
        }
        Ok(())
    }
}

impl ReplyTarget for Sender {
    fn send_text(&self, text: String, close: bool) -> Result<()> {
        self.send(text)?;
        if close {
            self.close_because(CloseCode::Normal)?;
        }
        Ok(())
    }
}

impl ReplyTarget for Group {
    fn send_text(&self, text: String, close: bool) -> Result<()> {
        self.send_raw(&send_close(text, close)).map(drop)
    }
}

/// A WebSocket's reply channel on a channel layer (Channels'
/// `message.reply_channel`): frames sent here reach that client from any
/// thread or, with Redis, any process.
///
/// ```
/// use wsviews::layers;
/// use wsviews::rohrpost::{Reply, ReplyChannel};
///
/// let layer = layers::from_url("memory://")?;
/// let channel = ReplyChannel::new(layer, "wsviews.reply.abc!def");
/// assert_eq!(channel.name(), "wsviews.reply.abc!def");
/// Reply::new("pong").id(1).send(&channel)?;
/// # Ok::<(), wsviews::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ReplyChannel {
    layer: Arc<dyn ChannelLayer>,
    channel: String,
}

impl ReplyChannel {
    /// The reply channel `channel` on `layer`.
    pub fn new(layer: Arc<dyn ChannelLayer>, channel: impl Into<String>) -> Self {
        ReplyChannel {
            layer,
            channel: channel.into(),
        }
    }

    /// The channel's name.
    pub fn name(&self) -> &str {
        &self.channel
    }

    /// The layer the channel is on.
    pub fn layer(&self) -> &Arc<dyn ChannelLayer> {
        &self.layer
    }
}

impl ReplyTarget for ReplyChannel {
    fn send_text(&self, text: String, close: bool) -> Result<()> {
        let message = send_close(text, close);
        let message = crate::channels::events::typed_reply(self.layer.as_ref(), &message);
        self.layer.send(&self.channel, &message)
    }
}

/// The "WebSocket Send/Close" message for a text frame.
fn send_close(text: String, close: bool) -> layers::Message {
    let mut message = crate::channels::frames::send_message(&crate::Message::Text(text));
    if close {
        message.insert("close".into(), Value::Bool(true));
    }
    message
}

/// A random message id from 1 to 1000, as rohrpost's
/// `random.randint(1, 1000)`.
pub(crate) fn random_id() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.finish() % 1000 + 1
}

#[cfg(test)]
#[path = "reply_tests.rs"]
mod tests;
