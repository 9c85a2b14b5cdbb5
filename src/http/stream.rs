//! The read side of one connection: a small buffer in front of the socket and
//! the bounded loop that reads a request head into it.

use crate::net::socket::{is_timeout, Socket};
use std::io::{self, BufRead, Read};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::head::{check_head, find_head_end, parse_head, Head, HeadError};

/// How much is read from the socket at a time while reading a head or body.
const READ_CHUNK: usize = 4096;

/// Why no request head could be read.
#[derive(Debug)]
pub(crate) enum HeadFailure {
    /// The head was invalid or over a limit: answer with its status.
    Rejected(HeadError),
    /// The client started a head but did not finish it in time.
    TimedOut,
    /// The client vanished mid-head, or the socket failed.
    Io(io::Error),
}

/// Limits that apply while reading a head.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HeadLimits {
    pub max_size: usize,
    pub max_headers: usize,
    pub timeout: Duration,
}

/// Buffered reads from a connection's socket.
///
/// Bytes read past a request head stay buffered and are served first by
/// [`Read`], so a body, a pipelined request or a first WebSocket frame that
/// arrived with the head is never lost.
#[derive(Debug)]
pub(crate) struct ConnReader {
    stream: Arc<Socket>,
    buf: Vec<u8>,
    pos: usize,
    /// The read timeout the socket has now, when known.
    timeout: Option<Duration>,
    /// When reads through [`Read`] and [`BufRead`] stop waiting (a body's
    /// deadline); `None` leaves the socket's timeout as it is.
    deadline: Option<Instant>,
}

impl ConnReader {
    /// A reader over `stream`, whose read timeout is `timeout` if known.
    pub fn new(stream: Arc<Socket>, timeout: Option<Duration>) -> Self {
        ConnReader {
            stream,
            buf: Vec::new(),
            pos: 0,
            timeout,
            deadline: None,
        }
    }

    /// Makes every following read through [`Read`] and [`BufRead`] fail
    /// with `TimedOut` once `deadline` has passed (`None`: no deadline).
    pub fn set_deadline(&mut self, deadline: Option<Instant>) {
        self.deadline = deadline;
    }

    /// Before a socket read: the time left until the deadline becomes the
    /// read timeout.
    fn before_read(&mut self) -> io::Result<()> {
        let Some(deadline) = self.deadline else {
            return Ok(());
        };
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        self.set_timeout(left)
    }

    /// The socket.
    pub fn stream(&self) -> &Arc<Socket> {
        &self.stream
    }

    /// Sets the timeout that applies to each following read of the socket.
    pub fn set_timeout(&mut self, timeout: Duration) -> io::Result<()> {
        let timeout = timeout.max(Duration::from_millis(1));
        if self.timeout != Some(timeout) {
            self.stream.set_read_timeout(Some(timeout))?;
            self.timeout = Some(timeout);
        }
        Ok(())
    }

    /// Reads the next request head.
    ///
    /// Waits up to `idle` for its first byte (returning `Ok(None)` if none
    /// comes, or if the client closes cleanly), then up to `limits.timeout`
    /// for the whole head.
    pub fn read_head(
        &mut self,
        limits: HeadLimits,
        idle: Duration,
    ) -> Result<Option<Head>, HeadFailure> {
        self.buf.drain(..self.pos);
        self.pos = 0;
        let mut scanned = 0;
        let mut deadline = (!self.buf.is_empty()).then(|| Instant::now() + limits.timeout);
        loop {
            let end = find_head_end(&self.buf, scanned).map_err(HeadFailure::Rejected)?;
            if let Some(end) = end {
                return self
                    .parse(end, limits.max_size, limits.max_headers)
                    .map(Some);
            }
            if self.buf.len() > limits.max_size {
                return Err(HeadFailure::Rejected(HeadError::TooLarge));
            }
            scanned = self.buf.len();
            let wait = match deadline {
                None => idle,
                Some(d) => d.saturating_duration_since(Instant::now()),
            };
            if wait.is_zero() {
                return Err(HeadFailure::TimedOut);
            }
            self.set_timeout(wait).map_err(HeadFailure::Io)?;
            match self.fill(limits.max_size + 1 - self.buf.len()) {
                Ok(0) if self.buf.is_empty() => return Ok(None),
                Ok(0) => return Err(HeadFailure::Io(io::ErrorKind::UnexpectedEof.into())),
                Ok(_) => deadline = deadline.or_else(|| Some(Instant::now() + limits.timeout)),
                Err(e) if is_timeout(&e) && deadline.is_none() => return Ok(None),
                Err(e) if is_timeout(&e) => return Err(HeadFailure::TimedOut),
                Err(e) => return Err(HeadFailure::Io(e)),
            }
        }
    }

    fn parse(
        &mut self,
        end: usize,
        max_size: usize,
        max_headers: usize,
    ) -> Result<Head, HeadFailure> {
        if end > max_size {
            return Err(HeadFailure::Rejected(HeadError::TooLarge));
        }
        match parse_head(&self.buf[..end], max_headers) {
            Ok(Some((head, len))) => {
                self.pos = len;
                check_head(&head).map_err(HeadFailure::Rejected)?;
                Ok(head)
            }
            Ok(None) => Err(HeadFailure::Rejected(HeadError::Malformed(
                "incomplete head".into(),
            ))),
            Err(e) => Err(HeadFailure::Rejected(e)),
        }
    }

    /// Reads at most `limit` more bytes from the socket into the buffer.
    fn fill(&mut self, limit: usize) -> io::Result<usize> {
        let len = self.buf.len();
        self.buf.resize(len + limit.clamp(1, READ_CHUNK), 0);
        let result = (&*self.stream).read(&mut self.buf[len..]);
        self.buf.truncate(len + *result.as_ref().unwrap_or(&0));
        result
    }

    /// Gives up the bytes buffered past what was consumed (the start of the
    /// first WebSocket frame, after a handshake).
    pub fn take_buffered(&mut self) -> Vec<u8> {
        let rest = self.buf.split_off(self.pos);
        self.buf = Vec::new();
        self.pos = 0;
        rest
    }
}

impl Read for ConnReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.pos < self.buf.len() {
            let n = out.len().min(self.buf.len() - self.pos);
            out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
            self.pos += n;
            return Ok(n);
        }
        self.before_read()?;
        (&*self.stream).read(out)
    }
}

impl BufRead for ConnReader {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos >= self.buf.len() {
            self.buf.clear();
            self.pos = 0;
            self.before_read()?;
            self.fill(READ_CHUNK)?;
        }
        Ok(&self.buf[self.pos..])
    }

    fn consume(&mut self, amount: usize) {
        self.pos = (self.pos + amount).min(self.buf.len());
    }
}
