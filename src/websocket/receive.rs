//! Receiving: the view's `wait`, `wait_timeout`, `read`, `count_messages`
//! and iteration, over the read side ([`Inbound`](super::reader::Inbound)).

use std::time::{Duration, Instant};

use super::ending::Received;
use super::message::Message;
use super::WebSocket;

impl WebSocket {
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

    /// An iterator over incoming messages that ends when the client closes.
    pub fn iter(&self) -> Messages<'_> {
        Messages { websocket: self }
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
