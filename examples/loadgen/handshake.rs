//! `handshake`: connect, one echo, clean close, in a loop on a few client threads.

use std::time::Instant;

use tungstenite::Error;

use crate::client::{self, Target};
use crate::stats::{self, Outcome};
use crate::window::{self, Tally};

#[derive(Debug, Clone)]
pub struct HandshakeOpts {
    pub threads: usize,
    pub secs: f64,
    pub warmup: f64,
    pub path: String,
}

/// A thread gives up after this many errors (the server is gone or ports ran out).
const MAX_ERRORS: u64 = 200;

pub fn run(target: &Target, opts: &HandshakeOpts) -> Outcome {
    let (addr, path) = (target.addr, opts.path.clone());
    window::measure(
        target,
        (opts.warmup, opts.secs),
        vec![(); opts.threads],
        move |(), from, to| sessions(addr, &path, from, to),
        ("sessions/s", "session/s", "sessions/server-CPU-s"),
        Outcome::default(),
    )
}

fn sessions(addr: std::net::SocketAddr, path: &str, from: Instant, to: Instant) -> Tally {
    let mut tally = Tally::default();
    while tally.errors < MAX_ERRORS {
        let started = Instant::now();
        if started >= to {
            break;
        }
        match session(addr, path) {
            Ok(()) if started >= from => tally.latencies.push(stats::nanos(started.elapsed())),
            Ok(()) => {}
            Err(err) => {
                client::report_error(tally.errors, 3, "handshake", &err);
                tally.errors += 1;
            }
        }
    }
    tally
}

/// One whole session: open, echo 32 bytes, close and wait for the server's close.
fn session(addr: std::net::SocketAddr, path: &str) -> Result<(), String> {
    let mut ws = client::connect(addr, path, 4096)?;
    let message = client::payload(32, true);
    ws.send(message).map_err(|e| e.to_string())?;
    let reply = ws.read().map_err(|e| e.to_string())?;
    if reply.len() != 32 {
        return Err(format!("echo of 32 bytes came back as {}", reply.len()));
    }
    ws.close(None).map_err(|e| e.to_string())?;
    loop {
        match ws.read() {
            Ok(_) => continue,
            Err(Error::ConnectionClosed) => return Ok(()),
            Err(err) => return Err(format!("closing: {err}")),
        }
    }
}
