//! `Context`: what a consumer gets besides its message: the channel, the
//! reply channel, the path's captured values, groups and the channel session.

use std::cell::{Cell, OnceCell, RefCell};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use serde_json::Value;

use crate::channels::groups::Group;

use crate::error::{Error, Result};
use crate::layers::{ChannelLayer, Message};
use crate::websocket;

/// What a consumer gets besides its message, as the attributes of a
/// Channels `message`: [`reply_channel`](Self::reply_channel),
/// [`channel_session`](Self::channel_session), and the values captured by
/// the route's path pattern ([`kwarg`](Self::kwarg)).
pub struct Context {
    channel: String,
    reply_channel: Option<String>,
    path: Option<String>,
    kwargs: HashMap<String, String>,
    layer: Arc<dyn ChannelLayer>,
    session: OnceCell<ChannelSession>,
}

impl Context {
    pub(crate) fn new(
        channel: &str,
        message: &Message,
        kwargs: HashMap<String, String>,
        layer: Arc<dyn ChannelLayer>,
    ) -> Self {
        let text = |key: &str| message.get(key).and_then(Value::as_str).map(str::to_owned);
        Context {
            channel: channel.to_owned(),
            reply_channel: text("reply_channel"),
            path: text("path"),
            kwargs,
            layer,
            session: OnceCell::new(),
        }
    }

    /// The channel the message came on: `websocket.receive`, say.
    pub fn channel(&self) -> &str {
        &self.channel
    }

    /// The message's `reply_channel` (Channels' `message.reply_channel`):
    /// where a response to the client goes.
    ///
    /// # Errors
    /// [`Error::InvalidName`] if the message has none.
    pub fn reply_channel(&self) -> Result<&str> {
        self.reply_channel.as_deref().ok_or_else(|| {
            Error::InvalidName(format!("a {} message without reply_channel", self.channel))
        })
    }

    /// The message's `path`, if it has one.
    pub fn path(&self) -> Option<&str> {
        self.path.as_deref()
    }

    /// A value captured by a named group of the route's path pattern:
    /// `kwarg("room")` for `.path(r"^/chat/(?P<room>[^/]+)$")`.
    pub fn kwarg(&self, name: &str) -> Option<&str> {
        self.kwargs.get(name).map(String::as_str)
    }

    /// Every value captured by the route's path pattern.
    pub fn kwargs(&self) -> &HashMap<String, String> {
        &self.kwargs
    }

    /// The channel layer the worker receives from.
    pub fn layer(&self) -> &Arc<dyn ChannelLayer> {
        &self.layer
    }

    /// The group `name` on the worker's layer.
    pub fn group(&self, name: impl Into<String>) -> Group {
        Group::with_layer(name, Arc::clone(&self.layer))
    }

    /// Sends a message (text, or binary) to the client's WebSocket
    /// (Channels' `message.reply_channel.send({"text": ...})`).
    ///
    /// # Errors
    /// As [`reply_raw`](Self::reply_raw).
    pub fn reply(&self, message: impl Into<websocket::Message>) -> Result<()> {
        let frame = crate::channels::frames::frame(&message.into());
        self.reply_raw(&crate::channels::events::outbound(
            &frame,
            self.layer.event_type(),
        ))
    }

    /// Closes the client's WebSocket with 1000 (`{"close": true}`).
    ///
    /// # Errors
    /// As [`reply_raw`](Self::reply_raw).
    pub fn close(&self) -> Result<()> {
        let close = crate::channels::events::Frame::Close(websocket::CloseCode::Normal.code());
        self.reply_raw(&crate::channels::events::outbound(
            &close,
            self.layer.event_type(),
        ))
    }

    /// Sends any message on the reply channel: a "WebSocket Send/Close"
    /// message, or an `http.response`. On a layer that carries Channels 4
    /// events (channels-redis), a message without `"type"` gets one:
    /// `http.response` if it has a `status`, else the layer's event type.
    ///
    /// # Errors
    /// [`Error::InvalidName`] if the message has no reply channel;
    /// [`Error::ChannelFull`], [`Error::MessageTooLarge`] or
    /// [`Error::Layer`] from the layer.
    pub fn reply_raw(&self, message: &Message) -> Result<()> {
        let layer = self.layer.as_ref();
        let message = if message.contains_key("status") {
            crate::channels::events::typed(layer, message, "http.response")
        } else {
            crate::channels::events::typed_reply(layer, message)
        };
        self.layer.send(self.reply_channel()?, &message)
    }

    /// The channel session (Channels' `@channel_session`): state kept per
    /// reply channel in the layer, so the consumers of later messages of the
    /// same connection see it, in any worker thread or process. Loaded on
    /// first use; saved after the consumer returns, if it changed; deleted
    /// after `websocket.disconnect`.
    ///
    /// # Errors
    /// [`Error::InvalidName`] if the message has no reply channel;
    /// [`Error::Layer`] if the layer cannot load it.
    pub fn channel_session(&self) -> Result<&ChannelSession> {
        if let Some(session) = self.session.get() {
            return Ok(session);
        }
        let data = self.layer.session_load(self.reply_channel()?)?;
        Ok(self.session.get_or_init(|| ChannelSession {
            data: RefCell::new(data.unwrap_or_default()),
            modified: Cell::new(false),
        }))
    }

    /// Saves the channel session if the consumer changed it.
    pub(crate) fn save_session(&self) -> Result<()> {
        let (Some(session), Some(key)) = (self.session.get(), self.reply_channel.as_deref()) else {
            return Ok(());
        };
        if !session.modified.get() {
            return Ok(());
        }
        let data = session.data.borrow();
        if data.is_empty() {
            self.layer.session_delete(key)
        } else {
            self.layer.session_save(key, &data)
        }
    }
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("channel", &self.channel)
            .field("reply_channel", &self.reply_channel)
            .field("path", &self.path)
            .field("kwargs", &self.kwargs)
            .finish()
    }
}

/// One connection's channel session: a JSON map; see
/// [`Context::channel_session`].
#[derive(Debug)]
pub struct ChannelSession {
    data: RefCell<Message>,
    modified: Cell<bool>,
}

impl ChannelSession {
    /// The value stored under `key`.
    pub fn get(&self, key: &str) -> Option<Value> {
        self.data.borrow().get(key).cloned()
    }

    /// The string stored under `key`, if it is one.
    pub fn get_str(&self, key: &str) -> Option<String> {
        self.get(key).and_then(|v| v.as_str().map(str::to_owned))
    }

    /// Stores `value` under `key`.
    pub fn set(&self, key: impl Into<String>, value: impl Into<Value>) {
        self.data.borrow_mut().insert(key.into(), value.into());
        self.modified.set(true);
    }

    /// Removes and returns the value under `key`.
    pub fn remove(&self, key: &str) -> Option<Value> {
        let removed = self.data.borrow_mut().remove(key);
        self.modified.set(true);
        removed
    }

    /// Removes everything (the session is deleted from the layer).
    pub fn clear(&self) {
        self.data.borrow_mut().clear();
        self.modified.set(true);
    }

    /// A copy of the whole session.
    pub fn to_map(&self) -> Message {
        self.data.borrow().clone()
    }
}
