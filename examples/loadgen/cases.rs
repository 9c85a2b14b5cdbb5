//! The cases of the matrix, sized by the command-line options.

use crate::args::Args;
use crate::burst::BurstOpts;
use crate::echo::EchoOpts;
use crate::fanout::FanoutOpts;
use crate::handshake::HandshakeOpts;
use crate::http::HttpOpts;
use crate::idle::IdleOpts;
use crate::Work;

/// Which baseline a case compares wsviews with.
#[derive(Debug, Clone, Copy)]
pub enum Baseline {
    WebSocket,
    Http,
}

/// One line of the matrix: a name, a measurement, and its baseline server.
#[derive(Debug)]
pub struct Case {
    pub name: String,
    pub work: Work,
    pub baseline: Baseline,
}

/// The cases named in `wanted`, sized by the options.
pub fn cases(args: &mut Args, wanted: &str) -> Result<Vec<Case>, String> {
    let warmup: f64 = args.get("warmup", 0.5)?;
    let echo_secs: f64 = args.get("echo-secs", 5.0)?;
    let echo_list = args.string("echo", "1x32,50x32,10x65536");
    let handshake_secs: f64 = args.get("handshake-secs", 5.0)?;
    let http_secs: f64 = args.get("http-secs", 5.0)?;
    let http_conns: usize = args.get("http-conns", 8)?;
    let hold: f64 = args.get("hold", 2.0)?;
    let idle = args.list("idle", &[2000, 8000, 16000])?;
    let fanout = args.list("fanout", &[1000])?;
    let rounds: usize = args.get("rounds", 200)?;
    let burst_list = args.string("burst", "200x3");
    let text = args.flag("text");
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
                text,
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
    if want("burst") {
        for item in burst_list.split(',') {
            let (members, each) = item
                .split_once('x')
                .and_then(|(m, e)| Some((m.trim().parse().ok()?, e.trim().parse().ok()?)))
                .ok_or_else(|| format!("--burst: {item:?} is not MEMBERSxEACH"))?;
            let opts = BurstOpts {
                members,
                each,
                senders: usize::MAX,
                timeout: 20.0,
                path: "/chat/".into(),
                also: Vec::new(),
            };
            cases.push(ws(format!("burst {members}x{each}"), Work::Burst(opts)));
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
