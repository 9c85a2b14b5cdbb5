//! The server: bind, the blocking accept loop, and shutdown; below it, one
//! connection's life (requests in a keep-alive loop, or a WebSocket
//! session), the registry of live connections, and the configuration.

pub(crate) mod config;
mod connection;
mod memory;
pub(crate) mod refuse;
pub(crate) mod registry;
mod session;
#[cfg(feature = "tls")]
mod tls;

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use socket2::{Domain, Type};

use crate::channels::replies::Replies;
use crate::error::{Error, Result};
use crate::layers::ChannelLayer;
use crate::server::config::ServerConfig;
use crate::server::refuse::{refuse_busy, RefusalLog};
use crate::server::registry::{Caps, Registry, ShutdownReport};

use crate::net::socket::Acceptor;
use crate::routing::urls::{URLPattern, URLResolver};
use crate::websocket::{DeliveryStats, Keepalive, WritePolicy};

/// Pending connections the kernel queues before `accept`.
const LISTEN_BACKLOG: i32 = 1024;

/// What every connection thread shares.
#[derive(Debug)]
pub(crate) struct ServerState {
    pub config: ServerConfig,
    pub urls: URLResolver,
    pub local_addr: SocketAddr,
    pub connections: Arc<Registry>,
    pub replies: Arc<Replies>,
    /// The write-side bounds of WebSockets, and the delivery counters.
    pub write_policy: Arc<WritePolicy>,
    /// Keepalive pings for the open WebSockets, if `ping_interval` is set.
    pub keepalive: Option<Keepalive>,
    acceptor: Acceptor,
    stopping: AtomicBool,
    refusals: RefusalLog,
}

impl ServerState {
    /// Whether a shutdown has begun.
    pub fn stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }
}

/// A bound server, ready to [`serve`](Self::serve) on this thread or
/// [`spawn`](Self::spawn) on its own.
///
/// Embedding it in a tool takes three lines:
///
/// ```no_run
/// use wsviews::{path, require_websocket, Request, Server};
///
/// fn echo(request: &Request) -> wsviews::Result<()> {
///     let websocket = request.websocket().expect("require_websocket gives one");
///     for message in websocket {
///         websocket.send(message)?;
///     }
///     Ok(())
/// }
///
/// # fn main() -> wsviews::Result<()> {
/// let server = Server::bind("127.0.0.1:0", vec![path("echo", require_websocket(echo))])?.spawn()?;
/// println!("ws://{}/echo", server.local_addr());
/// server.shutdown();
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    state: Arc<ServerState>,
}

impl Server {
    /// Binds to `addr` (port 0 picks a free port) with the default
    /// [`ServerConfig`].
    ///
    /// # Errors
    /// [`Error::Io`] if the address cannot be bound; [`Error::Config`] if a
    /// URL route is malformed.
    pub fn bind(addr: impl ToSocketAddrs, urlpatterns: Vec<URLPattern>) -> Result<Server> {
        Server::bind_with_config(addr, urlpatterns, ServerConfig::default())
    }

    /// Binds to `addr` with `config`.
    ///
    /// # Errors
    /// [`Error::Io`] if the address cannot be bound; [`Error::Config`] if a
    /// setting or a URL route is invalid.
    pub fn bind_with_config(
        addr: impl ToSocketAddrs,
        urlpatterns: Vec<URLPattern>,
        config: ServerConfig,
    ) -> Result<Server> {
        Server::bind_with_acceptor(addr, urlpatterns, config, Acceptor::default())
    }

    /// Binds to `addr`, wrapping each accepted connection with `acceptor`.
    pub(crate) fn bind_with_acceptor(
        addr: impl ToSocketAddrs,
        urlpatterns: Vec<URLPattern>,
        config: ServerConfig,
        acceptor: Acceptor,
    ) -> Result<Server> {
        config.validate()?;
        let urls = URLResolver::new(urlpatterns).map_err(Error::Config)?;
        let listener = listen(addr, &config)?;
        let local_addr = listener.local_addr()?;
        let replies = Replies::start(config.get_channel_layer())?;
        let state = ServerState {
            write_policy: Arc::new(config.write_policy()),
            keepalive: config.keepalive_settings().map(Keepalive::new),
            config,
            urls,
            local_addr,
            connections: Arc::new(Registry::default()),
            replies,
            acceptor,
            stopping: AtomicBool::new(false),
            refusals: RefusalLog::default(),
        };
        Ok(Server {
            listener,
            state: Arc::new(state),
        })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.state.local_addr
    }

    /// A handle that can stop this server from another thread (a signal
    /// handler, say) while [`serve`](Self::serve) blocks.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        ShutdownHandle {
            state: Arc::clone(&self.state),
        }
    }

    /// Accepts and serves connections on this thread until shut down.
    ///
    /// # Errors
    /// None today: accept errors (a reset connection, running out of file
    /// descriptors) are logged and the loop backs off and goes on. The
    /// `Result` leaves room for a listener that fails for good.
    pub fn serve(self) -> Result<()> {
        accept_loop(&self.listener, &self.state);
        Ok(())
    }

    /// Serves on a new thread and returns a handle to it.
    ///
    /// # Errors
    /// [`Error::Io`] if the thread cannot be started.
    pub fn spawn(self) -> Result<ServerHandle> {
        let state = Arc::clone(&self.state);
        let thread = thread::Builder::new()
            .name("wsviews-accept".into())
            .spawn(move || self.serve())?;
        Ok(ServerHandle {
            state,
            thread: Some(thread),
        })
    }
}

/// Binds and listens; the options set here are inherited by accepted
/// sockets where the OS copies them (see `INHERITS_LISTENER_OPTIONS`).
fn listen(addr: impl ToSocketAddrs, config: &ServerConfig) -> Result<TcpListener> {
    let mut last = None;
    for addr in addr.to_socket_addrs()? {
        let socket = socket2::Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
        socket.set_reuse_address(true)?;
        socket.set_tcp_nodelay(true)?;
        socket.set_write_timeout(Some(config.send_timeout))?;
        socket.set_read_timeout(Some(config.head_timeout))?;
        if let Some(idle) = config.tcp_keepalive {
            socket.set_tcp_keepalive(&crate::net::socket::keepalive(idle))?;
        }
        match socket
            .bind(&addr.into())
            .and_then(|()| socket.listen(LISTEN_BACKLOG))
        {
            Ok(()) => return Ok(socket.into()),
            Err(e) => last = Some(e),
        }
    }
    Err(last
        .unwrap_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no address to bind"))
        .into())
}

fn accept_loop(listener: &TcpListener, state: &Arc<ServerState>) {
    let mut backoff = Duration::from_millis(5);
    while !state.stopping() {
        match listener.accept() {
            Ok((stream, peer)) => {
                backoff = Duration::from_millis(5);
                if state.stopping() {
                    break;
                }
                dispatch(stream, peer, state);
            }
            // The listener's receive timeout (set for accepted sockets to
            // inherit) also ends an idle `accept`: a normal wake-up.
            Err(e) if crate::net::socket::is_timeout(&e) => state.connections.on_idle(),
            Err(e) if is_transient(&e) => log::debug!("accept: {e}"),
            Err(e) => {
                log::error!("accept failed: {e}; retrying in {backoff:?}");
                thread::sleep(backoff);
                backoff = (backoff * 2).min(Duration::from_secs(1));
            }
        }
    }
    log::debug!("accept loop on {} stopped", state.local_addr);
}

/// Errors of one pending connection, not of the listener.
fn is_transient(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::Interrupted
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

fn dispatch(stream: TcpStream, peer: SocketAddr, state: &Arc<ServerState>) {
    let stream = match state.acceptor.wrap(stream) {
        Ok(stream) => Arc::new(stream),
        Err(e) => {
            return log::error!("{peer}: cannot start a TLS session ({e}); connection dropped")
        }
    };
    let config = &state.config;
    let caps = Caps {
        total: config.max_connections,
        per_client: config.max_connections_per_ip,
    };
    // A trusted proxy carries many clients: only the total applies to it.
    let client = (!config.trusted_proxies.contains(&peer.ip().to_canonical())).then(|| peer.ip());
    let ticket = match state
        .connections
        .register(Arc::clone(&stream), client, caps)
    {
        Ok(ticket) => ticket,
        Err(why) => {
            state.refusals.refused(peer, why, caps);
            return refuse_busy(&stream);
        }
    };
    let thread_state = Arc::clone(state);
    let spawned = thread::Builder::new()
        .name(format!("wsviews-conn-{peer}"))
        .stack_size(state.config.thread_stack_size)
        .spawn(move || connection::serve_connection(stream, peer, &thread_state, ticket));
    match spawned {
        Ok(handle) if !state.config.multithreaded => {
            let _ = handle.join();
        }
        Ok(_) => {}
        Err(e) => log::error!("{peer}: cannot start a connection thread ({e}); connection dropped"),
    }
}

/// Stops a server from any thread; see [`Server::shutdown_handle`].
#[derive(Debug, Clone)]
pub struct ShutdownHandle {
    state: Arc<ServerState>,
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

/// A server running on its own thread; see [`Server::spawn`]. Dropping it
/// shuts the server down.
#[derive(Debug)]
pub struct ServerHandle {
    state: Arc<ServerState>,
    thread: Option<JoinHandle<Result<()>>>,
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
