//! `matrix`: every case against wsviews and against its baseline, back to back, each
//! server started fresh for each case; then the table, results.json and chart.svg.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::{json, Value};

use crate::args::Args;
use crate::client::Target;
use crate::echo::EchoOpts;
use crate::fanout::FanoutOpts;
use crate::handshake::HandshakeOpts;
use crate::http::HttpOpts;
use crate::idle::IdleOpts;
use crate::report::{self, CaseResult};
use crate::server::{Server, ServerSpec};
use crate::stats::Outcome;
use crate::Work;

/// Which baseline a case compares wsviews with.
#[derive(Debug, Clone, Copy)]
enum Baseline {
    WebSocket,
    Http,
}

#[derive(Debug)]
struct Case {
    name: String,
    work: Work,
    baseline: Baseline,
}

#[derive(Debug)]
struct Plan {
    cases: Vec<Case>,
    wsviews: Option<ServerSpec>,
    ws_baseline: ServerSpec,
    http_baseline: ServerSpec,
    out: PathBuf,
    readme: bool,
    options: Value,
}

pub fn run(mut args: Args) -> Result<(), String> {
    let plan = plan(&mut args)?;
    args.finish()?;
    fs::create_dir_all(plan.out.join("logs")).map_err(|e| e.to_string())?;
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
        "runserver {addr} --multithreaded",
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
    let wanted = args.string("cases", "echo,handshake,idle,fanout,http");
    let options = json!({
        "wsviews": wsviews.as_ref().map(|s| format!("{} {}", s.bin.display(), s.args)),
        "baseline": format!("{} {}", ws_baseline.bin.display(), ws_baseline.args),
        "http_baseline": format!("{} {}", http_baseline.bin.display(), http_baseline.args),
    });
    let cases = cases(args, &wanted)?;
    let out = PathBuf::from(args.string("out", "target/bench"));
    let readme = args.flag("readme");
    Ok(Plan {
        cases,
        wsviews,
        ws_baseline,
        http_baseline,
        out,
        readme,
        options,
    })
}

/// The cases named in `wanted`, sized by the options.
fn cases(args: &mut Args, wanted: &str) -> Result<Vec<Case>, String> {
    let warmup: f64 = args.get("warmup", 0.5)?;
    let echo_secs: f64 = args.get("echo-secs", 5.0)?;
    let echo_list = args.string("echo", "1x32,50x32,10x65536");
    let handshake_secs: f64 = args.get("handshake-secs", 5.0)?;
    let http_secs: f64 = args.get("http-secs", 5.0)?;
    let http_conns: usize = args.get("http-conns", 8)?;
    let hold: f64 = args.get("hold", 2.0)?;
    let idle = args.list("idle", &[2000, 8000])?;
    let fanout = args.list("fanout", &[1000])?;
    let rounds: usize = args.get("rounds", 50)?;
    let want = |name: &str| wanted.split(',').any(|w| w.trim() == name);
    let ws = |name: String, work: Work| Case {
        name,
        work,
        baseline: Baseline::WebSocket,
    };
    let mut cases = Vec::new();
    if want("echo") {
        for item in echo_list.split(',') {
            let (conns, size) = item
                .split_once('x')
                .and_then(|(c, s)| Some((c.trim().parse().ok()?, s.trim().parse().ok()?)))
                .ok_or_else(|| format!("--echo: {item:?} is not CONNSxBYTES"))?;
            let opts = EchoOpts {
                conns,
                size,
                secs: echo_secs,
                warmup,
                path: "/echo".into(),
                text: false,
            };
            cases.push(ws(format!("echo {conns}x{size}B"), Work::Echo(opts)));
        }
    }
    if want("handshake") {
        let opts = HandshakeOpts {
            threads: 4,
            secs: handshake_secs,
            warmup,
            path: "/echo".into(),
        };
        cases.push(ws("handshake".into(), Work::Handshake(opts)));
    }
    if want("idle") {
        for conns in idle {
            let opts = IdleOpts {
                conns,
                hold,
                path: "/echo".into(),
            };
            cases.push(ws(format!("idle {conns}"), Work::Idle(opts)));
        }
    }
    if want("fanout") {
        for members in fanout {
            let opts = FanoutOpts {
                members,
                rounds,
                readers: 2,
                round_timeout: 5.0,
                path: "/chat/".into(),
            };
            cases.push(ws(format!("fanout {members}"), Work::Fanout(opts)));
        }
    }
    if want("http") {
        let opts = HttpOpts {
            conns: http_conns,
            secs: http_secs,
            warmup,
            path: "/plain".into(),
        };
        cases.push(Case {
            name: "http /plain".into(),
            work: Work::Http(opts),
            baseline: Baseline::Http,
        });
    }
    Ok(cases)
}

fn run_case(plan: &Plan, case: &Case) -> CaseResult {
    let baseline = match case.baseline {
        Baseline::WebSocket => &plan.ws_baseline,
        Baseline::Http => &plan.http_baseline,
    };
    let wsviews = plan
        .wsviews
        .as_ref()
        .and_then(|spec| run_side(plan, case, "wsviews", spec));
    let baseline = run_side(plan, case, "baseline", baseline);
    CaseResult {
        name: case.name.clone(),
        params: json!(format!("{:?}", case.work)),
        wsviews,
        baseline,
    }
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
    let server = match Server::start(spec, &log) {
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
