//! HTTPS and `wss://` (feature `tls`): the certificate and key, and the
//! rustls session one [`Socket`](crate::net::socket::Socket) reads and writes
//! through.
//!
//! The connection's thread reads while other threads write (a view's
//! `Sender`), so the session sits behind a mutex and no one holds it while
//! blocked on the network:
//!
//! - a **read** takes plaintext rustls already holds; failing that it does a
//!   blocking TCP read *without* the lock, then feeds the bytes to rustls under
//!   the lock, and loops until it has plaintext or end of stream;
//! - a **write** encrypts under the lock and queues the records on the
//!   connection's [`Wire`] (still under the lock), so records go out in the
//!   order they were made, whoever writes them and however slowly the client
//!   reads; WebSocket frames are queued without blocking
//!   ([`TlsSession::queue`]), HTTP responses wait until written;
//! - **ready** is true if rustls holds plaintext (or the stream ended), or if
//!   bytes waiting in the kernel complete a record that does;
//! - whatever rustls wants to send after being fed (alerts, key-update
//!   answers, session tickets) is queued the same way, written without
//!   blocking the reader.

use std::fmt;
use std::io::{self, IoSlice, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConnection;

use crate::error::{Error, Result};
use crate::net::socket::{tcp_readable, Queued};
use crate::net::wire::Wire;

/// Ciphertext read from TCP at a time.
const READ_CHUNK: usize = 8 * 1024;

/// The server's TLS settings: certificate chain, key, protocol versions.
#[derive(Clone)]
pub(crate) struct TlsConfig {
    config: Arc<rustls::ServerConfig>,
}

impl fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TlsConfig")
    }
}

impl TlsConfig {
    /// Loads a PEM certificate chain and private key (PKCS#8, PKCS#1 or SEC1).
    pub fn from_pem_files(cert: &Path, key: &Path) -> Result<Self> {
        let certs = CertificateDer::pem_file_iter(cert)
            .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
            .map_err(|e| pem_error(cert, e))?;
        let key = PrivateKeyDer::from_pem_file(key).map_err(|e| pem_error(key, e))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::Config(format!("TLS: {e}")))?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .map_err(|e| Error::Config(format!("TLS certificate and key: {e}")))?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(TlsConfig {
            config: Arc::new(config),
        })
    }

    /// A new server session for one connection.
    pub fn session(&self) -> io::Result<TlsSession> {
        let mut conn = ServerConnection::new(Arc::clone(&self.config)).map_err(io::Error::other)?;
        // The WebSocket writer bounds what waits for a client, in bytes.
        conn.set_buffer_limit(None);
        Ok(TlsSession {
            state: Mutex::new(State {
                conn,
                incoming: Vec::new(),
                eof: false,
            }),
        })
    }
}

fn pem_error(path: &Path, error: pem::Error) -> Error {
    match error {
        pem::Error::Io(e) => {
            Error::Io(io::Error::new(e.kind(), format!("{}: {e}", path.display())))
        }
        other => Error::Config(format!("{}: {other:?}", path.display())),
    }
}

/// One connection's TLS session.
pub(crate) struct TlsSession {
    state: Mutex<State>,
}

impl fmt::Debug for TlsSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TlsSession")
    }
}

struct State {
    conn: ServerConnection,
    /// Ciphertext read from TCP that rustls has not taken yet.
    incoming: Vec<u8>,
    /// TCP reached end of stream.
    eof: bool,
}

impl TlsSession {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Completes the handshake within `timeout`.
    pub fn handshake(&self, wire: &Wire, timeout: Duration) -> io::Result<()> {
        let deadline = Instant::now() + timeout;
        let tcp = wire.tcp();
        let mut state = self.lock();
        loop {
            let queued = state.flush(wire)?;
            wire.wait_written(queued.end, None)?;
            if !state.conn.is_handshaking() {
                return Ok(());
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(io::ErrorKind::TimedOut.into());
            }
            tcp.set_read_timeout(Some(left))?;
            if read_tcp(tcp, &mut state)? == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            state.feed(wire)?;
        }
    }

    /// Reads plaintext; `Ok(0)` at end of stream (with or without the
    /// client's `close_notify`: HTTP and WebSocket framing tell truncation).
    pub fn read(&self, wire: &Wire, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let mut state = self.lock();
            match state.conn.reader().read(buf) {
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(0),
                Err(e) if e.kind() != io::ErrorKind::WouldBlock => return Err(e),
                Err(_) => {}
            }
            if !state.incoming.is_empty() || state.eof {
                state.feed(wire)?;
                continue;
            }
            drop(state);
            let mut chunk = [0u8; READ_CHUNK];
            let n = wire.tcp().read(&mut chunk)?;
            let mut state = self.lock();
            state.eof = n == 0;
            state.incoming.extend_from_slice(&chunk[..n]);
            state.feed(wire)?;
        }
    }

    /// Encrypts `bufs` and waits until the records are written (HTTP).
    pub fn write(&self, wire: &Wire, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        let mut state = self.lock();
        let n = state.conn.writer().write_vectored(bufs)?;
        let queued = state.flush(wire)?;
        drop(state);
        wire.wait_written(queued.end, None)?;
        Ok(n)
    }

    /// Encrypts `bufs` (one WebSocket frame) and queues the records without
    /// blocking.
    pub fn queue(&self, wire: &Wire, bufs: &[&[u8]]) -> io::Result<Queued> {
        let mut state = self.lock();
        for buf in bufs {
            state.conn.writer().write_all(buf)?;
        }
        state.flush(wire)
    }

    /// Whether a read would return at once.
    pub fn ready(&self, wire: &Wire) -> io::Result<bool> {
        let tcp = wire.tcp();
        let mut state = self.lock();
        loop {
            let io_state = state.process(wire)?;
            if io_state.plaintext_bytes_to_read() > 0 || io_state.peer_has_closed() || state.eof {
                return Ok(true);
            }
            if !state.incoming.is_empty() {
                state.feed(wire)?;
                continue;
            }
            if !tcp_readable(tcp)? {
                return Ok(false);
            }
            // Readable: this read returns at once, and only this thread reads.
            read_tcp(tcp, &mut state)?;
            state.feed(wire)?;
        }
    }
}

/// Reads what TCP has into `state.incoming`; 0 at end of stream.
fn read_tcp(mut tcp: &TcpStream, state: &mut State) -> io::Result<usize> {
    let mut chunk = [0u8; READ_CHUNK];
    let n = tcp.read(&mut chunk)?;
    state.eof = n == 0;
    state.incoming.extend_from_slice(&chunk[..n]);
    Ok(n)
}

impl State {
    /// Hands buffered ciphertext (then the end of stream) to rustls until it
    /// has plaintext, and sends what it wants to send.
    fn feed(&mut self, wire: &Wire) -> io::Result<()> {
        let mut plaintext = self.process(wire)?.plaintext_bytes_to_read();
        while plaintext == 0 && !self.incoming.is_empty() {
            let taken = self.conn.read_tls(&mut &self.incoming[..])?;
            if taken == 0 {
                // After the client's close_notify nothing more is read.
                self.incoming.clear();
                break;
            }
            self.incoming.drain(..taken);
            plaintext = self.process(wire)?.plaintext_bytes_to_read();
        }
        if self.eof && self.incoming.is_empty() && plaintext == 0 {
            self.conn.read_tls(&mut io::empty())?;
            self.process(wire)?;
        }
        self.flush(wire).map(drop)
    }

    /// Lets rustls decrypt what it was fed; on a protocol error, sends its
    /// alert before failing.
    fn process(&mut self, wire: &Wire) -> io::Result<rustls::IoState> {
        match self.conn.process_new_packets() {
            Ok(io_state) => Ok(io_state),
            Err(e) => {
                let _ = self.flush(wire);
                Err(io::Error::new(io::ErrorKind::InvalidData, e))
            }
        }
    }

    /// Queues every TLS record rustls has made on the wire, in order, and
    /// writes what the kernel takes at once.
    fn flush(&mut self, wire: &Wire) -> io::Result<Queued> {
        let mut records = Vec::new();
        while self.conn.wants_write() {
            self.conn.write_tls(&mut records)?;
        }
        wire.append(&[&records])
    }
}
