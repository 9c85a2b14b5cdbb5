//! Binding the listener, and the blocking accept loop that hands each
//! connection to its own thread (or serves it in place, single-threaded).

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use socket2::{Domain, Type};

use super::config::ServerConfig;
use super::connection;
use super::refuse::refuse_busy;
use super::registry::Caps;
use super::ServerState;
use crate::error::Result;

/// Pending connections the kernel queues before `accept`.
const LISTEN_BACKLOG: i32 = 1024;

/// Binds and listens; the options set here are inherited by accepted
/// sockets where the OS copies them (see `INHERITS_LISTENER_OPTIONS`).
pub(super) fn listen(addr: impl ToSocketAddrs, config: &ServerConfig) -> Result<TcpListener> {
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

pub(super) fn accept_loop(listener: &TcpListener, state: &Arc<ServerState>) {
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
    let job = Box::new(move || connection::serve_connection(stream, peer, &thread_state, ticket));
    let started = if state.config.multithreaded {
        state.threads.run(job)
    } else {
        state.threads.run_and_wait(job)
    };
    if let Err(e) = started {
        log::error!("{peer}: cannot start a connection thread ({e}); connection dropped");
    }
}
