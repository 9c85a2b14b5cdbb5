//! The live connections of a server: counted for `max_connections`, and
//! reachable at shutdown to close WebSockets with 1001 and wake idle sockets.

use std::collections::HashMap;
use std::net::{IpAddr, Shutdown};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Instant;

use super::memory::Trimmer;
use crate::net::socket::Socket;
use crate::websocket::{CloseCode, Delivery, Sender};

/// What a connection is doing, as far as shutdown cares.
#[derive(Debug, Clone)]
enum State {
    /// Waiting for a request head: safe to close at once.
    Idle,
    /// Handling a request: let it finish.
    Busy,
    /// An open WebSocket: close it with 1001.
    WebSocket(Sender),
}

#[derive(Debug)]
struct Entry {
    stream: Arc<Socket>,
    state: State,
    /// The client address it counts against, if capped per address.
    client: Option<IpAddr>,
    /// Its socket was shut down by a cut-off.
    cut: bool,
}

#[derive(Debug, Default)]
struct Inner {
    next_id: u64,
    entries: HashMap<u64, Entry>,
    /// Open connections per client address (see [`client_key`]).
    per_client: HashMap<IpAddr, usize>,
    /// A shutdown waits for connections to leave: only then is a leaving
    /// connection worth a wake-up (a system call).
    awaited: bool,
}

/// The live connections.
#[derive(Debug, Default)]
pub(crate) struct Registry {
    inner: Mutex<Inner>,
    emptied: Condvar,
    trimmer: Trimmer,
}

/// What a graceful shutdown found and did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ShutdownReport {
    /// WebSockets sent a 1001 close.
    pub websockets_closed: usize,
    /// Idle keep-alive connections closed.
    pub idle_closed: usize,
    /// Connections still open at the deadline, cut off.
    pub cut_off: usize,
}

pub(crate) use super::caps::{client_key, Caps, Refused};

impl Registry {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds a connection from `client` (`None`: not capped per address)
    /// unless that would pass `caps`.
    pub fn register(
        self: &Arc<Self>,
        stream: Arc<Socket>,
        client: Option<IpAddr>,
        caps: Caps,
    ) -> Result<Ticket, Refused> {
        let mut inner = self.lock();
        if inner.entries.len() >= caps.total {
            return Err(Refused::Full);
        }
        let client = client.map(client_key);
        if let Some(key) = client {
            let count = inner.per_client.entry(key).or_insert(0);
            if *count >= caps.per_client {
                return Err(Refused::ClientFull);
            }
            *count += 1;
        }
        inner.next_id += 1;
        let id = inner.next_id;
        let state = State::Busy;
        inner.entries.insert(
            id,
            Entry {
                stream,
                state,
                client,
                cut: false,
            },
        );
        self.trimmer.opened(inner.entries.len());
        Ok(Ticket {
            registry: Arc::clone(self),
            id,
        })
    }

    /// Connections open now.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// The accept loop has been idle for a while: gives back the memory its
    /// own thread's arena kept of a burst (the connections' threads give back
    /// theirs when they leave).
    pub fn on_idle(&self) {
        if self.trimmer.trimmed_since_idle() {
            super::memory::trim_own_arena();
        }
        self.trimmer.trim_if_due();
    }

    /// Closes idle connections and sends every WebSocket a 1001 close,
    /// without waiting on any client: a socket that cannot take the frame
    /// now (a view's send blocked on it) gets it as soon as it can.
    pub fn close_all(&self) -> ShutdownReport {
        let inner = self.lock();
        let mut report = ShutdownReport::default();
        for entry in inner.entries.values() {
            match &entry.state {
                State::Idle => {
                    let _ = entry.stream.shutdown(Shutdown::Both);
                    report.idle_closed += 1;
                }
                State::WebSocket(sender) => {
                    sender.deliver(&Delivery::Close(CloseCode::GoingAway));
                    report.websockets_closed += 1;
                }
                State::Busy => {}
            }
        }
        report
    }

    /// Waits until no connection is open or `deadline` passes; returns how
    /// many are still open.
    pub fn wait_empty(&self, deadline: Instant) -> usize {
        self.wait(deadline, |_| true)
    }

    /// Waits until no WebSocket is open or `deadline` passes; returns how
    /// many are still open.
    pub fn wait_websockets_closed(&self, deadline: Instant) -> usize {
        self.wait(deadline, |entry| matches!(entry.state, State::WebSocket(_)))
    }

    fn wait(&self, deadline: Instant, counts: impl Fn(&Entry) -> bool) -> usize {
        let mut inner = self.lock();
        inner.awaited = true;
        loop {
            let open = inner.entries.values().filter(|e| counts(e)).count();
            let left = deadline.saturating_duration_since(Instant::now());
            if open == 0 || left.is_zero() {
                return open;
            }
            inner = self
                .emptied
                .wait_timeout(inner, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    /// Closes every socket still open, whatever it is doing.
    pub fn cut_off_all(&self) -> usize {
        self.cut_off(|_| true)
    }

    /// Closes the sockets of the WebSockets still open (clients that did not
    /// answer the close in time, or never read it).
    pub fn cut_off_websockets(&self) -> usize {
        self.cut_off(|entry| matches!(entry.state, State::WebSocket(_)))
    }

    /// Shuts down the sockets `which` selects; returns how many it cut that
    /// no earlier cut-off had (a cut connection may take a moment to leave).
    fn cut_off(&self, which: impl Fn(&Entry) -> bool) -> usize {
        let mut inner = self.lock();
        let mut count = 0;
        for entry in inner.entries.values_mut().filter(|e| which(e)) {
            let _ = entry.stream.shutdown(Shutdown::Both);
            count += usize::from(!entry.cut);
            entry.cut = true;
        }
        count
    }

    fn set(&self, id: u64, state: State) {
        if let Some(entry) = self.lock().entries.get_mut(&id) {
            entry.state = state;
        }
    }
}

/// One connection's place in the registry; leaving it (also by unwinding)
/// removes the connection.
#[derive(Debug)]
pub(crate) struct Ticket {
    registry: Arc<Registry>,
    id: u64,
}

impl Ticket {
    /// The connection waits for its next request.
    pub fn set_idle(&self) {
        self.registry.set(self.id, State::Idle);
    }

    /// The connection is handling a request.
    pub fn set_busy(&self) {
        self.registry.set(self.id, State::Busy);
    }

    /// A handle that marks this connection an open WebSocket later, from
    /// inside its view (where the handshake completes).
    pub fn marker(&self) -> Marker {
        Marker {
            registry: Arc::clone(&self.registry),
            id: self.id,
        }
    }
}

/// Marks a connection an open WebSocket; see [`Ticket::marker`].
#[derive(Debug)]
pub(crate) struct Marker {
    registry: Arc<Registry>,
    id: u64,
}

impl Marker {
    /// The connection is an open WebSocket.
    pub fn set_websocket(&self, sender: Sender) {
        self.registry.set(self.id, State::WebSocket(sender));
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut inner = self.registry.lock();
        let entry = inner.entries.remove(&self.id);
        if let Some(key) = entry.as_ref().and_then(|e| e.client) {
            if let Some(count) = inner.per_client.get_mut(&key) {
                *count -= 1;
                if *count == 0 {
                    inner.per_client.remove(&key);
                }
            }
        }
        if inner.awaited {
            self.registry.emptied.notify_all();
        }
        let fallen = self.registry.trimmer.fallen(inner.entries.len());
        if fallen {
            // What grew with the burst goes with it, then the allocator's
            // free memory goes back to the system.
            inner.entries.shrink_to_fit();
            inner.per_client.shrink_to_fit();
        }
        drop(inner);
        // The entry may hold the socket's last reference: it is closed
        // outside the lock, which the accept loop needs for the next
        // connection.
        drop(entry);
        if fallen {
            self.registry.trimmer.trim_if_due();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_are_counted_by_ipv4_address_or_ipv6_64() {
        let key = |s: &str| client_key(s.parse().unwrap()).to_string();
        assert_eq!(key("192.0.2.7"), "192.0.2.7");
        assert_eq!(key("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(key("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::");
        assert_eq!(key("2001:db8:1:2::1"), key("2001:db8:1:2:ffff::9"));
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
    }
}
