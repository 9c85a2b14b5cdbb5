//! The server: bind, the blocking accept loop, and shutdown; below it, one
//! connection's life (requests in a keep-alive loop, or a WebSocket
//! session), the registry of live connections, and the configuration.

mod accept;
mod caps;
pub(crate) mod config;
mod config_checks;
mod config_trust;
mod connection;
mod exchange;
mod handle;
mod memory;
pub(crate) mod refuse;
pub(crate) mod registry;
mod session;
mod threads;
#[cfg(feature = "tls")]
mod tls;

pub use handle::{ServerHandle, ShutdownHandle};

use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;

use crate::channels::replies::Replies;
use crate::error::{Error, Result};
use crate::server::config::ServerConfig;
use crate::server::refuse::RefusalLog;
use crate::server::registry::Registry;
use accept::{accept_loop, listen};

use crate::net::socket::Acceptor;
use crate::routing::urls::{UrlPattern, UrlResolver};
use crate::websocket::{Keepalive, WritePolicy};

/// What every connection thread shares.
#[derive(Debug)]
pub(crate) struct ServerState {
    pub config: ServerConfig,
    pub urls: UrlResolver,
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
    /// The threads connections are served on.
    threads: threads::ConnectionThreads,
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
    pub fn bind(addr: impl ToSocketAddrs, urlpatterns: Vec<UrlPattern>) -> Result<Server> {
        Server::bind_with_config(addr, urlpatterns, ServerConfig::default())
    }

    /// Binds to `addr` with `config`.
    ///
    /// # Errors
    /// [`Error::Io`] if the address cannot be bound; [`Error::Config`] if a
    /// setting or a URL route is invalid.
    pub fn bind_with_config(
        addr: impl ToSocketAddrs,
        urlpatterns: Vec<UrlPattern>,
        config: ServerConfig,
    ) -> Result<Server> {
        Server::bind_with_acceptor(addr, urlpatterns, config, Acceptor::default())
    }

    /// Binds to `addr`, wrapping each accepted connection with `acceptor`.
    pub(crate) fn bind_with_acceptor(
        addr: impl ToSocketAddrs,
        urlpatterns: Vec<UrlPattern>,
        config: ServerConfig,
        acceptor: Acceptor,
    ) -> Result<Server> {
        config.validate()?;
        let urls = UrlResolver::new(urlpatterns).map_err(Error::Config)?;
        let listener = listen(addr, &config)?;
        let local_addr = listener.local_addr()?;
        let replies = Replies::start(config.effective_channel_layer())?;
        let threads = threads::ConnectionThreads::new(config.thread_stack_size);
        let state = ServerState {
            threads,
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
