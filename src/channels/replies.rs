//! Reply channels: a WebSocket gets one on the channel layer when something
//! could address it (it joins a group, or a consumer needs its
//! `reply_channel`), and every HTTP request routed to consumers has one. One
//! listener thread per server receives what comes through the layer for all
//! of them (through the server's process inbox), keeps the server's group
//! memberships alive (see [`Memberships`]), and re-joins them after a layer
//! outage. What arrives for a WebSocket is written to its socket, never
//! waiting on a slow client; what arrives for an HTTP request
//! (`http.response` messages) is handed to the connection thread waiting
//! for it. Group messages on an in-process layer skip all this: the sender
//! writes to the local members directly (see `groups.rs`).

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::thread;
use std::time::{Duration, Instant};

use crate::channels::events;
use crate::channels::frames::delivery;
use crate::channels::memberships::Memberships;
use crate::error::Result;
use crate::layers::{self, ChannelLayer};
use crate::websocket::{Delivery, ReplyHub, Sender, ViewEvents};

/// How long one receive waits before the listener checks for shutdown.
const RECEIVE_WAIT: Duration = Duration::from_millis(500);

/// Where the messages of one reply channel go.
#[derive(Debug, Clone)]
enum Route {
    /// Written to a WebSocket (see [`events::inbound`]); other events go to
    /// its view.
    WebSocket(Sender, Arc<ViewEvents>),
    /// Handed to the connection thread of an HTTP request (`http.response`
    /// messages).
    #[cfg_attr(not(feature = "consumers"), allow(dead_code))]
    Http(crossbeam_channel::Sender<layers::Message>),
}

/// The reply channels of one server's connections.
#[derive(Debug)]
pub(crate) struct Replies {
    layer: Arc<dyn ChannelLayer>,
    inbox: String,
    routes: Mutex<HashMap<String, Route>>,
    memberships: Memberships,
    stopping: AtomicBool,
}

/// Every server's replies in this process, to find the local members of a
/// group on an in-process layer.
static SERVERS: Mutex<Vec<Weak<Replies>>> = Mutex::new(Vec::new());

thread_local! {
    /// The server whose connection this thread serves, if any.
    static CURRENT: RefCell<Option<Arc<Replies>>> = const { RefCell::new(None) };
}

/// The server whose connection the calling thread serves (a view runs on
/// it), if any.
pub(crate) fn current() -> Option<Arc<Replies>> {
    CURRENT.with(|current| current.borrow().clone())
}

/// Marks the calling thread as serving a connection of `replies`' server
/// until the guard is dropped.
pub(crate) fn enter(replies: &Arc<Replies>) -> Entered {
    let previous = CURRENT.with(|current| current.replace(Some(Arc::clone(replies))));
    Entered { previous }
}

/// See [`enter`].
#[derive(Debug)]
pub(crate) struct Entered {
    previous: Option<Arc<Replies>>,
}

impl Drop for Entered {
    fn drop(&mut self) {
        let previous = self.previous.take();
        CURRENT.with(|current| *current.borrow_mut() = previous);
    }
}

/// The servers of this process whose layer is `layer`.
pub(crate) fn servers_on(layer: &Arc<dyn ChannelLayer>) -> Vec<Arc<Replies>> {
    let mut servers = SERVERS.lock().unwrap_or_else(|p| p.into_inner());
    servers.retain(|weak| weak.strong_count() > 0);
    servers
        .iter()
        .filter_map(Weak::upgrade)
        .filter(|replies| std::ptr::addr_eq(Arc::as_ptr(&replies.layer), Arc::as_ptr(layer)))
        .collect()
}

impl Replies {
    /// Starts the listener thread for `layer`.
    pub fn start(layer: Arc<dyn ChannelLayer>) -> Result<Arc<Self>> {
        let replies = Arc::new(Replies {
            inbox: layer.new_inbox()?,
            layer,
            routes: Mutex::new(HashMap::new()),
            memberships: Memberships::default(),
            stopping: AtomicBool::new(false),
        });
        let listener = Arc::clone(&replies);
        thread::Builder::new()
            .name("wsviews-replies".into())
            .stack_size(256 * 1024)
            .spawn(move || listener.listen())?;
        SERVERS
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(Arc::downgrade(&replies));
        Ok(replies)
    }

    /// The layer the channels live on.
    pub fn layer(&self) -> &Arc<dyn ChannelLayer> {
        &self.layer
    }

    /// Gives a WebSocket its reply channel.
    pub fn open(&self, sender: Sender, events: Arc<ViewEvents>) -> Result<String> {
        let channel = self.layer.new_channel(&self.inbox)?;
        self.routes()
            .insert(channel.clone(), Route::WebSocket(sender, events));
        Ok(channel)
    }

    /// Gives an HTTP request its reply channel: the messages sent there come
    /// out of the returned receiver, in order.
    #[cfg_attr(not(feature = "consumers"), allow(dead_code))]
    pub fn open_http(&self) -> Result<(String, crossbeam_channel::Receiver<layers::Message>)> {
        let channel = self.layer.new_channel(&self.inbox)?;
        let (tx, rx) = crossbeam_channel::unbounded();
        self.routes().insert(channel.clone(), Route::Http(tx));
        Ok((channel, rx))
    }

    /// Forgets a closed connection's reply channel, and takes it out of
    /// every group it joined.
    pub fn close(&self, channel: &str) {
        self.routes().remove(channel);
        for group in self.memberships.forget(channel) {
            if let Err(e) = self.layer.group_discard(&group, channel) {
                log::warn!("could not leave group {group:?}: {e}");
            }
        }
    }

    /// `channel` joined `group`: keep it there while the connection lives.
    pub fn joined(&self, channel: &str, group: &str) {
        self.memberships.joined(channel, group);
    }

    /// `channel` left `group`.
    pub fn left(&self, channel: &str, group: &str) {
        self.memberships.left(channel, group);
    }

    /// The WebSockets of `channels` that are this server's, in order.
    pub fn senders(&self, channels: &[String], found: &mut [Option<Sender>]) {
        let routes = self.routes();
        for (channel, slot) in channels.iter().zip(found.iter_mut()) {
            if slot.is_none() {
                if let Some(Route::WebSocket(sender, _)) = routes.get(channel) {
                    *slot = Some(sender.clone());
                }
            }
        }
    }

    /// Stops the listener (within [`RECEIVE_WAIT`]).
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
    }

    fn routes(&self) -> MutexGuard<'_, HashMap<String, Route>> {
        self.routes.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn listen(&self) {
        let renew_every = (self.layer.group_expiry() / 3).max(Duration::from_millis(1));
        let wait = RECEIVE_WAIT.min(renew_every);
        let mut next_renewal = Instant::now() + renew_every;
        let mut outage: Option<Instant> = None;
        while !self.stopping.load(Ordering::SeqCst) {
            match self.layer.receive(&[&self.inbox], wait) {
                Ok(received) => {
                    if let Some(since) = outage.take() {
                        self.rejoin(since);
                    }
                    if let Some((channel, message)) = received {
                        self.route(&channel, &message);
                    }
                }
                Err(e) => {
                    if outage.is_none() {
                        log::error!(
                            "channel layer receive failed: {e}; group and reply messages cannot reach this server until it is back (retrying every second)"
                        );
                        outage = Some(Instant::now());
                    }
                    thread::sleep(Duration::from_secs(1));
                }
            }
            if Instant::now() >= next_renewal {
                next_renewal = Instant::now() + renew_every;
                if let (_, Some(e)) = self.memberships.renew(self.layer.as_ref()) {
                    log::warn!("group memberships not renewed: {e}");
                }
            }
        }
    }

    /// A group message relayed to this process: to each listed WebSocket.
    fn relay(&self, recipients: &[String], message: &layers::Message) {
        let mut senders = vec![None; recipients.len()];
        self.senders(recipients, &mut senders);
        let deliveries: Vec<Delivery> = events::inbound(message)
            .frames
            .into_iter()
            .map(delivery)
            .collect();
        for sender in senders.iter().flatten() {
            for delivery in &deliveries {
                sender.deliver(delivery);
            }
        }
    }

    /// The layer is back after an outage: add every live membership again.
    fn rejoin(&self, since: Instant) {
        let (rejoined, error) = self.memberships.renew(self.layer.as_ref());
        let down = since.elapsed().as_secs_f64();
        match error {
            None => log::info!(
                "channel layer is back after {down:.1}s: {rejoined} group membership(s) re-joined"
            ),
            Some(e) => log::warn!(
                "channel layer is back after {down:.1}s, but re-joining groups failed ({rejoined} re-joined): {e}"
            ),
        }
    }

    fn route(&self, channel: &str, message: &layers::Message) {
        if let Some((recipients, inner)) = crate::channels::relay::recipients(message) {
            return self.relay(&recipients, &inner);
        }
        let Some(route) = self.routes().get(channel).cloned() else {
            log::debug!("message for closed reply channel {channel} dropped");
            return;
        };
        match route {
            Route::WebSocket(sender, events) => {
                let inbound = events::inbound(message);
                for frame in inbound.frames {
                    sender.deliver(&delivery(frame));
                }
                if inbound.for_view {
                    events.offer(message);
                }
            }
            Route::Http(waiting) => {
                if waiting.send(message.clone()).is_err() {
                    log::debug!("response for finished request {channel} dropped");
                }
            }
        }
    }
}

impl ReplyHub for Replies {
    fn layer(&self) -> &Arc<dyn ChannelLayer> {
        Replies::layer(self)
    }

    fn open(&self, sender: Sender, events: Arc<ViewEvents>) -> Result<String> {
        Replies::open(self, sender, events)
    }

    fn joined(&self, channel: &str, group: &str) {
        Replies::joined(self, channel, group);
    }

    fn left(&self, channel: &str, group: &str) {
        Replies::left(self, channel, group);
    }

    fn close(&self, channel: &str) {
        Replies::close(self, channel);
    }
}
