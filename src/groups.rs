//! `Group`: broadcast to many WebSockets through the channel layer, as
//! Django Channels' `Group("chat").send(...)`.

use std::sync::Arc;

use crate::error::{Error, Result};
use crate::events;
use crate::layers::{self, ChannelLayer};
use crate::replies;
use crate::websocket::{Message, WebSocket};

/// A named group of WebSockets on a channel layer.
///
/// Views add their WebSocket to a group, and anyone sends to all its
/// members; with a Redis layer the members may be connected to other server
/// processes on other machines. A WebSocket leaves all its groups when it
/// closes. Sending never waits on a slow member (it misses messages
/// instead, as in Django Channels).
///
/// ```no_run
/// use wsviews::{Group, Request};
///
/// fn chat(request: &Request) -> wsviews::Result<()> {
///     let websocket = request.websocket().expect("require_websocket gives one");
///     let room = Group::new(format!("chat-{}", request.kwarg("room").unwrap_or("lobby")));
///     room.add(websocket)?;
///     for message in websocket {
///         room.send(message)?;
///     }
///     Ok(())
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Group {
    name: String,
    layer: Option<Arc<dyn ChannelLayer>>,
    event_type: Option<String>,
}

impl Group {
    /// The group `name` on the WebSocket's own layer for
    /// [`add`](Self::add)/[`discard`](Self::discard), and on the process's
    /// default layer ([`layers::default_layer`]) for [`send`](Self::send).
    pub fn new(name: impl Into<String>) -> Self {
        Group {
            name: name.into(),
            layer: None,
            event_type: None,
        }
    }

    /// The group `name` on `layer`.
    pub fn with_layer(name: impl Into<String>, layer: Arc<dyn ChannelLayer>) -> Self {
        Group {
            name: name.into(),
            layer: Some(layer),
            event_type: None,
        }
    }

    /// Sets the `"type"` of the events [`send`](Self::send) sends on a layer
    /// that carries Django Channels 4 events (the channels-redis layer):
    /// `"chat.message"` reaches a Django consumer's `chat_message` method.
    /// Other layers ignore it.
    ///
    /// Defaults to the layer's own (its URL's `?event_type=`, by default
    /// `websocket.send`).
    pub fn event_type(mut self, event_type: impl Into<String>) -> Self {
        self.event_type = Some(event_type.into());
        self
    }

    /// The group's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Adds `websocket` to the group (until it closes, or the layer's group
    /// expiry).
    ///
    /// # Errors
    /// [`Error::InvalidName`] for a bad group name; [`Error::Layer`] if the
    /// layer fails; [`Error::ConnectionClosed`] if the WebSocket has no reply
    /// channel (it is closed).
    pub fn add(&self, websocket: &WebSocket) -> Result<()> {
        let (layer, channel) = websocket.reply().ok_or(Error::ConnectionClosed)?;
        layer.group_add(&self.name, channel)?;
        websocket.joined(&self.name);
        Ok(())
    }

    /// Removes `websocket` from the group.
    ///
    /// # Errors
    /// As [`add`](Self::add).
    pub fn discard(&self, websocket: &WebSocket) -> Result<()> {
        let (layer, channel) = websocket.reply().ok_or(Error::ConnectionClosed)?;
        layer.group_discard(&self.name, channel)?;
        websocket.left(&self.name);
        Ok(())
    }

    /// Adds a reply channel to the group, as Channels'
    /// `Group("chat").add(message.reply_channel)`: what consumers do with the
    /// `reply_channel` of a `websocket.connect`. It stays a member until
    /// [`discard_channel`](Self::discard_channel) or the layer's group
    /// expiry.
    ///
    /// # Errors
    /// [`Error::InvalidName`] for a bad group or channel name;
    /// [`Error::Layer`] if the layer fails.
    pub fn add_channel(&self, channel: &str) -> Result<()> {
        self.layer().group_add(&self.name, channel)
    }

    /// Removes a reply channel from the group.
    ///
    /// # Errors
    /// As [`add_channel`](Self::add_channel).
    pub fn discard_channel(&self, channel: &str) -> Result<()> {
        self.layer().group_discard(&self.name, channel)
    }

    /// Sends a message (text or binary) to every member: as
    /// `{"content": ...}` ("WebSocket Send/Close"), or on a layer that
    /// carries Channels 4 events as `{"type": <event type>, "text": ...}`
    /// (`"bytes"` for binary; see [`event_type`](Self::event_type)).
    ///
    /// # Errors
    /// [`Error::MessageTooLarge`] over 1 MiB; [`Error::InvalidName`];
    /// [`Error::Layer`] if the layer fails.
    pub fn send(&self, message: impl Into<Message>) -> Result<()> {
        let layer = self.layer();
        let event_type = layer
            .event_type()
            .map(|default| self.event_type.as_deref().unwrap_or(default));
        let frame = replies::frame(&message.into());
        layer.send_group(&self.name, &events::outbound(&frame, event_type))
    }

    /// Sends a raw message to every member: "WebSocket Send/Close"
    /// (`content`, `binary`, `close`), or a Channels 4 event.
    ///
    /// # Errors
    /// As [`send`](Self::send), and [`Error::InvalidMessage`] for a message
    /// without `"type"` on the channels-redis layer.
    pub fn send_raw(&self, message: &layers::Message) -> Result<()> {
        self.layer().send_group(&self.name, message)
    }

    /// The reply channels of the members.
    ///
    /// # Errors
    /// As [`send`](Self::send).
    pub fn channels(&self) -> Result<Vec<String>> {
        self.layer().group_channels(&self.name)
    }

    fn layer(&self) -> Arc<dyn ChannelLayer> {
        self.layer.clone().unwrap_or_else(layers::default_layer)
    }
}
