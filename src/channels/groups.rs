//! `Group`: broadcast to many WebSockets through the channel layer, as
//! Django Channels' `Group("chat").send(...)`.
//!
//! On an in-process layer (the in-memory default) a send writes to the
//! local members directly, in the order they joined (resolved once while
//! the group is unchanged, see `members.rs`): each member's frame is queued
//! on its socket without waiting, within the member's bound. On a
//! cross-process layer (Redis) the message goes through the layer, and each
//! server's listener hands it to its members the same way.

use std::sync::Arc;

use crate::channels::events;
use crate::channels::frames;
use crate::channels::members::{self, MemberCache};
use crate::channels::replies::{self, Replies};
use crate::error::{Error, Result};
use crate::layers::{self, ChannelLayer, MAX_MESSAGE_SIZE};
use crate::websocket::{Delivery, Message, Outcome, Sender, WebSocket};

/// A named group of WebSockets on a channel layer.
///
/// Views add their WebSocket to a group, and anyone sends to all its
/// members; with a Redis layer the members may be connected to other server
/// processes on other machines. A WebSocket stays in its groups while it is
/// open (memberships are renewed before the layer's group expiry, and
/// re-joined after a Redis restart) and leaves them when it closes.
///
/// The layer is the one of the server the group is used on:
/// [`Group::new`] inside a view is the view's server's layer, so
/// `ServerConfig::channel_layer(x)` applies to everything; outside views,
/// [`Group::with_layer`] with
/// [`ServerHandle::channel_layer`](crate::ServerHandle::channel_layer) (or
/// any layer) names it outright.
///
/// Sending never waits on a slow member: what a member cannot take within
/// its bound is handled by the server's slow-client policy (closed with
/// 1013 by default, or dropped for it) and counted, see [`SendReport`].
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
    members: MemberCache,
}

/// What a [`Group::send`] did.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SendReport {
    /// Local members the message was written to or queued for.
    pub delivered: usize,
    /// Local members that missed it: over their bound with the
    /// [`SlowClient::Drop`](crate::SlowClient::Drop) policy, or a full
    /// channel.
    pub dropped: usize,
    /// Local members over their bound that are being closed with 1013
    /// ([`SlowClient::Close`](crate::SlowClient::Close)); they missed it.
    pub slow_closed: usize,
    /// Members reached through the channel layer rather than directly:
    /// channels of consumers, or, on a cross-process layer such as Redis,
    /// the whole group (counted as 1: the receiving servers count their own
    /// deliveries and drops, see
    /// [`ServerHandle::delivery_stats`](crate::ServerHandle::delivery_stats)).
    pub forwarded: usize,
}

impl Group {
    /// The group `name` on the layer of the server whose view is calling
    /// (the process's default layer, [`layers::default_layer`], outside any
    /// view).
    pub fn new(name: impl Into<String>) -> Self {
        Group {
            name: name.into(),
            layer: replies::current().map(|server| Arc::clone(server.layer())),
            event_type: None,
            members: MemberCache::default(),
        }
    }

    /// The group `name` on `layer`.
    pub fn with_layer(name: impl Into<String>, layer: Arc<dyn ChannelLayer>) -> Self {
        Group {
            name: name.into(),
            layer: Some(layer),
            event_type: None,
            members: MemberCache::default(),
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

    /// Adds `websocket` to the group, on its server's layer, until it
    /// closes.
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

    /// Sends a message (text or binary) to every member, never waiting on
    /// one; the report says what became of it. Through a cross-process
    /// layer it goes as `{"content": ...}` ("WebSocket Send/Close"), or on a
    /// layer that carries Channels 4 events as
    /// `{"type": <event type>, "text": ...}` (`"bytes"` for binary; see
    /// [`event_type`](Self::event_type)).
    ///
    /// # Errors
    /// [`Error::MessageTooLarge`] over 1 MiB; [`Error::InvalidName`];
    /// [`Error::Layer`] if the layer fails, logged at WARN: Redis unreachable
    /// (nobody got the message), or not answering in time (it may arrive late).
    pub fn send(&self, message: impl Into<Message>) -> Result<SendReport> {
        let message = message.into();
        let layer = self.layer();
        if !layer.is_in_process() {
            let event_type = layer
                .event_type()
                .map(|default| self.event_type.as_deref().unwrap_or(default));
            let frame = frames::frame(&message);
            return self.forward(&layer, &events::outbound(&frame, event_type));
        }
        if message.len() > MAX_MESSAGE_SIZE {
            let (size, max) = (message.len(), MAX_MESSAGE_SIZE);
            return Err(Error::MessageTooLarge { size, max });
        }
        self.fan_out(&layer, &|| frames::send_message(&message), &|sender| {
            sender.deliver_message(&message)
        })
    }

    /// Sends a raw message to every member: "WebSocket Send/Close"
    /// (`content`, `binary`, `close`), or a Channels 4 event.
    ///
    /// # Errors
    /// As [`send`](Self::send), and [`Error::InvalidMessage`] for a message
    /// without `"type"` on the channels-redis layer.
    pub fn send_raw(&self, message: &layers::Message) -> Result<SendReport> {
        let layer = self.layer();
        let inbound = events::inbound(message);
        if !layer.is_in_process() || inbound.for_view {
            // Events for views go through the layer, to each view's queue.
            return self.forward(&layer, message);
        }
        let deliveries: Vec<Delivery> = inbound.frames.into_iter().map(frames::delivery).collect();
        self.fan_out(&layer, &|| message.clone(), &|sender| {
            let mut outcome = Outcome::Gone;
            for delivery in &deliveries {
                outcome = sender.deliver(delivery);
            }
            outcome
        })
    }

    /// The reply channels of the members.
    ///
    /// # Errors
    /// As [`send`](Self::send).
    pub fn channels(&self) -> Result<Vec<String>> {
        self.layer().group_channels(&self.name)
    }

    fn layer(&self) -> Arc<dyn ChannelLayer> {
        self.layer.clone().unwrap_or_else(current_layer)
    }

    /// Sends through a cross-process layer; a failure is logged at WARN.
    fn forward(
        &self,
        layer: &Arc<dyn ChannelLayer>,
        message: &layers::Message,
    ) -> Result<SendReport> {
        // Layers that carry Channels 4 events reach Django consumers too:
        // their own group send; ours go once per process (see relay.rs).
        let sent =
            match layer.event_type() {
                Some(_) => layer.send_group(&self.name, message).map(|()| SendReport {
                    forwarded: 1,
                    ..SendReport::default()
                }),
                None => crate::channels::relay::send_group(layer.as_ref(), &self.name, message)
                    .map(|r| SendReport {
                        forwarded: r.reached,
                        dropped: r.missed,
                        ..SendReport::default()
                    }),
            };
        sent.inspect_err(|e| log::warn!("group {:?}: send failed: {e}", self.name))
    }

    /// Hands the message to each local member with `deliver`, and through
    /// the layer (as `json()`) to the other members.
    fn fan_out(
        &self,
        layer: &Arc<dyn ChannelLayer>,
        json: &dyn Fn() -> layers::Message,
        deliver: &dyn Fn(&Sender) -> Outcome,
    ) -> Result<SendReport> {
        let members = self.members.resolve(layer, &self.name)?;
        let mut report = SendReport::default();
        let mut encoded = None;
        for (channel, sender) in members::warmed(&members) {
            let Some(sender) = sender else {
                let sent = layer.send(channel, encoded.get_or_insert_with(json));
                match sent {
                    Ok(()) => report.forwarded += 1,
                    Err(e) => {
                        log::warn!("group {:?}: {channel} missed a message: {e}", self.name);
                        report.dropped += 1;
                    }
                }
                continue;
            };
            // A member whose connection ended since it was resolved is gone.
            let Some(sender) = sender.upgrade() else {
                continue;
            };
            match deliver(&sender) {
                Outcome::Delivered => report.delivered += 1,
                Outcome::Dropped => report.dropped += 1,
                Outcome::SlowClosed => report.slow_closed += 1,
                Outcome::Gone => {}
            }
        }
        Ok(report)
    }
}

/// The layer of the server whose view is calling, else the process default.
pub(crate) fn current_layer() -> Arc<dyn ChannelLayer> {
    replies::current()
        .map(|server: Arc<Replies>| Arc::clone(server.layer()))
        .unwrap_or_else(layers::default_layer)
}
