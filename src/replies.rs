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

use serde_json::Value;

use crate::error::Result;
use crate::layers::{self, ChannelLayer};
use crate::websocket::{Delivery, Message, Sender};

/// How long one receive waits before the listener checks for shutdown.
const RECEIVE_WAIT: Duration = Duration::from_millis(500);

/// Where the messages of one reply channel go.
#[derive(Debug, Clone)]
enum Route {
    /// Written to a WebSocket ("WebSocket Send/Close" messages).
    WebSocket(Sender),
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
    pub fn open(&self, sender: Sender) -> Result<String> {
        let channel = self.layer.new_channel(&self.inbox)?;
        self.routes()
            .insert(channel.clone(), Route::WebSocket(sender));
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
            Route::WebSocket(sender) => {
                for delivery in deliveries(message) {
                    sender.deliver(delivery);
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

/// The "WebSocket Send/Close" message of the Channels standard: `content`
/// (text, or base64 when `binary` is true) first, then `close` if true
/// (`close` may also be a close code).
pub(crate) fn deliveries(message: &layers::Message) -> Vec<Delivery> {
    let mut out = Vec::with_capacity(1);
    let binary = message
        .get("binary")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    match message.get("content") {
        Some(Value::String(content)) if binary => {
            match data_encoding::BASE64.decode(content.as_bytes()) {
                Ok(bytes) => out.push(Delivery::Message(Message::Binary(bytes))),
                Err(_) => log::warn!("binary reply content is not base64; dropped"),
            }
        }
        Some(Value::String(content)) => out.push(Delivery::Message(Message::Text(content.clone()))),
        Some(other) => log::warn!("reply content must be a string, got {other}; dropped"),
        None => {}
    }
    match message.get("close") {
        Some(Value::Bool(true)) => out.push(Delivery::Close(1000)),
        Some(Value::Number(code)) => {
            let code = code
                .as_u64()
                .and_then(|c| u16::try_from(c).ok())
                .unwrap_or(1000);
            out.push(Delivery::Close(code));
        }
        _ => {}
    }
    out
}

/// The standard message that sends `message` to a WebSocket.
pub(crate) fn send_message(message: &Message) -> layers::Message {
    let mut out = layers::Message::new();
    match message {
        Message::Text(text) => {
            out.insert("content".into(), Value::String(text.clone()));
        }
        Message::Binary(bytes) => {
            out.insert(
                "content".into(),
                Value::String(data_encoding::BASE64.encode(bytes)),
            );
            out.insert("binary".into(), Value::Bool(true));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(value: Value) -> layers::Message {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn send_close_messages() {
        let text = Delivery::Message(Message::Text("hi".into()));
        assert_eq!(
            deliveries(&map(json!({"content": "hi"}))),
            std::slice::from_ref(&text)
        );
        assert_eq!(
            deliveries(&map(json!({"content": "hi", "close": true}))),
            [text, Delivery::Close(1000)]
        );
        assert_eq!(
            deliveries(&map(json!({"close": 4001}))),
            [Delivery::Close(4001)]
        );
        assert_eq!(
            deliveries(&map(json!({"content": "AAEC", "binary": true}))),
            [Delivery::Message(Message::Binary(vec![0, 1, 2]))]
        );
        assert!(deliveries(&map(json!({"content": 5, "close": false}))).is_empty());
        for message in [Message::Text("x".into()), Message::Binary(vec![9, 8])] {
            assert_eq!(
                deliveries(&send_message(&message)),
                [Delivery::Message(message)]
            );
        }
    }
}
