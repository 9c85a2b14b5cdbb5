//! `idle`: hold N idle WebSockets from one thread, measure what they cost the server
//! (VmRSS and threads from /proc/PID/status), check that every one still echoes, then
//! close them all and measure what the server gives back once they are gone.

use std::time::{Duration, Instant};

use crate::client::{self, Target, Ws};
use crate::procstat::{self, CpuMeter};
use crate::stats::Outcome;

#[derive(Debug, Clone)]
pub struct IdleOpts {
    pub conns: usize,
    pub hold: f64,
    pub path: String,
}

/// Gives up connecting after this many failures in a row.
const MAX_CONNECT_ERRORS: u64 = 20;

pub fn run(target: &Target, opts: &IdleOpts) -> Outcome {
    let mut out = Outcome::default();
    check_fd_limit(opts.conns, &mut out);
    let before = target.pid.and_then(procstat::status);
    let started = Instant::now();
    let mut sockets = open(target, opts, &mut out);
    let connect_secs = started.elapsed().as_secs_f64();
    let after = target
        .pid
        .and_then(|pid| procstat::settle(pid, Duration::from_secs(5)));
    let held = sockets.len();
    out.add("connected", "conns", held as f64, true);
    out.add(
        "connects/s",
        "conn/s",
        held as f64 / connect_secs.max(1e-9),
        true,
    );
    if let (Some(before), Some(after)) = (before, after) {
        add_costs(&mut out, before, after, held);
    }
    let meter = CpuMeter::start(target.pid);
    std::thread::sleep(Duration::from_secs_f64(opts.hold));
    if let Some(server) = meter.stop().server {
        out.add("idle server CPU", "s", server, false);
    }
    let meter = CpuMeter::start(target.pid);
    let echoed = echo_all(&mut sockets, &mut out);
    out.add("echoed", "conns", echoed as f64, true);
    out.add_cpu(echoed as f64, "msgs/server-CPU-s", meter.stop());
    // A few hundredths of a CPU-second at 10 ms resolution: a figure, not a headline.
    out.unchart("msgs/server-CPU-s");
    if echoed != opts.conns {
        out.notes.push(format!(
            "only {echoed} of {} connections echoed",
            opts.conns
        ));
    }
    close_all(sockets);
    if let (Some(pid), Some(before)) = (target.pid, before) {
        add_after_leaving(&mut out, pid, before);
    }
    out
}

/// The server's RSS once the connections' threads are gone (10 s at most) and it had
/// a moment to give memory back: what a burst leaves behind.
fn add_after_leaving(out: &mut Outcome, pid: u32, before: procstat::Status) {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut now = procstat::status(pid);
    while now.is_some_and(|s| s.threads > before.threads) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
        now = procstat::status(pid);
    }
    // The server trims its allocator a moment after its connections have left, and
    // the accept thread's part when it has been idle (wsviews: head_timeout, 10 s):
    // wait until its RSS has not fallen for 11 s (25 s at most).
    let deadline = Instant::now() + Duration::from_secs(25);
    let (mut low, mut since) = (u64::MAX, Instant::now());
    while Instant::now() < deadline && since.elapsed() < Duration::from_secs(11) {
        std::thread::sleep(Duration::from_millis(250));
        match procstat::status(pid) {
            Some(s) if s.rss_kib < low => (low, since) = (s.rss_kib, Instant::now()),
            Some(_) => {}
            None => break,
        }
    }
    if let Some(left) = procstat::status(pid) {
        out.add(
            "RSS after leaving",
            "MiB",
            left.rss_kib as f64 / 1024.0,
            false,
        );
        out.add("threads after leaving", "", left.threads as f64, false);
    }
}

fn add_costs(out: &mut Outcome, before: procstat::Status, after: procstat::Status, n: usize) {
    let n = n.max(1) as f64;
    out.add("RSS before", "MiB", before.rss_kib as f64 / 1024.0, false);
    out.add("RSS after", "MiB", after.rss_kib as f64 / 1024.0, false);
    let rss = after.rss_kib.saturating_sub(before.rss_kib) as f64;
    out.headline("RSS/conn", "KiB", rss / n, false);
    out.add("threads before", "", before.threads as f64, false);
    out.add("threads after", "", after.threads as f64, false);
    let threads = after.threads.saturating_sub(before.threads) as f64;
    out.headline("threads/conn", "", threads / n, false);
}

fn check_fd_limit(conns: usize, out: &mut Outcome) {
    if let Some(limit) = procstat::open_files_limit() {
        if limit < conns as u64 + 64 {
            let note = format!(
                "ulimit -n is {limit}, too low for {conns} connections: raise it (scripts/bench.sh does)"
            );
            eprintln!("loadgen: {note}");
            out.notes.push(note);
        }
    }
}

/// Opens the connections one after another from this thread.
fn open(target: &Target, opts: &IdleOpts, out: &mut Outcome) -> Vec<Ws> {
    let mut sockets = Vec::with_capacity(opts.conns);
    let mut failures_in_a_row = 0;
    while sockets.len() < opts.conns && failures_in_a_row < MAX_CONNECT_ERRORS {
        match client::connect(target.addr, &opts.path, 4096) {
            Ok(ws) => {
                sockets.push(ws);
                failures_in_a_row = 0;
            }
            Err(err) => {
                client::report_error(out.errors, 5, "idle connect", &err);
                out.errors += 1;
                failures_in_a_row += 1;
            }
        }
    }
    sockets
}

/// Sends one message on every socket, then reads every echo; returns how many came back.
fn echo_all(sockets: &mut [Ws], out: &mut Outcome) -> usize {
    let message = client::payload(16, true);
    let mut sent = vec![false; sockets.len()];
    for (ws, sent) in sockets.iter_mut().zip(&mut sent) {
        match ws.send(message.clone()) {
            Ok(()) => *sent = true,
            Err(err) => {
                client::report_error(out.errors, 5, "idle send", &err);
                out.errors += 1;
            }
        }
    }
    let mut echoed = 0;
    for (ws, _) in sockets.iter_mut().zip(sent).filter(|(_, sent)| *sent) {
        match read_data(ws) {
            Ok(len) if len == message.len() => echoed += 1,
            Ok(len) => {
                client::report_error(out.errors, 5, "idle echo", &format!("{len} bytes"));
                out.errors += 1;
            }
            Err(err) => {
                client::report_error(out.errors, 5, "idle echo", &err);
                out.errors += 1;
            }
        }
    }
    echoed
}

fn read_data(ws: &mut Ws) -> Result<usize, tungstenite::Error> {
    loop {
        let msg = ws.read()?;
        if msg.is_text() || msg.is_binary() {
            return Ok(msg.len());
        }
    }
}

/// Sends a close on every socket, then waits (5 s at most in all) for the server's
/// closes, so that the server sees clean closing handshakes.
fn close_all(mut sockets: Vec<Ws>) {
    for ws in &mut sockets {
        let _ = ws.close(None);
        let _ = ws.flush();
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    for ws in &mut sockets {
        let left = deadline.saturating_duration_since(Instant::now());
        let _ = ws
            .get_ref()
            .set_read_timeout(Some(left.max(Duration::from_millis(1))));
        while ws.read().is_ok() {}
    }
}
