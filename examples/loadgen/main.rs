//! A load generator for wsviews and its baselines, built on tungstenite's client.
//!
//! ```text
//! bash scripts/bench.sh                                  # build, raise ulimit -n, run the matrix
//! cargo run --release --example loadgen -- MODE [options]   # one mode, one server
//! cargo run --release --example loadgen -- --help
//! ```
//!
//! Single modes measure a server you started yourself: `--addr HOST:PORT`, and `--pid PID`
//! for the server's CPU seconds (utime + stime of /proc/PID/stat), VmRSS and threads
//! (/proc/PID/status):
//!
//! - `echo`: N connections ping-pong B-byte messages for S seconds: msgs/s, p50/p90/p99/max.
//! - `handshake`: connect, one echo, clean close, in a loop on a few threads: sessions/s.
//! - `idle`: hold N idle WebSockets from one thread: RSS and threads per connection, then
//!   check that every one still echoes.
//! - `fanout`: N members of `/chat/<room>`; one sends; time until all N have it, K times.
//! - `http`: keep-alive `GET /plain` from C connections for S seconds: requests/s.
//! - `burst`: N members of `/chat/<room>` each send M messages at once (or only the first
//!   `--senders`; members spread over `--also` servers sharing a Redis layer): deliveries/s,
//!   delivery latency, messages lost and out of order.
//! - `slowmem`: K members that never read, one that sends S x B bytes: the server's RSS
//!   growth above idle.
//!
//! Every mode reports the server's work per server CPU-second, the client's own CPU and
//! the CPU used by everything else on the machine (noise). `matrix` starts each server
//! itself on a free 127.0.0.1 port (pinned to its own core with `taskset`), runs every
//! case against wsviews and against its baseline, interleaved and repeated (best of 3),
//! and writes a table to stdout, `target/bench/results.{json,md}` and
//! `target/bench/chart.svg` (wsviews/baseline ratios). CPU ticks are divided by
//! `$CLK_TCK`, assumed 100 (the Linux value) when unset; scripts/bench.sh exports
//! `getconf CLK_TCK`. Client-side errors are counted and reported, never panicked on.

mod args;
mod burst;
mod cases;
mod chart;
mod client;
mod deflate;
mod deflate_client;
mod echo;
mod fanout;
mod handshake;
mod http;
mod idle;
mod matrix;
mod pin;
mod procstat;
mod report;
mod server;
mod stats;
mod window;

use std::net::SocketAddr;

use args::Args;
use client::Target;
use stats::Outcome;

const USAGE: &str = "\
usage: loadgen MODE [options]

modes (against a running server: --addr HOST:PORT, default 127.0.0.1:9001,
       --pid PID of the server for CPU/RSS/threads figures):
  echo       --conns 1 --size 32 --secs 5 --warmup 0.5 --path /echo [--text]
  handshake  --threads 4 --secs 5 --warmup 0.5 --path /echo
  idle       --conns 2000 --hold 2 --path /echo
  fanout     --members 1000 --rounds 200 --readers 2 --round-timeout 5 --path /chat/
  http       --conns 8 --secs 5 --warmup 0.5 --path /plain
  burst      --members 200 --each 3 [--senders N] --timeout 20 --path /chat/ [--also HOST:PORT,...]
  slowmem    --silent 8 --messages 1500 --size 262144 --path /chat/   (needs --pid)
  matrix     starts the servers itself and compares them:
    --wsviews-bin target/release/examples/demo
    --wsviews-args 'runserver {addr} --multithreaded --max-connections 18000 --max-connections-per-ip 18000'
    --baseline-bin target/release/examples/baseline_echo   --baseline-args '{addr}'
    --http-baseline-bin target/release/examples/tiny_http_plain --http-baseline-args '{addr}'
    --cases echo,handshake,idle,fanout,burst,http   --echo 1x32,50x32,10x65536 [--text]
    --burst 200x3
    --echo-secs 5 --handshake-secs 5 --http-secs 5 --warmup 0.5 --hold 2
    --idle 2000,8000,16000 --fanout 1000 --rounds 200 --http-conns 8
    --repeat 3 (runs per side, interleaved; the best is kept)
    --pin auto|off|SERVER_CPUS:CLIENT_CPUS (taskset; auto = server on the last CPU)
    --out target/bench [--readme]
  deflate    starts wsviews and Python websockets itself, each with and without
             permessage-deflate: 1 KiB JSON echo and RSS per connection
    --secs 5 --conns 4 --memory-conns 2000 --wsviews-bin target/release/examples/demo
    --python target/bench-venv/bin/python --script scripts/bench/websockets_echo.py
    --out target/bench (writes deflate.md)";

fn main() {
    let raw: Vec<String> = std::env::args().skip(1).collect();
    if let Err(err) = run(raw) {
        eprintln!("loadgen: {err}\n\n{USAGE}");
        std::process::exit(2);
    }
}

fn run(raw: Vec<String>) -> Result<(), String> {
    let mut args = Args::parse(raw)?;
    let Some(mode) = args.positional.first().cloned() else {
        println!("{USAGE}");
        return Ok(());
    };
    if args.flag("help") {
        println!("{USAGE}");
        return Ok(());
    }
    if mode == "matrix" {
        return matrix::run(args);
    }
    if mode == "deflate" {
        return deflate::run(args);
    }
    let addr = args.string("addr", "127.0.0.1:9001");
    let addr: SocketAddr = addr.parse().map_err(|_| format!("--addr: {addr:?}"))?;
    let pid = args.opt("pid").map(|p| p.parse::<u32>()).transpose();
    let target = Target {
        addr,
        pid: pid.map_err(|_| "--pid: not a number")?,
    };
    let work = Work::from_args(&mode, &mut args)?;
    args.finish()?;
    let outcome = work.run(&target);
    print_outcome(&mode, &outcome);
    Ok(())
}

/// One measurement to make, with its options.
#[derive(Debug, Clone)]
enum Work {
    Echo(echo::EchoOpts),
    Handshake(handshake::HandshakeOpts),
    Idle(idle::IdleOpts),
    Fanout(fanout::FanoutOpts),
    Http(http::HttpOpts),
    Burst(burst::BurstOpts),
    SlowMem(burst::SlowMemOpts),
}

impl Work {
    /// The options of `mode`, defaults filled in.
    fn from_args(mode: &str, args: &mut Args) -> Result<Work, String> {
        Ok(match mode {
            "echo" => Work::Echo(echo::EchoOpts {
                conns: args.get("conns", 1)?,
                size: args.get("size", 32)?,
                secs: args.get("secs", 5.0)?,
                warmup: args.get("warmup", 0.5)?,
                path: args.string("path", "/echo"),
                text: args.flag("text"),
            }),
            "handshake" => Work::Handshake(handshake::HandshakeOpts {
                threads: args.get("threads", 4)?,
                secs: args.get("secs", 5.0)?,
                warmup: args.get("warmup", 0.5)?,
                path: args.string("path", "/echo"),
            }),
            "idle" => Work::Idle(idle::IdleOpts {
                conns: args.get("conns", 2000)?,
                hold: args.get("hold", 2.0)?,
                path: args.string("path", "/echo"),
            }),
            "fanout" => Work::Fanout(fanout::FanoutOpts {
                members: args.get("members", 1000)?,
                rounds: args.get("rounds", 200)?,
                readers: args.get("readers", 2)?,
                round_timeout: args.get("round-timeout", 5.0)?,
                path: args.string("path", "/chat/"),
            }),
            "http" => Work::Http(http::HttpOpts {
                conns: args.get("conns", 8)?,
                secs: args.get("secs", 5.0)?,
                warmup: args.get("warmup", 0.5)?,
                path: args.string("path", "/plain"),
            }),
            "burst" => Work::Burst(burst::BurstOpts {
                members: args.get("members", 200)?,
                each: args.get("each", 3)?,
                senders: args.get("senders", usize::MAX)?,
                timeout: args.get("timeout", 20.0)?,
                path: args.string("path", "/chat/"),
                also: also(&args.string("also", ""))?,
            }),
            "slowmem" => Work::SlowMem(burst::SlowMemOpts {
                silent: args.get("silent", 8)?,
                messages: args.get("messages", 1500)?,
                size: args.get("size", 256 * 1024)?,
                path: args.string("path", "/chat/"),
            }),
            other => return Err(format!("unknown mode {other:?}")),
        })
    }

    fn run(&self, target: &Target) -> Outcome {
        match self {
            Work::Echo(opts) => echo::run(target, opts),
            Work::Handshake(opts) => handshake::run(target, opts),
            Work::Idle(opts) => idle::run(target, opts),
            Work::Fanout(opts) => fanout::run(target, opts),
            Work::Http(opts) => http::run(target, opts),
            Work::Burst(opts) => burst::run(target, opts),
            Work::SlowMem(opts) => burst::run_slowmem(target, opts),
        }
    }
}

/// The `--also` servers: a comma-separated list of addresses.
fn also(list: &str) -> Result<Vec<SocketAddr>, String> {
    list.split(',')
        .filter(|a| !a.trim().is_empty())
        .map(|a| a.trim().parse().map_err(|_| format!("--also: {a:?}")))
        .collect()
}

fn print_outcome(mode: &str, outcome: &Outcome) {
    println!("{mode}:");
    for m in &outcome.metrics {
        println!("  {:<18} {:>12} {}", m.name, report::fmt(m.value), m.unit);
    }
    println!("  {:<18} {:>12}", "client errors", outcome.errors);
    for note in &outcome.notes {
        println!("  note: {note}");
    }
}
