//! The WebSocket object a view receives, with django-websocket's methods.

mod delivery;
mod ending;
mod events;
mod keepalive;
mod message;
mod opening;
mod outbox;
mod proto;
pub(crate) mod reader;
mod sender;
mod writer;

use std::cell::{Cell, OnceCell, RefCell};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

pub use delivery::{DeliveryStats, SlowClient};
pub(crate) use delivery::{WritePolicy, DEFAULT_MAX_QUEUED_BYTES, DEFAULT_MAX_QUEUED_MESSAGES};
pub use ending::{CloseReason, Received};
pub(crate) use events::ViewEvents;
pub(crate) use keepalive::{Keepalive, Settings as KeepaliveSettings, Watch};
pub use message::Message;
pub(crate) use opening::{Open, Opened, OpeningState, Registration};
pub(crate) use outbox::{Delivery, Outcome};
pub(crate) use proto::{is_valid_close_code, CloseCode};
pub use sender::{Sender, Sent, TrySendError};

use crate::error::{Error, Result};
use crate::layers::ChannelLayer;
use crate::net::socket::Socket;
use keepalive::{Liveness, Watched};
use opening::Opening;
use reader::Inbound;
pub(crate) use reader::ReadLimits;
use writer::Shared;

/// A WebSocket, as django-websocket's `request.websocket`.
///
/// The view's own thread reads the socket: [`wait`](Self::wait) blocks for the
/// next message, [`wait_timeout`](Self::wait_timeout) for at most a while,
/// [`read`](Self::read) never blocks, and iterating yields every message
/// until the client closes; [`close_reason`](Self::close_reason) then says
/// why it ended. Any thread may send through a [`Sender`]. Pings are
/// answered and close frames handled whenever the view waits, reads or
/// sends; with the server's `ping_interval` set, keepalive pings go out and
/// a silent client is dropped however the view reads (even if it only
/// sends). When the view returns, the server closes the WebSocket with 1000
/// (1011 if the view panicked).
///
/// # The handshake completes when the view first uses the socket
///
/// The view runs before the client gets its `101 Switching Protocols`: the
/// handshake completes when the view first waits, reads, sends, iterates,
/// counts messages, asks for a [`Sender`] or its reply channel, or calls
/// [`accept`](Self::accept) (or
/// [`accept_with_protocol`](Self::accept_with_protocol)). Until then the
/// view may refuse it: a view that returns without having used the socket
/// has its response sent as a plain HTTP response (a `401`, a `403`, ...),
/// and a view that [`close`](Self::close)s the socket before accepting it
/// refuses it with `403 Forbidden`, as Django Channels does.
///
/// ```no_run
/// use wsviews::{require_websocket, HttpResponse, Request};
///
/// fn echo(request: &Request) -> wsviews::Result<HttpResponse> {
///     if request.cookies().get("session").is_none() {
///         return Ok(HttpResponse::text(401, "log in first")); // no 101 was sent
///     }
///     let websocket = request.websocket().expect("require_websocket gives one");
///     for message in websocket {
///         // the first wait accepted the handshake
///         websocket.send(message)?;
///     }
///     Ok(HttpResponse::new(""))
/// }
/// let view = require_websocket(echo);
/// ```
pub struct WebSocket {
    /// The read side: the view's thread reads it, and the keepalive timer
    /// when the view is not reading.
    inbound: Arc<Mutex<Inbound>>,
    shared: Arc<Shared>,
    live: Arc<Liveness>,
    opening: RefCell<Opening>,
    /// The subprotocols the client offered, in its order of preference.
    offered: Vec<String>,
    /// The subprotocol [`accept`](Self::accept) agrees on.
    default_protocol: Option<String>,
    /// The subprotocol agreed on, once accepted with one.
    protocol: OnceCell<String>,
    last_poll: Cell<Instant>,
    /// The keepalive's hold on this WebSocket, from accept to the end.
    watch: OnceCell<Watch>,
    /// The server's reply channels, which give this WebSocket one on first
    /// need (most sessions never need one).
    hub: Option<Arc<dyn ReplyHub>>,
    reply: OnceCell<Option<String>>,
    events: Arc<ViewEvents>,
}

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

/// How often a sending view also looks for pings and close frames.
const POLL_ON_SEND_EVERY: Duration = Duration::from_millis(50);

/// What the connection layer knows of a handshake when it hands the
/// WebSocket to the view.
pub(crate) struct Handshake {
    /// The bytes the client sent after its request head.
    pub buffered: Vec<u8>,
    /// The subprotocols the client offered.
    pub offered: Vec<String>,
    /// The subprotocol to agree on if the view does not choose one.
    pub default_protocol: Option<String>,
    /// Writes the `101` and registers the open WebSocket.
    pub opener: Box<dyn Open>,
    /// The server's write-side bounds and delivery counters.
    pub policy: Arc<WritePolicy>,
    /// The server's reply channels (`None`: the WebSocket gets none).
    pub hub: Option<Arc<dyn ReplyHub>>,
}

impl WebSocket {
    pub(crate) fn new(stream: Arc<Socket>, limits: ReadLimits, handshake: Handshake) -> Self {
        let live = Arc::new(Liveness::new());
        let inbound = Inbound::new(
            Arc::clone(&stream),
            handshake.buffered,
            limits,
            Arc::clone(&live),
        );
        WebSocket {
            inbound: Arc::new(Mutex::new(inbound)),
            shared: Shared::new(stream, handshake.policy),
            live,
            opening: RefCell::new(Opening::Pending(handshake.opener)),
            offered: handshake.offered,
            default_protocol: handshake.default_protocol,
            protocol: OnceCell::new(),
            last_poll: Cell::new(Instant::now()),
            watch: OnceCell::new(),
            hub: handshake.hub,
            reply: OnceCell::new(),
            events: Arc::default(),
        }
    }

    /// The read side, for the view's thread.
    fn lock_inbound(&self) -> MutexGuard<'_, Inbound> {
        self.inbound.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Completes the opening handshake now: the client gets its `101` with
    /// the subprotocol chosen by [`View::protocols`](crate::View::protocols),
    /// if any. Using the socket in any other way accepts it too; calling this
    /// once it is accepted does nothing.
    ///
    /// # Errors
    /// [`Error::ConnectionClosed`] if the client has gone, or the view closed
    /// the WebSocket before accepting it.
    pub fn accept(&self) -> Result<()> {
        self.open(None)
    }

    /// Completes the opening handshake agreeing on `protocol`, which must be
    /// one the client offered (see
    /// [`offered_protocols`](Self::offered_protocols)); as Channels'
    /// `accept(subprotocol=...)`.
    ///
    /// # Errors
    /// [`Error::Io`] with `InvalidInput` if the client did not offer
    /// `protocol`, or the WebSocket was already accepted with another one;
    /// otherwise as [`accept`](Self::accept).
    pub fn accept_with_protocol(&self, protocol: &str) -> Result<()> {
        opening::check_protocol(&self.offered, protocol)?;
        if self.opening_state() == OpeningState::Open && self.protocol() != Some(protocol) {
            let why = "the WebSocket was already accepted with another subprotocol";
            return Err(Error::Io(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                why,
            )));
        }
        self.open(Some(protocol))
    }

    /// Whether the handshake was accepted (the client got its `101`).
    pub fn is_accepted(&self) -> bool {
        self.opening_state() == OpeningState::Open
    }

    /// The subprotocols the client offered (`Sec-WebSocket-Protocol`), in its
    /// order of preference.
    pub fn offered_protocols(&self) -> &[String] {
        &self.offered
    }

    pub(crate) fn opening_state(&self) -> OpeningState {
        self.opening.borrow().state()
    }

    /// Accepts the handshake unless it is already; `Err` if it cannot be.
    fn open(&self, protocol: Option<&str>) -> Result<()> {
        let opener = {
            let mut opening = self.opening.borrow_mut();
            match &*opening {
                Opening::Open => return Ok(()),
                Opening::Refused | Opening::Failed => return Err(Error::ConnectionClosed),
                Opening::Pending(_) => {}
            }
            match std::mem::replace(&mut *opening, Opening::Failed) {
                Opening::Pending(opener) => opener,
                _ => return Err(Error::ConnectionClosed),
            }
        };
        let protocol = protocol.or(self.default_protocol.as_deref());
        let registration = Registration {
            sender: self.new_sender(),
            watched: Watched {
                inbound: Arc::clone(&self.inbound),
                shared: Arc::clone(&self.shared),
                live: Arc::clone(&self.live),
            },
        };
        match opener.open(protocol, registration) {
            Ok(opened) => {
                *self.opening.borrow_mut() = Opening::Open;
                if let Some(protocol) = protocol {
                    let _ = self.protocol.set(protocol.to_owned());
                }
                if let Some((_, channel)) = opened.reply {
                    self.set_reply(channel);
                }
                if let Some(watch) = opened.watch {
                    let _ = self.watch.set(watch);
                }
                Ok(())
            }
            Err(e) => {
                log::debug!("handshake reply not sent: {e}");
                self.shared.lock().broken = true;
                self.lock_inbound().set_dropped();
                Err(Error::ConnectionClosed)
            }
        }
    }

    /// Accepts the handshake if need be; whether the WebSocket is open.
    fn use_socket(&self) -> bool {
        self.open(None).is_ok()
    }

    /// Blocks until the client sends a message and returns it; `None` once
    /// the client has closed the connection (django-websocket's `wait()`).
    /// Accepts the handshake first if need be.
    pub fn wait(&self) -> Option<Message> {
        if !self.use_socket() {
            return None;
        }
        self.lock_inbound().next_until(None, &self.shared)
    }

    /// Blocks until the client sends a message, for at most `timeout`:
    /// [`Received::Message`], [`Received::TimedOut`] if nothing came in time
    /// (the WebSocket stays open), or [`Received::Closed`] once it is closed.
    /// The loop of a game or a ticker:
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use wsviews::{Received, Request};
    ///
    /// fn ticker(request: &Request) -> wsviews::Result<()> {
    ///     let websocket = request.websocket().expect("require_websocket gives one");
    ///     let mut ticks = 0;
    ///     loop {
    ///         match websocket.wait_timeout(Duration::from_millis(200)) {
    ///             Received::Message(message) => websocket.send(format!("echo: {message}"))?,
    ///             Received::TimedOut => {
    ///                 ticks += 1;
    ///                 websocket.send(format!("tick {ticks}"))?;
    ///             }
    ///             Received::Closed => return Ok(()),
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// Accepts the handshake first if need be.
    pub fn wait_timeout(&self, timeout: Duration) -> Received {
        if !self.use_socket() {
            return Received::Closed;
        }
        let deadline = Instant::now().checked_add(timeout);
        let mut inbound = self.lock_inbound();
        match inbound.next_until(deadline, &self.shared) {
            Some(message) => Received::Message(message),
            None if inbound.ended().is_some() || self.live.timed_out() => Received::Closed,
            None if self.shared.is_closed() => Received::Closed,
            None => Received::TimedOut,
        }
    }

    /// A message the client has already sent, or `None` at once if there is
    /// none (django-websocket's `read()`; never blocks). Accepts the
    /// handshake first if need be.
    pub fn read(&self) -> Option<Message> {
        if !self.use_socket() {
            return None;
        }
        self.lock_inbound().next_now(&self.shared)
    }

    /// The number of messages received and queued (django-websocket's
    /// `count_messages()`). The queue holds at most the server's
    /// `read_queue_size` bytes; further messages wait in the kernel.
    /// Accepts the handshake first if need be.
    pub fn count_messages(&self) -> usize {
        if !self.use_socket() {
            return 0;
        }
        let mut inbound = self.lock_inbound();
        inbound.poll(&self.shared);
        inbound.queued()
    }

    /// Whether a message is waiting (django-websocket's `has_messages()`).
    pub fn has_messages(&self) -> bool {
        self.count_messages() > 0
    }

    /// Sends one message: `&str`/`String` as text, `Vec<u8>`/`&[u8]` as
    /// binary, or a [`Message`] (django-websocket's `send()`). Accepts the
    /// handshake first if need be.
    ///
    /// Waits until the message is written, at most the server's
    /// `send_timeout` in all; a client that has not taken it by then is
    /// closed. [`try_send`](Self::try_send) never waits.
    ///
    /// # Errors
    /// [`Error::ConnectionClosed`](crate::Error::ConnectionClosed) once the
    /// WebSocket is closed or the client has gone; an I/O error if the write
    /// fails otherwise (it blocked longer than the server's `send_timeout`).
    pub fn send(&self, message: impl Into<Message>) -> Result<()> {
        if !self.use_socket() {
            return Err(Error::ConnectionClosed);
        }
        self.poll_control();
        self.shared.send_message(&message.into())
    }

    /// Sends one message without ever blocking (see [`Sender::try_send`]).
    /// Accepts the handshake first if need be.
    ///
    /// # Errors
    /// [`TrySendError::Full`] for a client over its bound,
    /// [`TrySendError::Closed`] once the WebSocket is closed.
    pub fn try_send(&self, message: impl Into<Message>) -> std::result::Result<Sent, TrySendError> {
        let message = message.into();
        if !self.use_socket() {
            return Err(TrySendError::Closed(message));
        }
        self.poll_control();
        self.shared.try_send_message(message)
    }

    /// Starts the closing handshake with 1000 (normal closure). Before the
    /// handshake is accepted, refuses it with `403 Forbidden` instead.
    ///
    /// # Errors
    /// An I/O error if the close frame cannot be written.
    pub fn close(&self) -> Result<()> {
        self.close_because(CloseCode::Normal)
    }

    /// Starts the closing handshake with `code` and `reason`; later `wait()`s
    /// return `None`. Before the handshake is accepted, refuses it with
    /// `403 Forbidden` instead, as Channels does.
    ///
    /// # Errors
    /// An I/O error if the close frame cannot be written.
    pub fn close_with(&self, code: u16, reason: &str) -> Result<()> {
        {
            let mut opening = self.opening.borrow_mut();
            if let Opening::Pending(_) = &*opening {
                *opening = Opening::Refused;
                return Ok(());
            }
        }
        self.shared.close(Some(code), reason).map(drop)
    }

    /// [`close_with`](Self::close_with) one of the server's closes.
    pub(crate) fn close_because(&self, close: CloseCode) -> Result<()> {
        self.close_with(close.code(), close.reason())
    }

    /// Whether the WebSocket is closed: either side sent a close frame, the
    /// connection dropped or went silent past the keepalive timeout (or the
    /// handshake was refused). True as soon as the reader has seen the end.
    pub fn is_closed(&self) -> bool {
        match self.opening_state() {
            OpeningState::Pending => false,
            OpeningState::Refused | OpeningState::Failed => true,
            OpeningState::Open => {
                self.shared.is_closed()
                    || self.live.timed_out()
                    || self.lock_inbound().ended().is_some()
            }
        }
    }

    /// A cloneable handle to send from other threads. Accepts the handshake
    /// first if need be (if that fails, the sender's sends fail).
    pub fn sender(&self) -> Sender {
        self.use_socket();
        self.new_sender()
    }

    fn new_sender(&self) -> Sender {
        Sender {
            shared: Arc::clone(&self.shared),
        }
    }

    /// The subprotocol agreed in the handshake, if any; before the handshake
    /// is accepted, the one [`accept`](Self::accept) would agree on.
    pub fn protocol(&self) -> Option<&str> {
        self.protocol
            .get()
            .map(String::as_str)
            .or(self.default_protocol.as_deref())
    }

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

    fn set_reply(&self, channel: String) {
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
    fn leave_groups(&self) {
        if let (Some(hub), Some(Some(channel))) = (&self.hub, self.reply.get()) {
            hub.close(channel);
        }
    }

    /// An iterator over incoming messages that ends when the client closes.
    pub fn iter(&self) -> Messages<'_> {
        Messages { websocket: self }
    }

    /// Answers pings and notices closes while a view only sends.
    fn poll_control(&self) {
        if self.last_poll.get().elapsed() >= POLL_ON_SEND_EVERY {
            self.last_poll.set(Instant::now());
            self.lock_inbound().poll(&self.shared);
        }
    }
}

impl fmt::Debug for WebSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebSocket")
            .field("opening", &self.opening_state())
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
