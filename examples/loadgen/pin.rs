//! CPU pinning with `taskset`: the server on its own core, the client on the others.
//!
//! On a small machine the scheduler otherwise sometimes puts client and server on one
//! core and sometimes not, and a one-connection ping-pong swings between ~15k and ~50k
//! messages/s from run to run for the same binary. Pinned, every run sees the same
//! placement, and the server has a core of its own that the client cannot take.

use std::process::{Command, Stdio};

/// CPU lists in `taskset -c` syntax.
#[derive(Debug, Clone)]
pub struct Pinning {
    pub server: String,
    pub client: String,
}

/// `--pin auto` (the last CPU for the server, the others for the client, when there are
/// at least two and `taskset` runs), `--pin off`, or `--pin SERVER:CLIENT` (e.g. `1:0`).
pub fn parse(value: &str) -> Result<Option<Pinning>, String> {
    match value {
        "off" => Ok(None),
        "auto" => Ok(auto()),
        _ => {
            let (server, client) = value
                .split_once(':')
                .ok_or_else(|| format!("--pin: {value:?} is not auto, off or SERVER:CLIENT"))?;
            Ok(Some(Pinning {
                server: server.to_owned(),
                client: client.to_owned(),
            }))
        }
    }
}

fn auto() -> Option<Pinning> {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let works = Command::new("taskset")
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if cpus < 2 || !works {
        eprintln!("loadgen: not pinning (needs 2 CPUs and taskset; found {cpus}, {works})");
        return None;
    }
    let client = if cpus == 2 {
        "0".to_owned()
    } else {
        format!("0-{}", cpus - 2)
    };
    Some(Pinning {
        server: (cpus - 1).to_string(),
        client,
    })
}

/// Pins this process (all its threads, and those it starts later) to `cpus`.
pub fn pin_self(cpus: &str) -> Result<(), String> {
    let status = Command::new("taskset")
        .args(["-a", "-p", "-c", cpus, &std::process::id().to_string()])
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("taskset: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("taskset -c {cpus} failed ({status})"))
    }
}
