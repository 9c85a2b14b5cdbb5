//! The WebSocket's reply channel on the channel layer, made on first need,
//! and the groups it joins; channel-layer events offered to the view.

use std::fmt;
use std::sync::Arc;

use super::events::ViewEvents;
use super::sender::Sender;
use super::WebSocket;
use crate::error::Result;
use crate::layers::ChannelLayer;

/// Where a WebSocket gets its reply channel and reports its groups: the
/// server's reply channels on its layer.
pub(crate) trait ReplyHub: fmt::Debug + Send + Sync {
    /// The layer the channels live on.
    fn layer(&self) -> &Arc<dyn ChannelLayer>;
    /// A new reply channel whose frames go to `sender` and other events to
    /// the view's `events`.
    fn open(&self, sender: Sender, events: Arc<ViewEvents>) -> Result<String>;
    /// `channel` joined `group`.
    fn joined(&self, channel: &str, group: &str);
    /// `channel` left `group`.
    fn left(&self, channel: &str, group: &str);
    /// The WebSocket of `channel` closed: leave its groups, forget it.
    fn close(&self, channel: &str);
}

impl WebSocket {
    /// The name of this WebSocket's reply channel on the channel layer
    /// (Channels' `message.reply_channel`): a message sent there in the
    /// "WebSocket Send/Close" format (`content`, `binary`, `close`), or a
    /// Channels 4 event with `text`, `bytes` or `close`, reaches this
    /// client, from any thread or, with Redis, any process. Other events go
    /// to the view ([`on_event`](Self::on_event)). Accepts the handshake
    /// first if need be; the channel is made on first use (`None` if the
    /// layer cannot make one).
    pub fn reply_channel(&self) -> Option<&str> {
        self.reply().map(|(_, channel)| channel)
    }

    /// Calls `hook` for each event that arrives on this WebSocket's reply
    /// channel and is not a frame to send: a message with none of `text`,
    /// `bytes`, `content` or `close`, such as a Django consumer's
    /// `{"type": "chat.join", "user": "ann"}`. Events that arrived before are
    /// given to it first. The hook runs on the server's reply thread: it must
    /// not block (send from it through a [`Sender`]). Replaces any earlier
    /// hook.
    ///
    /// Without a hook, up to 64 events wait for [`next_event`](Self::next_event);
    /// further ones are dropped and logged at WARN.
    pub fn on_event(&self, hook: impl Fn(&crate::layers::Message) + Send + Sync + 'static) {
        self.events.set_hook(Arc::new(hook));
    }

    /// The oldest event that arrived on this WebSocket's reply channel and
    /// is not a frame to send (see [`on_event`](Self::on_event)), if any;
    /// never blocks.
    pub fn next_event(&self) -> Option<crate::layers::Message> {
        self.events.next()
    }

    pub(crate) fn view_events(&self) -> Arc<ViewEvents> {
        Arc::clone(&self.events)
    }

    pub(super) fn set_reply(&self, channel: String) {
        let _ = self.reply.set(Some(channel));
    }

    /// The reply channel and its layer, accepting the handshake if need
    /// be; the channel is made on first need.
    pub(crate) fn reply(&self) -> Option<(&Arc<dyn ChannelLayer>, &str)> {
        if !self.use_socket() {
            return None;
        }
        let hub = self.hub.as_ref()?;
        let channel =
            self.reply
                .get_or_init(|| match hub.open(self.new_sender(), self.view_events()) {
                    Ok(channel) => Some(channel),
                    Err(e) => {
                        log::warn!("no reply channel, so no groups: {e}");
                        None
                    }
                });
        Some((hub.layer(), channel.as_deref()?))
    }

    /// The reply channel, if the WebSocket has one by now.
    pub(crate) fn opened_reply(&self) -> Option<(&Arc<dyn ChannelLayer>, &str)> {
        let hub = self.hub.as_ref()?;
        Some((hub.layer(), self.reply.get()?.as_deref()?))
    }

    pub(crate) fn joined(&self, group: &str) {
        if let (Some(hub), Some(Some(channel))) = (&self.hub, self.reply.get()) {
            hub.joined(channel, group);
        }
    }

    pub(crate) fn left(&self, group: &str) {
        if let (Some(hub), Some(Some(channel))) = (&self.hub, self.reply.get()) {
            hub.left(channel, group);
        }
    }

    /// Leaves every group joined and gives up the reply channel (the
    /// connection is closing).
    pub(super) fn leave_groups(&self) {
        if let (Some(hub), Some(Some(channel))) = (&self.hub, self.reply.get()) {
            hub.close(channel);
        }
    }
}
