//! `Context`: the connection a handler answers, whatever carries it.

use std::sync::Arc;

use super::reply::{ReplyChannel, ReplyTarget};
use crate::error::Result;
use crate::layers::ChannelLayer;
use crate::{Group, WebSocket};

/// The connection a request came in on, as handlers see it: reply to it
/// (it is a [`ReplyTarget`]), add it to groups and remove it from them.
///
/// It is either a [`WebSocket`] served by a blocking view
/// ([`serve`](super::serve)) or a reply channel on a channel layer (a
/// consumer, [`consume`](super::consume)); handlers work the same over both.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    connection: Connection<'a>,
}

#[derive(Debug, Clone, Copy)]
enum Connection<'a> {
    WebSocket(&'a WebSocket),
    Channel(&'a ReplyChannel),
}

impl<'a> Context<'a> {
    /// The context of a WebSocket served in this thread.
    pub fn from_websocket(websocket: &'a WebSocket) -> Self {
        Context {
            connection: Connection::WebSocket(websocket),
        }
    }

    /// The context of a client reached through its reply channel.
    pub fn from_reply_channel(channel: &'a ReplyChannel) -> Self {
        Context {
            connection: Connection::Channel(channel),
        }
    }

    /// The WebSocket, when served by a blocking view.
    pub fn websocket(&self) -> Option<&'a WebSocket> {
        match self.connection {
            Connection::WebSocket(websocket) => Some(websocket),
            Connection::Channel(_) => None,
        }
    }

    /// The client's reply channel on the channel layer, if it has one.
    pub fn reply_channel(&self) -> Option<&'a str> {
        match self.connection {
            Connection::WebSocket(websocket) => websocket.reply_channel(),
            Connection::Channel(channel) => Some(channel.name()),
        }
    }

    /// Adds the connection to `group`, so that what is sent to the group
    /// (notifications, say) reaches it. A WebSocket leaves its groups when it
    /// closes.
    ///
    /// # Errors
    /// [`Error::InvalidName`](crate::Error::InvalidName) for a bad group
    /// name; [`Error::Layer`](crate::Error::Layer) if the layer fails.
    pub fn join(&self, group: &str) -> Result<()> {
        match self.connection {
            Connection::WebSocket(websocket) => Group::new(group).add(websocket),
            Connection::Channel(channel) => channel.layer().group_add(group, channel.name()),
        }
    }

    /// Removes the connection from `group`.
    ///
    /// # Errors
    /// As [`join`](Self::join).
    pub fn leave(&self, group: &str) -> Result<()> {
        match self.connection {
            Connection::WebSocket(websocket) => Group::new(group).discard(websocket),
            Connection::Channel(channel) => channel.layer().group_discard(group, channel.name()),
        }
    }

    /// The channel layer the connection's groups live on, if it has one.
    pub fn layer(&self) -> Option<&'a Arc<dyn ChannelLayer>> {
        match self.connection {
            Connection::WebSocket(websocket) => websocket.reply().map(|(layer, _)| layer),
            Connection::Channel(channel) => Some(channel.layer()),
        }
    }
}

impl ReplyTarget for Context<'_> {
    fn send_text(&self, text: String, close: bool) -> Result<()> {
        match self.connection {
            Connection::WebSocket(websocket) => websocket.send_text(text, close),
            Connection::Channel(channel) => channel.send_text(text, close),
        }
    }
}
