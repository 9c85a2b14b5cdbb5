//! Refusing a connection over a limit, from the accept loop: a `503` written
//! without reading the request, and a warning that a flood cannot multiply.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use crate::http::head_writer::{Body, Connection, ResponseHead};
use crate::net::socket::Socket;
use crate::server::registry::{Caps, Refused};

/// Most reads of what a refused client already sent (4 KiB each).
const REFUSE_DRAIN_READS: usize = 16;

/// At most one refusal warning per this long; the others are counted.
const WARN_EVERY: Duration = Duration::from_secs(1);

/// Rate-limits the refusal warnings of one server.
#[derive(Debug, Default)]
pub(crate) struct RefusalLog {
    last: Mutex<Option<Instant>>,
    suppressed: AtomicU64,
}

impl RefusalLog {
    /// Logs a refusal at `warn`, at most once per second, with how many
    /// went unlogged since the last line.
    pub fn refused(&self, peer: SocketAddr, why: Refused, caps: Caps) {
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        if last.is_some_and(|at| at.elapsed() < WARN_EVERY) {
            self.suppressed.fetch_add(1, Ordering::Relaxed);
            return;
        }
        *last = Some(Instant::now());
        let more = match self.suppressed.swap(0, Ordering::Relaxed) {
            0 => String::new(),
            n => format!(" ({n} more refused since the last such line)"),
        };
        match why {
            Refused::Full => log::warn!(
                "{peer}: over max_connections ({}); answered 503{more}",
                caps.total
            ),
            Refused::ClientFull => log::warn!(
                "{peer}: over max_connections_per_ip ({}) from this address; answered 503{more}",
                caps.per_client
            ),
        }
    }
}

/// Answers `503` without reading the request, from the accept thread.
pub(crate) fn refuse_busy(stream: &Socket) {
    const BODY: &[u8] = b"Server busy, retry shortly\n";
    let headers = [
        ("Retry-After".to_owned(), "1".to_owned()),
        ("Content-Type".to_owned(), "text/plain".to_owned()),
    ];
    let head = ResponseHead {
        minor: 1,
        status: 503,
        headers: &headers,
        body: Body::Length(BODY.len() as u64),
        head_only: false,
        connection: Connection::Close,
    }
    .write(SystemTime::now());
    let response = [head.bytes, BODY.to_vec()].concat();
    let _ = stream.set_write_timeout(Some(Duration::from_millis(100)));
    let _ = (&*stream).write_all(&response);
    let _ = stream.shutdown(std::net::Shutdown::Write);
    // Drain what the client already sent, so closing does not reset the
    // connection before it reads the 503; bounded, so a client that keeps
    // sending cannot hold the accept loop.
    let mut sink = [0u8; 4096];
    for _ in 0..REFUSE_DRAIN_READS {
        if !matches!(stream.ready(), Ok(true))
            || !matches!((&*stream).read(&mut sink), Ok(n) if n > 0)
        {
            break;
        }
    }
}
