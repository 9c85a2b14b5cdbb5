//! Handles on a running server: stopping it from any thread, and the
//! graceful shutdown itself.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::registry::ShutdownReport;
use super::ServerState;
use crate::error::Result;
use crate::layers::ChannelLayer;
use crate::websocket::DeliveryStats;

/// Stops a server from any thread; see [`Server::shutdown_handle`](super::Server::shutdown_handle).
#[derive(Debug, Clone)]
pub struct ShutdownHandle {
    pub(super) state: Arc<ServerState>,
}

impl ShutdownHandle {
    /// Graceful shutdown: stop accepting, let in-flight HTTP responses
    /// finish, send every WebSocket a 1001 close without waiting on any
    /// client, cut off those that have not answered it within the server's
    /// `close_timeout`, and cut off what is still open after its
    /// `shutdown_timeout`. Returns within `shutdown_timeout` plus at most 1 s.
    pub fn shutdown(&self) -> ShutdownReport {
        shutdown(&self.state)
    }
}

fn shutdown(state: &ServerState) -> ShutdownReport {
    let config = &state.config;
    let deadline = Instant::now() + config.shutdown_timeout;
    if state.stopping.swap(true, Ordering::SeqCst) {
        return ShutdownReport::default();
    }
    wake_accept_loop(state.local_addr);
    state.replies.stop();
    let mut report = state.connections.close_all();
    // Clients have `close_timeout` to answer the 1001, as after any close.
    let answered_by = deadline.min(Instant::now() + config.close_timeout);
    if state.connections.wait_websockets_closed(answered_by) > 0 {
        report.cut_off = state.connections.cut_off_websockets();
    }
    if state.connections.wait_empty(deadline) > 0 {
        report.cut_off += state.connections.cut_off_all();
        state
            .connections
            .wait_empty(Instant::now() + Duration::from_secs(1));
    }
    if report.cut_off > 0 {
        log::warn!(
            "shutdown: cut off {} connection(s): WebSockets silent {:?} after their 1001, or anything still open after {:?}",
            report.cut_off,
            config.close_timeout,
            config.shutdown_timeout
        );
    }
    log::info!(
        "server on {} stopped: {} WebSocket(s) closed with 1001, {} idle connection(s) closed",
        state.local_addr,
        report.websockets_closed,
        report.idle_closed
    );
    report
}

/// Connects to our own listener so a blocked `accept` returns.
fn wake_accept_loop(addr: SocketAddr) {
    let target = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::new(Ipv4Addr::LOCALHOST.into(), addr.port())
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::new(Ipv6Addr::LOCALHOST.into(), addr.port())
        }
        _ => addr,
    };
    let _ = TcpStream::connect_timeout(&target, Duration::from_secs(1));
}

/// A server running on its own thread; see [`Server::spawn`](super::Server::spawn). Dropping it
/// shuts the server down.
#[derive(Debug)]
pub struct ServerHandle {
    pub(super) state: Arc<ServerState>,
    pub(super) thread: Option<JoinHandle<Result<()>>>,
}

impl ServerHandle {
    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.state.local_addr
    }

    /// Connections open now.
    pub fn connection_count(&self) -> usize {
        self.state.connections.len()
    }

    /// The channel layer of the server's groups and reply channels.
    pub fn channel_layer(&self) -> Arc<dyn ChannelLayer> {
        Arc::clone(self.state.replies.layer())
    }

    /// How many group and reply-channel messages were delivered, dropped
    /// for slow clients, and how many slow clients were closed.
    pub fn delivery_stats(&self) -> DeliveryStats {
        self.state.write_policy.stats()
    }

    /// A handle that can stop the server from another thread.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        ShutdownHandle {
            state: Arc::clone(&self.state),
        }
    }

    /// Graceful shutdown (see [`ShutdownHandle::shutdown`]), then waits for
    /// the accept thread.
    pub fn shutdown(mut self) -> ShutdownReport {
        self.stop()
    }

    fn stop(&mut self) -> ShutdownReport {
        let report = shutdown(&self.state);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        report
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        if self.thread.is_some() {
            self.stop();
        }
    }
}
