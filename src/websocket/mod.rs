//! The WebSocket object a view receives, with django-websocket's methods.

mod deflate;
mod delivery;
mod ending;
mod events;
mod keepalive;
mod liveness;
mod message;
mod opening;
mod outbox;
mod proto;
pub(crate) mod reader;
mod receive;
mod reply;
mod sender;
mod writer;

use std::cell::{Cell, OnceCell, RefCell};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

pub use delivery::{DeliveryStats, SlowClient};
pub(crate) use delivery::{WritePolicy, DEFAULT_MAX_QUEUED_BYTES, DEFAULT_MAX_QUEUED_MESSAGES};
pub use ending::{CloseReason, Received};
pub(crate) use events::ViewEvents;
pub(crate) use keepalive::{Keepalive, Watch};
pub(crate) use liveness::Settings as KeepaliveSettings;
pub use message::Message;
pub(crate) use opening::{Open, Opened, OpeningState, Registration};
pub(crate) use outbox::{Delivery, Outcome};
pub(crate) use proto::{is_valid_close_code, CloseCode};
pub use receive::Messages;
pub(crate) use reply::ReplyHub;
pub(crate) use sender::WeakSender;
pub use sender::{Sender, Sent, TrySendError};

use crate::net::socket::Socket;
pub use deflate::PerMessageDeflate;
pub(crate) use deflate::{negotiate, parse_offers, Agreement};
#[cfg(feature = "deflate")]
use deflate::{Deflater, Inflater};
use liveness::Liveness;
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
    /// The permessage-deflate agreement, if one was made.
    pub deflate: Option<Agreement>,
}

/// A connection's permessage-deflate codecs: its inflater and deflater.
type Codecs = (
    Option<Box<dyn proto::Inflate>>,
    Option<Box<dyn proto::Deflate>>,
);

/// The permessage-deflate codecs of an agreement (none without the
/// `deflate` feature, where the server refuses to be configured for it).
#[cfg(feature = "deflate")]
fn codecs(agreed: Option<&Agreement>) -> Codecs {
    let inflate = agreed.map(|a| Box::new(Inflater::new(a)) as Box<dyn proto::Inflate>);
    let deflate = agreed.map(|a| Box::new(Deflater::new(a)) as Box<dyn proto::Deflate>);
    (inflate, deflate)
}

#[cfg(not(feature = "deflate"))]
fn codecs(_agreed: Option<&Agreement>) -> Codecs {
    (None, None)
}

impl WebSocket {
    pub(crate) fn new(stream: Arc<Socket>, limits: ReadLimits, handshake: Handshake) -> Self {
        let live = Arc::new(Liveness::new());
        let (inflate, deflate) = codecs(handshake.deflate.as_ref());
        let inbound = Inbound::new(
            Arc::clone(&stream),
            handshake.buffered,
            limits,
            Arc::clone(&live),
            inflate,
        );
        WebSocket {
            inbound: Arc::new(Mutex::new(inbound)),
            shared: Shared::new(stream, handshake.policy, deflate),
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
