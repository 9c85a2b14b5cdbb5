//! `matrix`: every case against wsviews and against its baseline, back to back, each
//! server started fresh for each case; then the table, results.json and chart.svg.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::{json, Value};

use crate::args::Args;
use crate::cases::{Baseline, Case};
use crate::client::Target;
use crate::report::{self, CaseResult};
use crate::server::{Server, ServerSpec};
use crate::stats::Outcome;

#[derive(Debug)]
struct Plan {
    cases: Vec<Case>,
    wsviews: Option<ServerSpec>,
    ws_baseline: ServerSpec,
    http_baseline: ServerSpec,
    out: PathBuf,
    readme: bool,
    repeat: usize,
    pin: Option<crate::pin::Pinning>,
    options: Value,
}

pub fn run(mut args: Args) -> Result<(), String> {
    let plan = plan(&mut args)?;
    args.finish()?;
    fs::create_dir_all(plan.out.join("logs")).map_err(|e| e.to_string())?;
    if let Some(pin) = &plan.pin {
        crate::pin::pin_self(&pin.client)?;
        eprintln!(
            "matrix: servers on CPU {}, loadgen on CPU {}",
            pin.server, pin.client
        );
    }
    let started = Instant::now();
    let results: Vec<CaseResult> = plan
        .cases
        .iter()
        .map(|case| run_case(&plan, case))
        .collect();
    eprintln!("matrix: done in {:.0} s", started.elapsed().as_secs_f64());
    println!("{}", report::table(&results));
    if plan.readme {
        println!("{}", report::markdown(&results));
    }
    write(
        &plan.out.join("results.json"),
        &report::json(&results, plan.options.clone()).to_string(),
    )?;
    write(&plan.out.join("results.md"), &report::markdown(&results))?;
    write(&plan.out.join("chart.svg"), &crate::chart::svg(&results))?;
    eprintln!(
        "matrix: wrote {0}/results.json, {0}/results.md, {0}/chart.svg",
        plan.out.display()
    );
    Ok(())
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

fn spec(args: &mut Args, name: &str, bin: &str, server_args: &str) -> ServerSpec {
    ServerSpec {
        bin: PathBuf::from(args.string(&format!("{name}-bin"), bin)),
        args: args.string(&format!("{name}-args"), server_args),
    }
}

fn plan(args: &mut Args) -> Result<Plan, String> {
    let wsviews = spec(
        args,
        "wsviews",
        "target/release/examples/demo",
        // Every connection comes from 127.0.0.1, and `idle 16000` needs more than the
        // default 10 000: both caps raised (the machine allows 20 000 threads).
        "runserver {addr} --multithreaded --max-connections 18000 --max-connections-per-ip 18000",
    );
    let ws_baseline = spec(
        args,
        "baseline",
        "target/release/examples/baseline_echo",
        "{addr}",
    );
    let http_baseline = spec(
        args,
        "http-baseline",
        "target/release/examples/tiny_http_plain",
        "{addr}",
    );
    for needed in [&ws_baseline, &http_baseline] {
        if !needed.bin.exists() {
            return Err(format!(
                "{} not found: cargo build --release --examples",
                needed.bin.display()
            ));
        }
    }
    let wsviews = if wsviews.bin.exists() {
        Some(wsviews)
    } else {
        eprintln!(
            "matrix: {} not found: skipping the wsviews side of every case (baseline only)",
            wsviews.bin.display()
        );
        None
    };
    let wanted = args.string("cases", "echo,handshake,idle,fanout,burst,http");
    let mut options = json!({
        "wsviews": wsviews.as_ref().map(|s| format!("{} {}", s.bin.display(), s.args)),
        "baseline": format!("{} {}", ws_baseline.bin.display(), ws_baseline.args),
        "http_baseline": format!("{} {}", http_baseline.bin.display(), http_baseline.args),
        "argv": std::env::args().skip(1).collect::<Vec<_>>(),
        "rust_log": std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".to_owned()),
    });
    let cases = crate::cases::cases(args, &wanted)?;
    let out = PathBuf::from(args.string("out", "target/bench"));
    let readme = args.flag("readme");
    let repeat = args.get("repeat", 3_usize)?.max(1);
    let pin = crate::pin::parse(&args.string("pin", "auto"))?;
    options["repeat"] = json!(repeat);
    options["pin"] = json!(pin
        .as_ref()
        .map(|p| format!("server CPU {}, loadgen CPU {}", p.server, p.client)));
    Ok(Plan {
        pin,
        repeat,
        cases,
        wsviews,
        ws_baseline,
        http_baseline,
        out,
        readme,
        options,
    })
}

fn run_case(plan: &Plan, case: &Case) -> CaseResult {
    let baseline = match case.baseline {
        Baseline::WebSocket => &plan.ws_baseline,
        Baseline::Http => &plan.http_baseline,
    };
    let (mut ws_runs, mut base_runs) = (Vec::new(), Vec::new());
    for _ in 0..plan.repeat {
        if let Some(spec) = &plan.wsviews {
            ws_runs.extend(run_side(plan, case, "wsviews", spec));
        }
        base_runs.extend(run_side(plan, case, "baseline", baseline));
    }
    CaseResult {
        name: case.name.clone(),
        params: json!(format!("{:?}", case.work)),
        wsviews: best(ws_runs),
        baseline: best(base_runs),
    }
}

/// The run with the best headline figure (the machine is shared: noise only ever makes a
/// run worse), with the other runs' figures in a note.
fn best(mut runs: Vec<Outcome>) -> Option<Outcome> {
    let key = |o: &Outcome| {
        o.headline_metric().map_or(f64::MIN, |m| {
            if m.higher_is_better {
                m.value
            } else {
                -m.value
            }
        })
    };
    runs.sort_by(|a, b| key(b).total_cmp(&key(a)));
    let mut runs = runs.into_iter();
    let mut best = runs.next()?;
    let others: Vec<String> = runs
        .filter_map(|o| o.headline_metric().map(|m| report::fmt(m.value)))
        .collect();
    if let (false, Some(m)) = (others.is_empty(), best.headline_metric()) {
        let note = format!(
            "best of {} runs by {}; the others: {}",
            others.len() + 1,
            m.name,
            others.join(", ")
        );
        best.notes.push(note);
    }
    Some(best)
}

/// Starts a fresh server, runs the case against it, stops it.
fn run_side(plan: &Plan, case: &Case, side: &str, spec: &ServerSpec) -> Option<Outcome> {
    let log = plan
        .out
        .join("logs")
        .join(format!("{}-{side}.log", case.name.replace([' ', '/'], "_")));
    eprintln!(
        "matrix: {} against {side} ({})",
        case.name,
        spec.bin.display()
    );
    let server = match Server::start(spec, plan.pin.as_ref().map(|p| p.server.as_str()), &log) {
        Ok(server) => server,
        Err(err) => {
            eprintln!("matrix: {}: {side}: {err}", case.name);
            return None;
        }
    };
    let target = Target {
        addr: server.addr,
        pid: Some(server.pid()),
    };
    let outcome = case.work.run(&target);
    drop(server);
    Some(outcome)
}
