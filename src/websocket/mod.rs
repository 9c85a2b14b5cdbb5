//! The WebSocket object a view receives, with django-websocket's methods.

mod events;
mod frames;
mod message;
mod outbox;
pub(crate) mod reader;
mod validate;
mod writer;

use std::cell::RefCell;
use std::fmt;
use std::net::Shutdown;

use crate::socket::Socket;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub(crate) use events::ViewEvents;
pub use message::Message;
pub(crate) use outbox::Delivery;
pub use writer::Sender;

use crate::error::Result;
use crate::layers::ChannelLayer;
use frames::{FrameReader, Mode};
use reader::Inbound;
pub(crate) use reader::{Ended, ReadLimits};
use writer::Shared;

/// An open WebSocket, as django-websocket's `request.websocket`.
///
/// The view's own thread reads the socket: [`wait`](Self::wait) blocks for the
/// next message, [`read`](Self::read) never blocks, and iterating yields every
/// message until the client closes. Any thread may send through a
/// [`Sender`]. Pings are answered and close frames handled whenever the view
/// waits, reads or sends. When the view returns, the server closes the
/// WebSocket with 1000 (1011 if the view panicked).
///
/// ```no_run
/// use wsviews::{require_websocket, Request};
///
/// fn echo(request: &Request) -> wsviews::Result<()> {
///     let websocket = request.websocket().expect("require_websocket gives one");
///     for message in websocket {
///         websocket.send(message)?;
///     }
///     Ok(())
/// }
/// let view = require_websocket(echo);
/// ```
pub struct WebSocket {
    inbound: RefCell<Inbound>,
    shared: Arc<Shared>,
    protocol: Option<String>,
    last_poll: RefCell<Instant>,
    reply: Option<Reply>,
    events: Arc<ViewEvents>,
}

/// A WebSocket's reply channel on the channel layer, and the groups it
/// joined there.
#[derive(Debug)]
struct Reply {
    layer: Arc<dyn ChannelLayer>,
    channel: String,
    groups: RefCell<Vec<String>>,
}

/// How often a sending view also looks for pings and close frames.
const POLL_ON_SEND_EVERY: Duration = Duration::from_millis(50);

impl WebSocket {
    pub(crate) fn new(
        stream: Arc<Socket>,
        buffered: Vec<u8>,
        limits: ReadLimits,
        protocol: Option<String>,
    ) -> Self {
        let frames = FrameReader::new(Arc::clone(&stream), buffered);
        WebSocket {
            inbound: RefCell::new(Inbound::new(frames, limits)),
            shared: Arc::new(Shared::new(stream)),
            protocol,
            last_poll: RefCell::new(Instant::now()),
            reply: None,
            events: Arc::default(),
        }
    }

    /// Blocks until the client sends a message and returns it; `None` once
    /// the client has closed the connection (django-websocket's `wait()`).
    pub fn wait(&self) -> Option<Message> {
        self.inbound.borrow_mut().next(Mode::Blocking, &self.shared)
    }

    /// A message the client has already sent, or `None` at once if there is
    /// none (django-websocket's `read()`; never blocks).
    pub fn read(&self) -> Option<Message> {
        self.inbound
            .borrow_mut()
            .next(Mode::NonBlocking, &self.shared)
    }

    /// The number of messages received and queued (django-websocket's
    /// `count_messages()`). The queue holds at most the server's
    /// `read_queue_size` bytes; further messages wait in the kernel.
    pub fn count_messages(&self) -> usize {
        let mut inbound = self.inbound.borrow_mut();
        inbound.poll(&self.shared);
        inbound.queued()
    }

    /// Whether a message is waiting (django-websocket's `has_messages()`).
    pub fn has_messages(&self) -> bool {
        self.count_messages() > 0
    }

    /// Sends one message: `&str`/`String` as text, `Vec<u8>`/`&[u8]` as
    /// binary, or a [`Message`] (django-websocket's `send()`).
    ///
    /// # Errors
    /// [`Error::ConnectionClosed`](crate::Error::ConnectionClosed) once the
    /// WebSocket is closed; an I/O error if the write fails.
    pub fn send(&self, message: impl Into<Message>) -> Result<()> {
        self.poll_control();
        self.shared.send_message(&message.into())
    }

    /// Starts the closing handshake with 1000 (normal closure).
    ///
    /// # Errors
    /// An I/O error if the close frame cannot be written.
    pub fn close(&self) -> Result<()> {
        self.close_with(1000, "")
    }

    /// Starts the closing handshake with `code` and `reason`; later `wait()`s
    /// return `None`.
    ///
    /// # Errors
    /// An I/O error if the close frame cannot be written.
    pub fn close_with(&self, code: u16, reason: &str) -> Result<()> {
        self.shared.close(Some(code), reason).map(drop)
    }

    /// Whether the WebSocket is closed: either side sent a close frame or the
    /// connection dropped.
    pub fn is_closed(&self) -> bool {
        self.shared.is_closed() || self.inbound.borrow().ended().is_some()
    }

    /// A cloneable handle to send from other threads.
    pub fn sender(&self) -> Sender {
        Sender {
            shared: Arc::clone(&self.shared),
        }
    }

    /// The subprotocol agreed in the handshake, if any.
    pub fn protocol(&self) -> Option<&str> {
        self.protocol.as_deref()
    }

    /// The name of this WebSocket's reply channel on the channel layer
    /// (Channels' `message.reply_channel`): a message sent there in the
    /// "WebSocket Send/Close" format (`content`, `binary`, `close`), or a
    /// Channels 4 event with `text`, `bytes` or `close`, reaches this
    /// client, from any thread or, with Redis, any process. Other events go
    /// to the view ([`on_event`](Self::on_event)).
    pub fn reply_channel(&self) -> Option<&str> {
        self.reply.as_ref().map(|r| r.channel.as_str())
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

    pub(crate) fn set_reply(&mut self, layer: Arc<dyn ChannelLayer>, channel: String) {
        self.reply = Some(Reply {
            layer,
            channel,
            groups: RefCell::new(Vec::new()),
        });
    }

    pub(crate) fn reply(&self) -> Option<(&Arc<dyn ChannelLayer>, &str)> {
        self.reply.as_ref().map(|r| (&r.layer, r.channel.as_str()))
    }

    pub(crate) fn joined(&self, group: &str) {
        if let Some(reply) = &self.reply {
            let mut groups = reply.groups.borrow_mut();
            if !groups.iter().any(|g| g == group) {
                groups.push(group.to_owned());
            }
        }
    }

    pub(crate) fn left(&self, group: &str) {
        if let Some(reply) = &self.reply {
            reply.groups.borrow_mut().retain(|g| g != group);
        }
    }

    /// Leaves every group joined (the connection is closing).
    fn leave_groups(&self) {
        let Some(reply) = &self.reply else { return };
        for group in reply.groups.borrow_mut().drain(..) {
            if let Err(e) = reply.layer.group_discard(&group, &reply.channel) {
                log::warn!("could not leave group {group:?}: {e}");
            }
        }
    }

    /// An iterator over incoming messages that ends when the client closes.
    pub fn iter(&self) -> Messages<'_> {
        Messages { websocket: self }
    }

    /// Answers pings and notices closes while a view only sends.
    fn poll_control(&self) {
        let mut last = self.last_poll.borrow_mut();
        if last.elapsed() >= POLL_ON_SEND_EVERY {
            *last = Instant::now();
            self.inbound.borrow_mut().poll(&self.shared);
        }
    }

    /// Ends the session after the view returned: closes with `code` unless a
    /// close was already sent, waits up to `timeout` for the client's close,
    /// then closes the TCP connection.
    pub(crate) fn finish(&self, code: u16, timeout: Duration) -> SessionEnd {
        self.leave_groups();
        let _ = self.shared.close(Some(code), "");
        let mut inbound = self.inbound.borrow_mut();
        inbound.drain_until_closed(&self.shared, Instant::now() + timeout);
        let _ = self.shared.stream().shutdown(Shutdown::Both);
        SessionEnd {
            messages_in: inbound.messages_in,
            messages_out: self.shared.messages_out(),
            sent: self.shared.close_sent(),
            ended: inbound.ended(),
        }
    }
}

/// What a finished WebSocket session did, for the access log.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SessionEnd {
    pub messages_in: u64,
    pub messages_out: u64,
    pub sent: Option<u16>,
    pub ended: Option<Ended>,
}

impl SessionEnd {
    /// The close code that ended the session, as a client would report it.
    pub fn close_code(&self) -> u16 {
        match (self.ended, self.sent) {
            (Some(Ended::Failed(code)), _) => code,
            (_, Some(code)) => code,
            (Some(Ended::ClosedByClient(code)), None) => code.unwrap_or(1005),
            _ => 1006,
        }
    }
}

impl fmt::Debug for WebSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebSocket")
            .field("protocol", &self.protocol)
            .field("closed", &self.is_closed())
            .finish()
    }
}

/// Iterator over a WebSocket's incoming messages; see [`WebSocket::iter`].
#[derive(Debug)]
pub struct Messages<'a> {
    websocket: &'a WebSocket,
}

impl Iterator for Messages<'_> {
    type Item = Message;

    fn next(&mut self) -> Option<Message> {
        self.websocket.wait()
    }
}

impl<'a> IntoIterator for &'a WebSocket {
    type Item = Message;
    type IntoIter = Messages<'a>;

    fn into_iter(self) -> Messages<'a> {
        self.iter()
    }
}
