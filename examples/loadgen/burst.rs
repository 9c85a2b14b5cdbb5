//! `burst`: N members of one chat room (`/chat/<room>`) each send M messages at once;
//! every member must receive all N x M, in each sender's order. Reports deliveries/s (from
//! any member's first send to the last delivery), the latency of each delivery, and how many were
//! lost (must be 0: every member reads).
//!
//! `slowmem`: K members that never read and one that sends S messages of B bytes (reading
//! its own copies back); reports how far the server's RSS rose above its idle RSS. A
//! server that queues for slow members without bound grows by about K x S x B.

use std::net::SocketAddr;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use tungstenite::Message;

use crate::client::{self, Target, Ws};
use crate::procstat::{self, CpuMeter};
use crate::stats::{self, Outcome};

#[derive(Debug, Clone)]
pub struct BurstOpts {
    pub members: usize,
    pub each: usize,
    /// How many members send (the first ones); all by default.
    pub senders: usize,
    pub timeout: f64,
    pub path: String,
    /// More servers sharing the room (through Redis): members are spread over all.
    pub also: Vec<SocketAddr>,
}

/// What one member saw.
#[derive(Debug, Default)]
struct Seen {
    latencies: Vec<u64>,
    received: usize,
    out_of_order: usize,
    /// When this member started sending (if it sends).
    first_sent: Option<Instant>,
    last: Option<Instant>,
}

pub fn run(target: &Target, opts: &BurstOpts) -> Outcome {
    let mut out = Outcome::default();
    let room = format!("{}burst-{}", opts.path, std::process::id());
    let addrs: Vec<SocketAddr> = std::iter::once(target.addr)
        .chain(opts.also.clone())
        .collect();
    let mut members = Vec::with_capacity(opts.members);
    for i in 0..opts.members {
        match client::connect(addrs[i % addrs.len()], &room, 64 * 1024) {
            Ok(ws) => members.push(ws),
            Err(err) => {
                client::report_error(out.errors, 3, "burst connect", &err);
                out.errors += 1;
            }
        }
    }
    if members.len() < 2 {
        out.notes.push("fewer than 2 members joined".into());
        return out;
    }
    // Every member joined once its own first message comes back to it.
    let joined = members.iter_mut().enumerate().all(|(i, ws)| joined(ws, i));
    if !joined {
        out.notes
            .push("a member never saw its own join message".into());
    }
    let n = members.len();
    let epoch = Instant::now();
    let go = Arc::new(Barrier::new(n + 1));
    let timeout = Duration::from_secs_f64(opts.timeout);
    let each = opts.each;
    let senders = opts.senders.min(n);
    let threads: Vec<_> = members
        .into_iter()
        .enumerate()
        .map(|(me, ws)| {
            let go = Arc::clone(&go);
            let burst = if me < senders { each } else { 0 };
            thread::spawn(move || member(ws, me, (senders, each), burst, epoch, &go, timeout))
        })
        .collect();
    let meter = CpuMeter::start(target.pid);
    go.wait();
    let started = Instant::now();
    let seen: Vec<Seen> = threads.into_iter().filter_map(|t| t.join().ok()).collect();
    report(&mut out, &seen, n * senders * each, started, meter.stop());
    out
}

/// Sends a join marker and reads until it comes back (earlier members' markers skipped).
fn joined(ws: &mut Ws, me: usize) -> bool {
    let marker = format!("join {me}");
    if ws.send(Message::text(marker.clone())).is_err() {
        return false;
    }
    let deadline = Instant::now() + client::IO_TIMEOUT;
    while Instant::now() < deadline {
        match ws.read() {
            Ok(Message::Text(text)) if text.as_str() == marker => return true,
            Ok(_) => {}
            Err(_) => return false,
        }
    }
    false
}

/// One member: waits for the start, sends its burst, reads everything.
fn member(
    mut ws: Ws,
    me: usize,
    (senders, each): (usize, usize),
    burst: usize,
    epoch: Instant,
    go: &Barrier,
    timeout: Duration,
) -> Seen {
    let mut seen = Seen::default();
    go.wait();
    if burst > 0 {
        seen.first_sent = Some(Instant::now());
    }
    for k in 0..burst {
        let sent = stats::nanos(epoch.elapsed());
        if ws
            .send(Message::text(format!("b {me} {k} {sent}")))
            .is_err()
        {
            break;
        }
    }
    let mut next = vec![0usize; senders];
    let deadline = Instant::now() + timeout;
    let _ = ws.get_ref().set_read_timeout(Some(timeout));
    while seen.received < senders * each && Instant::now() < deadline {
        let text = match ws.read() {
            Ok(Message::Text(text)) => text,
            Ok(_) => continue,
            Err(_) => break,
        };
        let Some((sender, k, sent)) = parse(text.as_str()) else {
            continue; // a late join marker
        };
        let now = epoch.elapsed();
        seen.latencies.push(stats::nanos(now).saturating_sub(sent));
        seen.received += 1;
        seen.last = Some(Instant::now());
        if next.get(sender) != Some(&k) {
            seen.out_of_order += 1;
        }
        if let Some(slot) = next.get_mut(sender) {
            *slot = k + 1;
        }
    }
    let _ = ws.close(None);
    seen
}

fn parse(text: &str) -> Option<(usize, usize, u64)> {
    let mut parts = text.strip_prefix("b ")?.split(' ');
    let sender = parts.next()?.parse().ok()?;
    let k = parts.next()?.parse().ok()?;
    let sent = parts.next()?.parse().ok()?;
    Some((sender, k, sent))
}

fn report(
    out: &mut Outcome,
    seen: &[Seen],
    expected: usize,
    started: Instant,
    cpu: procstat::CpuUsage,
) {
    let received: usize = seen.iter().map(|s| s.received).sum();
    // From the first send of any member: the coordinator may run after the
    // members released with it have sent and received much of the burst.
    let started = seen
        .iter()
        .filter_map(|s| s.first_sent)
        .min()
        .map_or(started, |first| first.min(started));
    let last = seen.iter().filter_map(|s| s.last).max().unwrap_or(started);
    let wall = last.saturating_duration_since(started).as_secs_f64();
    let latencies: Vec<u64> = seen
        .iter()
        .flat_map(|s| s.latencies.iter().copied())
        .collect();
    out.headline(
        "deliveries/s",
        "msg/s",
        received as f64 / wall.max(1e-9),
        true,
    );
    out.add_latency("ms", latencies, 1000.0);
    out.add(
        "lost",
        "msgs",
        (expected - received.min(expected)) as f64,
        false,
    );
    let disorder: usize = seen.iter().map(|s| s.out_of_order).sum();
    out.add("out of order", "msgs", disorder as f64, false);
    out.add_cpu(received as f64, "deliveries/server-CPU-s", cpu);
}

#[derive(Debug, Clone)]
pub struct SlowMemOpts {
    pub silent: usize,
    pub messages: usize,
    pub size: usize,
    pub path: String,
}

pub fn run_slowmem(target: &Target, opts: &SlowMemOpts) -> Outcome {
    let mut out = Outcome::default();
    let Some(pid) = target.pid else {
        out.notes.push("slowmem needs --pid".into());
        return out;
    };
    let room = format!("{}slowmem-{}", opts.path, std::process::id());
    // Members that never read (and never close until the end).
    let silent: Vec<Ws> = (0..opts.silent)
        .filter_map(|_| client::connect(target.addr, &room, 4096).ok())
        .collect();
    let Ok(mut sender) = client::connect(target.addr, &room, 512 * 1024) else {
        out.notes.push("the sender could not connect".into());
        return out;
    };
    joined(&mut sender, usize::MAX);
    let idle = procstat::settle(pid, Duration::from_secs(2)).map_or(0, |s| s.rss_kib);
    let mut peak = idle;
    let text = "x".repeat(opts.size);
    let started = Instant::now();
    for _ in 0..opts.messages {
        if sender.send(Message::text(text.clone())).is_err() {
            out.errors += 1;
            break;
        }
        loop {
            match sender.read() {
                Ok(Message::Text(t)) if t.len() == opts.size => break,
                Ok(_) => {}
                Err(_) => {
                    out.errors += 1;
                    break;
                }
            }
        }
        peak = peak.max(procstat::status(pid).map_or(0, |s| s.rss_kib));
    }
    let wall = started.elapsed().as_secs_f64();
    out.headline(
        "RSS above idle",
        "MiB",
        (peak - idle) as f64 / 1024.0,
        false,
    );
    out.add("idle RSS", "MiB", idle as f64 / 1024.0, false);
    out.add(
        "sent",
        "MiB/s",
        (opts.messages * opts.size) as f64 / wall / 1048576.0,
        true,
    );
    out.add("silent members", "", silent.len() as f64, false);
    drop(silent);
    out
}
