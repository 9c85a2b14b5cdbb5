//! Reply channels: every WebSocket, and every HTTP request routed to
//! consumers, has one on the channel layer, and one listener thread per
//! server receives for all of them (through the process inbox). What arrives
//! for a WebSocket is written to its socket, never waiting on a slow client;
//! what arrives for an HTTP request (`http.response` messages) is handed to
//! the connection thread waiting for it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use crate::error::Result;
use crate::events;
use crate::layers::{self, ChannelLayer};
use crate::websocket::{Delivery, Message, Sender, ViewEvents};

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
    Http(crossbeam_channel::Sender<layers::Message>),
}

/// The reply channels of one server's connections.
#[derive(Debug)]
pub(crate) struct Replies {
    layer: Arc<dyn ChannelLayer>,
    inbox: String,
    routes: Mutex<HashMap<String, Route>>,
    stopping: AtomicBool,
}

impl Replies {
    /// Starts the listener thread for `layer`.
    pub fn start(layer: Arc<dyn ChannelLayer>) -> Result<Arc<Self>> {
        let replies = Arc::new(Replies {
            inbox: layers::process_prefix("wsviews.reply.")?,
            layer,
            routes: Mutex::new(HashMap::new()),
            stopping: AtomicBool::new(false),
        });
        let listener = Arc::clone(&replies);
        thread::Builder::new()
            .name("wsviews-replies".into())
            .stack_size(256 * 1024)
            .spawn(move || listener.listen())?;
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
    pub fn open_http(&self) -> Result<(String, crossbeam_channel::Receiver<layers::Message>)> {
        let channel = self.layer.new_channel(&self.inbox)?;
        let (tx, rx) = crossbeam_channel::unbounded();
        self.routes().insert(channel.clone(), Route::Http(tx));
        Ok((channel, rx))
    }

    /// Forgets a closed connection's reply channel.
    pub fn close(&self, channel: &str) {
        self.routes().remove(channel);
    }

    /// Stops the listener (within [`RECEIVE_WAIT`]).
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
    }

    fn routes(&self) -> MutexGuard<'_, HashMap<String, Route>> {
        self.routes.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn listen(&self) {
        let mut last_error: Option<Instant> = None;
        while !self.stopping.load(Ordering::SeqCst) {
            match self.layer.receive(&[&self.inbox], RECEIVE_WAIT) {
                Ok(Some((channel, message))) => self.route(&channel, &message),
                Ok(None) => {}
                Err(e) => {
                    if last_error.is_none_or(|at| at.elapsed() > Duration::from_secs(30)) {
                        log::error!("channel layer receive failed: {e}; retrying every second");
                        last_error = Some(Instant::now());
                    }
                    thread::sleep(Duration::from_secs(1));
                }
            }
        }
    }

    fn route(&self, channel: &str, message: &layers::Message) {
        let Some(route) = self.routes().get(channel).cloned() else {
            log::debug!("message for closed reply channel {channel} dropped");
            return;
        };
        match route {
            Route::WebSocket(sender, events) => {
                let inbound = events::inbound(message);
                for frame in inbound.frames {
                    sender.deliver(delivery(frame));
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

/// The standard message that sends `message` to a WebSocket.
pub(crate) fn send_message(message: &Message) -> layers::Message {
    events::outbound(&frame(message), None)
}

/// `message` as a frame for [`events::outbound`].
pub(crate) fn frame(message: &Message) -> events::Frame {
    match message {
        Message::Text(text) => events::Frame::Text(text.clone()),
        Message::Binary(bytes) => events::Frame::Binary(bytes.clone()),
    }
}

fn delivery(frame: events::Frame) -> Delivery {
    match frame {
        events::Frame::Text(text) => Delivery::Message(Message::Text(text)),
        events::Frame::Binary(bytes) => Delivery::Message(Message::Binary(bytes)),
        events::Frame::Close(code) => Delivery::Close(code),
    }
}
