//! One worker thread: receive from the routed channels, run the consumer
//! of each message (catching its panic), answer what no route takes.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::context::Context;
use super::routing::Router;
use crate::layers::{ChannelLayer, Message};

/// How long one receive waits before a worker thread checks for a stop.
const RECEIVE_WAIT: Duration = Duration::from_millis(500);
/// How long a worker thread pauses after the layer failed.
const ERROR_PAUSE: Duration = Duration::from_secs(1);

/// What the threads of one worker share.
#[derive(Debug)]
pub(super) struct Shared {
    pub layer: Arc<dyn ChannelLayer>,
    pub router: Router,
    pub channels: Vec<String>,
    pub stopping: AtomicBool,
}

impl Shared {
    pub fn stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    /// One worker thread: receive, dispatch, repeat.
    pub fn work(&self) {
        let channels: Vec<&str> = self.channels.iter().map(String::as_str).collect();
        let mut last_error: Option<Instant> = None;
        while !self.stopping() {
            match self.layer.receive(&channels, RECEIVE_WAIT) {
                Ok(Some((channel, message))) => self.dispatch(&channel, &message),
                Ok(None) => {}
                Err(e) => {
                    if last_error.is_none_or(|at| at.elapsed() > Duration::from_secs(30)) {
                        log::error!(
                            "worker: channel layer receive failed: {e}; retrying every second"
                        );
                        last_error = Some(Instant::now());
                    }
                    self.pause();
                }
            }
        }
    }

    /// Sleeps [`ERROR_PAUSE`], in slices so a stop is noticed.
    fn pause(&self) {
        let until = Instant::now() + ERROR_PAUSE;
        while !self.stopping() && Instant::now() < until {
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// Runs the consumer routed to `message`, catching its panic.
    fn dispatch(&self, channel: &str, message: &Message) {
        let Some((route, kwargs)) = self.router.find(channel, message) else {
            self.unrouted(channel, message);
            return;
        };
        let context = Context::new(channel, message, kwargs, Arc::clone(&self.layer));
        let started = Instant::now();
        match catch_unwind(AssertUnwindSafe(|| (route.consumer)(message, &context))) {
            Ok(Ok(())) => {}
            Ok(Err(e)) => log::error!("consumer for {channel} failed: {e}"),
            Err(panic) => log::error!("consumer for {channel} panicked: {}", describe(&*panic)),
        }
        if let Err(e) = context.save_session() {
            log::error!("channel session of {channel} message not saved: {e}");
        }
        if channel == "websocket.disconnect" {
            if let Ok(reply) = context.reply_channel() {
                let _ = self.layer.session_delete(reply);
            }
        }
        log::debug!("{channel} handled in {:?}", started.elapsed());
    }

    /// No route for the message: a request gets a 404, a WebSocket is closed.
    fn unrouted(&self, channel: &str, message: &Message) {
        log::warn!(
            "no consumer for {channel} with path {:?}",
            message.get("path").and_then(Value::as_str).unwrap_or("")
        );
        let Some(reply) = message.get("reply_channel").and_then(Value::as_str) else {
            return;
        };
        let answer = match channel {
            "http.request" => {
                json!({"status": 404, "content_type": "text/plain", "content": "Not Found"})
            }
            "websocket.connect" => json!({"close": true}),
            _ => return,
        };
        if let Some(answer) = answer.as_object() {
            let answer = match channel {
                "http.request" => {
                    crate::channels::events::typed(self.layer.as_ref(), answer, "http.response")
                }
                _ => crate::channels::events::typed_reply(self.layer.as_ref(), answer),
            };
            let _ = self.layer.send(reply, &answer);
        }
    }
}

/// The message of a panic.
fn describe(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a non-string panic".to_owned())
}
