//! `loadgen deflate`: permessage-deflate measured, against Python websockets
//! (compression on by default) in one run. For each server, with and without
//! compression: 1 KiB JSON messages echoed for `--secs` over `--conns`
//! connections (bytes on the wire per message each way, messages per server
//! CPU-second), then the server's RSS per connection with `--memory-conns`
//! connections open that each exchanged three compressed messages (and,
//! for wsviews, as many that exchanged none). Writes `OUT/deflate.md`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::args::Args;
use crate::deflate_client::DeflateWs;
use crate::procstat::{self, CpuMeter};
use crate::server::{Server, ServerSpec};

#[derive(Debug, Clone)]
struct Opts {
    secs: f64,
    conns: usize,
    memory_conns: usize,
    wsviews_bin: PathBuf,
    python: PathBuf,
    script: PathBuf,
    out: PathBuf,
}

/// One server under test.
struct Side {
    name: &'static str,
    compression: bool,
    spec: ServerSpec,
}

/// What one side measured.
#[derive(Debug, Default)]
struct Row {
    agreed: String,
    msgs: u64,
    server_cpu: f64,
    out_per_msg: f64,
    in_per_msg: f64,
    rss_busy_kib: Option<f64>,
    rss_idle_kib: Option<f64>,
    errors: u64,
}

pub fn run(mut args: Args) -> Result<(), String> {
    let opts = Opts {
        secs: args.get("secs", 5.0)?,
        conns: args.get("conns", 4)?,
        memory_conns: args.get("memory-conns", 2000)?,
        wsviews_bin: args
            .string("wsviews-bin", "target/release/examples/demo")
            .into(),
        python: args.string("python", "target/bench-venv/bin/python").into(),
        script: args
            .string("script", "scripts/bench/websockets_echo.py")
            .into(),
        out: args.string("out", "target/bench").into(),
    };
    args.finish()?;
    std::fs::create_dir_all(opts.out.join("logs")).map_err(|e| e.to_string())?;
    let mut lines = vec![
        format!(
            "1 KiB JSON echo, {} connections x {} s; RSS with {} connections",
            opts.conns, opts.secs, opts.memory_conns
        ),
        String::new(),
        "| server | permessage-deflate | agreed | msgs/server-CPU-s | bytes/msg to client | bytes/msg from client | RSS/conn after 3 msgs | RSS/conn idle | errors |".into(),
        "|---|---|---|---|---|---|---|---|---|".into(),
    ];
    for side in sides(&opts) {
        let row = measure(&opts, &side)?;
        let line = format_row(&side, &row);
        println!("{line}");
        lines.push(line);
    }
    let table = lines.join("\n") + "\n";
    let path = opts.out.join("deflate.md");
    std::fs::write(&path, &table).map_err(|e| format!("{}: {e}", path.display()))?;
    println!("\n{table}\nwritten to {}", path.display());
    Ok(())
}

fn sides(opts: &Opts) -> Vec<Side> {
    let wsviews = |flag: &str| ServerSpec {
        bin: opts.wsviews_bin.clone(),
        // Every connection comes from 127.0.0.1: lift the per-address cap.
        args: format!("runserver {{addr}} --multithreaded --max-connections-per-ip 100000 {flag}"),
    };
    let python = |flag: &str| ServerSpec {
        bin: opts.python.clone(),
        args: format!("{} {{addr}} {flag}", opts.script.display()),
    };
    vec![
        Side {
            name: "wsviews",
            compression: false,
            spec: wsviews(""),
        },
        Side {
            name: "wsviews",
            compression: true,
            spec: wsviews("--permessage-deflate"),
        },
        Side {
            name: "Python websockets",
            compression: false,
            spec: python("--no-compression"),
        },
        Side {
            name: "Python websockets",
            compression: true,
            spec: python(""),
        },
    ]
}

fn format_row(side: &Side, row: &Row) -> String {
    let kib = |v: Option<f64>| v.map_or("-".into(), |v| format!("{v:.1} KiB"));
    format!(
        "| {} | {} | `{}` | {:.0} | {:.0} | {:.0} | {} | {} | {} |",
        side.name,
        if side.compression { "on" } else { "off" },
        if row.agreed.is_empty() {
            "-"
        } else {
            &row.agreed
        },
        row.msgs as f64 / row.server_cpu.max(1e-9),
        row.out_per_msg,
        row.in_per_msg,
        kib(row.rss_busy_kib),
        kib(row.rss_idle_kib),
        row.errors
    )
}

fn measure(opts: &Opts, side: &Side) -> Result<Row, String> {
    let tag = format!(
        "deflate-{}-{}",
        side.name.replace(' ', "_"),
        side.compression
    );
    let log = opts.out.join("logs").join(format!("{tag}.log"));
    let server = Server::start(&side.spec, None, &log)?;
    let mut errors = 0;
    // Idle first, on a fresh server: nothing freed by earlier work hides it.
    let idle = match side.name {
        "wsviews" => rss_per_conn(&server, opts.memory_conns, 0, &mut errors),
        _ => None,
    };
    let busy = rss_per_conn(&server, opts.memory_conns, 3, &mut errors);
    let mut row = echo(server.addr, server.pid(), opts)?;
    row.rss_idle_kib = idle;
    row.rss_busy_kib = busy;
    row.errors += errors;
    Ok(row)
}

/// A 1 KiB chat-like JSON message, different every time.
pub fn json_message(n: u64) -> Vec<u8> {
    let items: Vec<String> = (0..11)
        .map(|k| {
            let id = n * 11 + k;
            format!(
                r#"{{"id":{id},"name":"item {}","price":{}.{:02},"tags":["red","blue"],"ok":true}}"#,
                (id * 7919) % 1_000_000,
                id % 100,
                (id * 17) % 100
            )
        })
        .collect();
    format!(
        r#"{{"type":"chat.message","room":"lobby","id":{n},"user":"user{}","sent":{},"items":[{}]}}"#,
        n % 999,
        1_700_000_000 + n,
        items.join(",")
    )
    .into_bytes()
}

/// Echo for `secs` on `conns` threads; messages and bytes each way.
fn echo(addr: SocketAddr, pid: u32, opts: &Opts) -> Result<Row, String> {
    let stop = Arc::new(AtomicBool::new(false));
    let meter = CpuMeter::start(Some(pid));
    let threads: Vec<_> = (0..opts.conns)
        .map(|t| {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || echo_one(addr, t as u64, &stop))
        })
        .collect();
    std::thread::sleep(Duration::from_secs_f64(opts.secs));
    stop.store(true, Ordering::Relaxed);
    let mut row = Row::default();
    let (mut out, mut inn) = (0u64, 0u64);
    for thread in threads {
        match thread.join().map_err(|_| "echo thread panicked")? {
            Ok((agreed, msgs, bytes_out, bytes_in)) => {
                row.agreed = agreed;
                row.msgs += msgs;
                out += bytes_out;
                inn += bytes_in;
            }
            Err(e) => {
                eprintln!("loadgen deflate: {e}");
                row.errors += 1;
            }
        }
    }
    row.server_cpu = meter.stop().server.unwrap_or(0.0);
    row.out_per_msg = inn as f64 / row.msgs.max(1) as f64;
    row.in_per_msg = out as f64 / row.msgs.max(1) as f64;
    Ok(row)
}

type EchoResult = Result<(String, u64, u64, u64), String>;

fn echo_one(addr: SocketAddr, thread: u64, stop: &AtomicBool) -> EchoResult {
    let mut ws = DeflateWs::connect(addr, "/echo", true)?;
    let mut n = thread << 40;
    while !stop.load(Ordering::Relaxed) {
        let message = json_message(n);
        ws.send_text(&message)?;
        if ws.recv()? != message {
            return Err("the echo differs".into());
        }
        n += 1;
    }
    let msgs = n - (thread << 40);
    Ok((
        ws.agreed.clone().unwrap_or_default(),
        msgs,
        ws.bytes_out,
        ws.bytes_in,
    ))
}

/// The server's RSS growth per connection with `conns` connections open
/// that each echoed `messages` messages.
fn rss_per_conn(server: &Server, conns: usize, messages: u64, errors: &mut u64) -> Option<f64> {
    let before = procstat::settle(server.pid(), Duration::from_secs(5))?.rss_kib;
    let mut open = Vec::with_capacity(conns);
    let started = Instant::now();
    for c in 0..conns as u64 {
        let opened = DeflateWs::connect(server.addr, "/echo", true).and_then(|mut ws| {
            for m in 0..messages {
                let message = json_message(c * 16 + m);
                ws.send_text(&message)?;
                ws.recv()?;
            }
            Ok(ws)
        });
        match opened {
            Ok(ws) => open.push(ws),
            Err(_) => *errors += 1,
        }
    }
    let after = procstat::settle(server.pid(), Duration::from_secs(10))?.rss_kib;
    eprintln!(
        "  {} connections, {messages} messages each, in {:.1} s",
        open.len(),
        started.elapsed().as_secs_f64()
    );
    drop(open);
    // Let the server see the closes before the next measurement.
    std::thread::sleep(Duration::from_secs(1));
    Some(after.saturating_sub(before) as f64 / conns.max(1) as f64)
}
