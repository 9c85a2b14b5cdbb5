//! The bytes waiting to go out on one connection (ciphertext under TLS).
//!
//! Every write of a WebSocket goes through here, from any thread, so bytes
//! go out in the order they were queued and never interleave:
//!
//! - [`Wire::append`] never blocks: it writes what the kernel takes at once
//!   (`MSG_DONTWAIT`) and keeps the rest;
//! - [`Wire::wait_written`] blocks until given bytes are out or a deadline
//!   passes. One thread at a time writes blocking, outside the lock, on a
//!   copy of the queue's front; the others only append or wait.
//!
//! Positions count bytes since the connection opened, so a caller knows when
//! *its* bytes are out (`written >= end`).

use std::collections::VecDeque;
use std::io::{self, IoSlice};
use std::net::TcpStream;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::send;
use super::socket::is_timeout;

/// Most bytes one blocking write copies out of the queue.
const CHUNK: usize = 256 * 1024;

/// A TCP connection and its queue of unsent bytes.
#[derive(Debug)]
pub(crate) struct Wire {
    tcp: TcpStream,
    out: Mutex<Out>,
    progress: Condvar,
}

#[derive(Debug, Default)]
struct Out {
    buf: VecDeque<u8>,
    /// Bytes handed to the kernel so far.
    written: u64,
    /// A thread is in a blocking write outside the lock.
    writing: bool,
    /// Someone drains the backlog (see [`Queued::start_drain`]).
    drainer: bool,
    /// A write failed: the connection is dead.
    failed: bool,
}

/// What [`Wire::append`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Queued {
    /// The position just past the appended bytes.
    pub end: u64,
    /// Bytes still waiting, these and earlier ones.
    pub backlog: usize,
    /// Bytes wait and nobody drains them yet: the caller must arrange it
    /// (and call [`Wire::drain_done`] until it says so).
    pub start_drain: bool,
}

impl Wire {
    pub fn new(tcp: TcpStream) -> Self {
        Wire {
            tcp,
            out: Mutex::default(),
            progress: Condvar::new(),
        }
    }

    pub fn tcp(&self) -> &TcpStream {
        &self.tcp
    }

    fn lock(&self) -> MutexGuard<'_, Out> {
        self.out.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues `bufs` (one frame, or TLS records) without blocking.
    pub fn append(&self, bufs: &[&[u8]]) -> io::Result<Queued> {
        let mut out = self.lock();
        if out.failed {
            return Err(io::ErrorKind::BrokenPipe.into());
        }
        let mut sent = 0;
        if !out.writing {
            self.flush_locked(&mut out)?;
            if out.buf.is_empty() {
                sent = self.send_bufs(&mut out, bufs)?;
            }
        }
        let mut skip = sent;
        for buf in bufs {
            let from = skip.min(buf.len());
            skip -= from;
            out.buf.extend(&buf[from..]);
        }
        let start_drain = !out.buf.is_empty() && !out.drainer;
        out.drainer |= start_drain;
        Ok(Queued {
            end: out.written + out.buf.len() as u64,
            backlog: out.buf.len(),
            start_drain,
        })
    }

    /// Bytes handed to the kernel so far, and bytes waiting, at one moment.
    pub fn progress(&self) -> (u64, usize) {
        let out = self.lock();
        (out.written, out.buf.len())
    }

    /// Bytes waiting.
    pub fn backlog(&self) -> usize {
        self.lock().buf.len()
    }

    /// Bytes handed to the kernel so far.
    pub fn written(&self) -> u64 {
        self.lock().written
    }

    /// Becomes the drain unless there is one; returns whether it did.
    pub fn claim_drain(&self) -> bool {
        let mut out = self.lock();
        !std::mem::replace(&mut out.drainer, true)
    }

    /// Whether a write failed (or [`fail`](Self::fail) was called).
    pub fn failed(&self) -> bool {
        self.lock().failed
    }

    /// Ends a drain if nothing waits any more; returns whether it ended.
    pub fn drain_done(&self) -> bool {
        let mut out = self.lock();
        if out.buf.is_empty() || out.failed {
            out.drainer = false;
            return true;
        }
        false
    }

    /// Gives up on the connection: queued bytes are freed, later appends fail.
    pub fn fail(&self) {
        let mut out = self.lock();
        out.failed = true;
        out.buf = VecDeque::new();
        drop(out);
        self.progress.notify_all();
    }

    /// Blocks until every byte before `target` is written, or `deadline`
    /// passes (`TimedOut`; `None` waits as long as each write's socket
    /// timeout allows).
    pub fn wait_written(&self, target: u64, deadline: Option<Instant>) -> io::Result<()> {
        let mut out = self.lock();
        loop {
            if out.written >= target {
                return Ok(());
            }
            if out.failed {
                return Err(io::ErrorKind::BrokenPipe.into());
            }
            let left = match deadline {
                Some(at) => match at.checked_duration_since(Instant::now()) {
                    Some(left) if !left.is_zero() => Some(left),
                    _ => return Err(io::ErrorKind::TimedOut.into()),
                },
                None => None,
            };
            if out.writing {
                let wait = left.unwrap_or(Duration::from_secs(1));
                out = self.wait(out, wait);
                continue;
            }
            out = self.write_blocking(out, left)?;
        }
    }

    fn wait<'a>(&self, out: MutexGuard<'a, Out>, wait: Duration) -> MutexGuard<'a, Out> {
        self.progress
            .wait_timeout(out, wait)
            .unwrap_or_else(|p| p.into_inner())
            .0
    }

    /// One blocking write of the queue's front, outside the lock.
    fn write_blocking<'a>(
        &'a self,
        mut out: MutexGuard<'a, Out>,
        timeout: Option<Duration>,
    ) -> io::Result<MutexGuard<'a, Out>> {
        out.writing = true;
        let take = out.buf.len().min(CHUNK);
        let chunk: Vec<u8> = out.buf.range(..take).copied().collect();
        drop(out);
        if timeout.is_some() {
            let _ = self.tcp.set_write_timeout(timeout);
        }
        let result = send::blocking(&self.tcp, &chunk);
        let mut out = self.lock();
        out.writing = false;
        self.progress.notify_all();
        match result {
            Ok(n) => {
                out.buf.drain(..n);
                out.written += n as u64;
                Ok(out)
            }
            Err(e) if is_timeout(&e) => Ok(out),
            Err(e) => {
                out.failed = true;
                out.buf = VecDeque::new();
                Err(e)
            }
        }
    }

    /// Non-blocking writes of the queue until it is empty or the kernel's
    /// buffer is full.
    fn flush_locked(&self, out: &mut Out) -> io::Result<()> {
        while !out.buf.is_empty() {
            let (a, b) = out.buf.as_slices();
            let slices = [IoSlice::new(a), IoSlice::new(b)];
            let n = match send::nonblocking_vectored(&self.tcp, &slices) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) => return Err(self.failure(out, e)),
            };
            out.buf.drain(..n);
            out.written += n as u64;
        }
        Ok(())
    }

    /// A non-blocking write of `bufs` (see [`send::nonblocking`]);
    /// returns the bytes sent.
    fn send_bufs(&self, out: &mut Out, bufs: &[&[u8]]) -> io::Result<usize> {
        match send::nonblocking(&self.tcp, bufs) {
            Ok(n) => {
                out.written += n as u64;
                Ok(n)
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(0),
            Err(e) => Err(self.failure(out, e)),
        }
    }

    fn failure(&self, out: &mut Out, e: io::Error) -> io::Error {
        out.failed = true;
        out.buf = VecDeque::new();
        self.progress.notify_all();
        e
    }
}

#[cfg(test)]
#[path = "wire_tests.rs"]
mod tests;
