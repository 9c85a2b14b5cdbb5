//! The byte stream under one connection. Reads happen on the connection's
//! thread while writes may come from any thread, so both work through `&Socket`.
//! With the `tls` feature a socket may carry a TLS session (see `tls.rs`).

use std::io::{self, IoSlice, Read, Write};
use std::mem::MaybeUninit;
use std::net::{Shutdown, TcpStream};
use std::time::Duration;

use socket2::SockRef;

pub(crate) use crate::net::wire::Queued;
use crate::net::wire::Wire;

#[cfg(feature = "tls")]
use crate::net::tls::{TlsConfig, TlsSession};

/// How the server wraps the connections it accepts: plain TCP, or TLS.
#[derive(Debug, Clone, Default)]
pub(crate) struct Acceptor {
    #[cfg(feature = "tls")]
    tls: Option<TlsConfig>,
}

impl Acceptor {
    /// Serves TLS with `config`.
    #[cfg(feature = "tls")]
    pub fn tls(config: TlsConfig) -> Self {
        Acceptor { tls: Some(config) }
    }

    /// Wraps an accepted connection.
    pub fn wrap(&self, tcp: TcpStream) -> io::Result<Socket> {
        if !INHERITS_LISTENER_OPTIONS {
            let _ = tcp.set_nodelay(true);
        }
        Ok(Socket {
            #[cfg(feature = "tls")]
            tls: self.tls.as_ref().map(TlsConfig::session).transpose()?,
            wire: Wire::new(tcp),
        })
    }
}

/// Whether an accepted socket starts with the listener's `TCP_NODELAY`,
/// `SO_SNDTIMEO`, `SO_RCVTIMEO` and TCP keepalive (Linux copies them), so
/// setting them once on the listener saves system calls per connection.
pub(crate) const INHERITS_LISTENER_OPTIONS: bool = cfg!(target_os = "linux");

/// A client connection.
#[derive(Debug)]
pub(crate) struct Socket {
    wire: Wire,
    #[cfg(feature = "tls")]
    tls: Option<TlsSession>,
}

impl Socket {
    /// Whether the connection is encrypted.
    #[cfg(feature = "tls")]
    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// Whether the connection is encrypted: never, without the `tls` feature.
    #[cfg(not(feature = "tls"))]
    pub fn is_tls(&self) -> bool {
        false
    }

    /// Completes the TLS handshake within `timeout` (nothing to do on plain
    /// TCP); run on the connection's own thread before reading a request.
    pub fn handshake(&self, timeout: Duration) -> io::Result<()> {
        #[cfg(feature = "tls")]
        if let Some(tls) = &self.tls {
            return tls.handshake(&self.wire, timeout);
        }
        let _ = timeout;
        Ok(())
    }

    /// Sets the timeout of each following read; `None` waits for ever.
    pub fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.wire.tcp().set_read_timeout(timeout)
    }

    /// Sets the timeout of each following write.
    pub fn set_write_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.wire.tcp().set_write_timeout(timeout)
    }

    /// Turns TCP keepalive on, probing after `idle` without traffic.
    pub fn set_keepalive(&self, idle: Duration) -> io::Result<()> {
        SockRef::from(self.wire.tcp()).set_tcp_keepalive(&keepalive(idle))
    }

    /// Shuts down reading, writing or both; wakes a thread blocked in a read.
    /// Never waits for a writer (no TLS `close_notify` is sent).
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.wire.tcp().shutdown(how)
    }

    /// Whether a read would return at once (data, end of stream or an error).
    pub fn ready(&self) -> io::Result<bool> {
        #[cfg(feature = "tls")]
        if let Some(tls) = &self.tls {
            return tls.ready(&self.wire);
        }
        tcp_readable(self.wire.tcp())
    }
}

/// Whether an I/O error is a read timeout (Linux reports `WouldBlock`).
pub(crate) fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// TCP keepalive probing after `idle` without traffic, then every 10 s (or
/// `idle`, if shorter), 3 times: a vanished peer is dropped within
/// `idle` + 30 s.
pub(crate) fn keepalive(idle: Duration) -> socket2::TcpKeepalive {
    let keepalive = socket2::TcpKeepalive::new().with_time(idle);
    #[cfg(any(target_os = "linux", target_os = "macos", target_os = "freebsd"))]
    let keepalive = keepalive
        .with_interval(idle.min(Duration::from_secs(10)))
        .with_retries(3);
    keepalive
}

/// Logs a failed TLS handshake: a protocol error (plain HTTP sent to the
/// HTTPS port, a client refusing the certificate) at `info`, where a
/// developer sees it; a timeout or a vanished client at `debug`.
pub(crate) fn log_handshake_failure(peer: std::net::SocketAddr, error: &io::Error) {
    if error.kind() == io::ErrorKind::InvalidData {
        log::info!("{peer}: TLS handshake failed: {error} (plain HTTP to the HTTPS port?)");
    } else {
        log::debug!("{peer}: TLS handshake failed: {error}");
    }
}

/// Whether a read of `tcp` would return at once, asked with
/// `MSG_PEEK | MSG_DONTWAIT` so the socket's blocking mode, which its writers
/// share, never changes.
pub(crate) fn tcp_readable(tcp: &TcpStream) -> io::Result<bool> {
    let mut byte = [MaybeUninit::<u8>::uninit(); 1];
    loop {
        match SockRef::from(tcp).recv_with_flags(&mut byte, libc::MSG_PEEK | libc::MSG_DONTWAIT) {
            Ok(_) => return Ok(true),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
}

impl Socket {
    /// Queues bytes of a WebSocket frame (encrypted first under TLS) and
    /// writes what the kernel takes at once; never blocks on the client.
    pub fn queue(&self, bufs: &[&[u8]]) -> io::Result<Queued> {
        #[cfg(feature = "tls")]
        if let Some(tls) = &self.tls {
            return tls.queue(&self.wire, bufs);
        }
        self.wire.append(bufs)
    }

    /// The queue of bytes waiting to go out.
    pub fn wire(&self) -> &Wire {
        &self.wire
    }
}

impl Read for &Socket {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        #[cfg(feature = "tls")]
        if let Some(tls) = &self.tls {
            return tls.read(&self.wire, buf);
        }
        self.wire.tcp().read(buf)
    }
}

impl Write for &Socket {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        #[cfg(feature = "tls")]
        if let Some(tls) = &self.tls {
            return tls.write(&self.wire, &[IoSlice::new(buf)]);
        }
        self.wire.tcp().write(buf)
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        #[cfg(feature = "tls")]
        if let Some(tls) = &self.tls {
            return tls.write(&self.wire, bufs);
        }
        self.wire.tcp().write_vectored(bufs)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
