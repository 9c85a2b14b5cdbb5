//! `fanout`: N members of one chat room (`/chat/<room>`: every text message goes to all
//! members, sender included); member 0 sends, and the round lasts until all N have it.
//!
//! Members are read by a few reader threads, each reading its share of sockets in turn,
//! so a round's time is an upper bound that includes the client's sequential reads.

use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use tungstenite::{Error, Message};

use crate::client::{self, Target, Ws};
use crate::procstat::{CpuMeter, CpuUsage};
use crate::stats::{self, Outcome};

#[derive(Debug, Clone)]
pub struct FanoutOpts {
    pub members: usize,
    pub rounds: usize,
    pub readers: usize,
    pub round_timeout: f64,
    pub path: String,
}

/// Warm-up rounds tried until one reaches every member (all joined the room).
const WARMUP_TRIES: u64 = 5;

/// A reader's answer for one round: when its last member got the message, and how many
/// of its members never did.
#[derive(Debug)]
struct Done {
    last: Instant,
    missed: usize,
}

/// The coordinator's side: member 0 and a channel to each reader thread.
struct Room {
    sender: Ws,
    readers: Vec<Sender<(u64, Instant)>>,
    done: Receiver<Done>,
    timeout: Duration,
}

pub fn run(target: &Target, opts: &FanoutOpts) -> Outcome {
    let mut out = Outcome::default();
    let mut members = connect_all(target, opts, &mut out);
    if members.len() < 2 {
        let note = format!("fewer than 2 members could join {}<room>", opts.path);
        out.notes.push(note);
        return out;
    }
    let sender = members.remove(0);
    let mut room = spawn_readers(sender, members, opts);
    let Some(mut round) = warm_up(&mut room, &mut out) else {
        out.notes.push(format!(
            "no warm-up round reached all {} members: does the server broadcast on {}<room>?",
            opts.members, opts.path
        ));
        return out;
    };
    let meter = CpuMeter::start(target.pid);
    let mut times = Vec::with_capacity(opts.rounds);
    for _ in 0..opts.rounds {
        round += 1;
        let (elapsed, missed) = room.round(round, &mut out);
        out.errors += missed as u64;
        if missed == 0 {
            times.push(stats::nanos(elapsed));
        }
    }
    report(&mut out, opts, times, meter.stop());
    out
}

fn report(out: &mut Outcome, opts: &FanoutOpts, times: Vec<u64>, cpu: CpuUsage) {
    let complete = times.len();
    let busy: f64 = times.iter().map(|t| *t as f64 / 1e9).sum();
    let deliveries = (complete * opts.members) as f64;
    out.add("complete rounds", "", complete as f64, true);
    // The case's figure of merit, and what picks the best of repeated runs.
    out.headline("deliveries/s", "msg/s", deliveries / busy.max(1e-9), true);
    out.add_latency("ms", times, 1000.0);
    out.add_cpu(deliveries, "deliveries/server-CPU-s", cpu);
}

fn connect_all(target: &Target, opts: &FanoutOpts, out: &mut Outcome) -> Vec<Ws> {
    let path = format!("{}bench-{}", opts.path, std::process::id());
    let mut members = Vec::with_capacity(opts.members);
    let mut failures_in_a_row = 0;
    while members.len() < opts.members && failures_in_a_row < 20 {
        match client::connect(target.addr, &path, 4096) {
            Ok(ws) => {
                members.push(ws);
                failures_in_a_row = 0;
            }
            Err(err) => {
                client::report_error(out.errors, 3, "fanout connect", &err);
                out.errors += 1;
                failures_in_a_row += 1;
            }
        }
    }
    members
}

fn spawn_readers(sender: Ws, members: Vec<Ws>, opts: &FanoutOpts) -> Room {
    let (done_tx, done) = crossbeam_channel::unbounded();
    let per_reader = members.len().div_ceil(opts.readers.max(1));
    let mut members = members.into_iter();
    let mut readers = Vec::new();
    loop {
        let share: Vec<Ws> = members.by_ref().take(per_reader).collect();
        if share.is_empty() {
            break;
        }
        let (tx, rx) = crossbeam_channel::unbounded();
        let done_tx = done_tx.clone();
        thread::spawn(move || read_rounds(share, &rx, &done_tx));
        readers.push(tx);
    }
    let timeout = Duration::from_secs_f64(opts.round_timeout);
    Room {
        sender,
        readers,
        done,
        timeout,
    }
}

/// Runs rounds until one reaches everybody; returns its number.
fn warm_up(room: &mut Room, out: &mut Outcome) -> Option<u64> {
    (1..=WARMUP_TRIES).find(|&round| room.round(round, out).1 == 0)
}

impl Room {
    /// One round: tell the readers, send, wait for all; returns its time and misses.
    fn round(&mut self, round: u64, out: &mut Outcome) -> (Duration, usize) {
        let deadline = Instant::now() + self.timeout;
        for reader in &self.readers {
            let _ = reader.send((round, deadline));
        }
        let started = Instant::now();
        let mut missed = 0;
        let mut last = started;
        match self.sender.send(Message::text(marker(round))) {
            Ok(()) => match await_round(&mut self.sender, round, deadline) {
                Ok(at) => last = at,
                Err(_) => missed += 1,
            },
            Err(err) => {
                client::report_error(out.errors, 3, "fanout send", &err);
                missed += 1;
            }
        }
        for _ in &self.readers {
            match self.done.recv() {
                Ok(done) => {
                    last = last.max(done.last);
                    missed += done.missed;
                }
                Err(_) => missed += 1,
            }
        }
        (last.saturating_duration_since(started), missed)
    }
}

/// A reader thread: for each round, reads each of its members until the round's message.
fn read_rounds(mut share: Vec<Ws>, rounds: &Receiver<(u64, Instant)>, done: &Sender<Done>) {
    let mut alive = vec![true; share.len()];
    for (round, deadline) in rounds {
        let mut result = Done {
            last: Instant::now(),
            missed: 0,
        };
        for (ws, alive) in share.iter_mut().zip(&mut alive) {
            let outcome = if *alive {
                await_round(ws, round, deadline)
            } else {
                Err(false)
            };
            match outcome {
                Ok(at) => result.last = result.last.max(at),
                Err(still_alive) => {
                    *alive = still_alive;
                    result.missed += 1;
                }
            }
        }
        if done.send(result).is_err() {
            return;
        }
    }
}

/// The text sent in `round`; a member recognises it anywhere in what it receives, so a
/// server may wrap or prefix the message.
fn marker(round: u64) -> String {
    format!("[fanout {round}]")
}

/// Reads until the message of `round` (older rounds' late messages are skipped).
/// `Err(true)`: timed out, the socket may still serve; `Err(false)`: it is broken.
fn await_round(ws: &mut Ws, round: u64, deadline: Instant) -> Result<Instant, bool> {
    let wanted = marker(round);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let _ = ws
            .get_ref()
            .set_read_timeout(Some(left.max(Duration::from_millis(1))));
        match ws.read() {
            Ok(Message::Text(text)) if text.as_str().contains(&wanted) => return Ok(Instant::now()),
            Ok(_) => continue,
            Err(Error::Io(err))
                if matches!(
                    err.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return Err(true)
            }
            Err(_) => return Err(false),
        }
    }
}
