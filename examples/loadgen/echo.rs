//! `echo`: N connections each ping-ponging B-byte messages for S seconds.

use std::time::Instant;

use crate::client::{self, Target, Ws};
use crate::stats::{self, Outcome};
use crate::window::{self, Tally};

#[derive(Debug, Clone)]
pub struct EchoOpts {
    pub conns: usize,
    pub size: usize,
    pub secs: f64,
    pub warmup: f64,
    pub path: String,
    pub text: bool,
}

pub fn run(target: &Target, opts: &EchoOpts) -> Outcome {
    let mut out = Outcome::default();
    let mut sockets = Vec::with_capacity(opts.conns);
    for _ in 0..opts.conns {
        match client::connect(target.addr, &opts.path, client::read_buffer_for(opts.size)) {
            Ok(ws) => sockets.push(ws),
            Err(err) => {
                client::report_error(out.errors, 5, "echo connect", &err);
                out.errors += 1;
            }
        }
    }
    let opts_for_workers = opts.clone();
    window::measure(
        target,
        (opts.warmup, opts.secs),
        sockets,
        move |ws, from, to| ping_pong(ws, &opts_for_workers, from, to),
        ("msgs/s", "msg/s", "msgs/server-CPU-s"),
        out,
    )
}

/// Sends, waits for the echo, repeats until `to`; round trips started in `[from, to)`
/// are recorded. An error ends this connection and is counted.
fn ping_pong(mut ws: Ws, opts: &EchoOpts, from: Instant, to: Instant) -> Tally {
    let mut tally = Tally::default();
    let message = client::payload(opts.size, opts.text);
    loop {
        let sent = Instant::now();
        if sent >= to {
            break;
        }
        if let Err(err) = round_trip(&mut ws, &message) {
            client::report_error(tally.errors, 3, "echo", &err);
            tally.errors += 1;
            return tally;
        }
        if sent >= from {
            tally.latencies.push(stats::nanos(sent.elapsed()));
        }
    }
    let _ = ws.close(None);
    let _ = ws.flush();
    tally
}

fn round_trip(ws: &mut Ws, message: &tungstenite::Message) -> Result<(), String> {
    ws.send(message.clone()).map_err(|e| e.to_string())?;
    loop {
        let reply = ws.read().map_err(|e| e.to_string())?;
        if reply.is_text() || reply.is_binary() {
            return if reply.len() == message.len() {
                Ok(())
            } else {
                Err(format!(
                    "echo of {} bytes came back as {}",
                    message.len(),
                    reply.len()
                ))
            };
        }
    }
}
