//! The measuring window every timed mode shares: workers run from a start
//! signal, the server's CPU is metered over the window, and their tallies
//! become one outcome.

use std::thread;
use std::time::{Duration, Instant};

use crate::client::Target;
use crate::procstat::CpuMeter;
use crate::stats::Outcome;

/// What one worker measured inside the window.
#[derive(Debug, Default)]
pub struct Tally {
    /// Nanoseconds of each round trip (or session, or request) started in the window.
    pub latencies: Vec<u64>,
    pub errors: u64,
}

/// How an outcome names what was counted: `("msgs/s", "msg/s", "msgs/server-CPU-s")`.
pub type Labels = (&'static str, &'static str, &'static str);

/// Starts `work(item, from, to)` on a thread per item, where `[from, to)` is the
/// window after `warmup` seconds lasting `secs`; meters the server's CPU over the
/// window; adds rate, latency and CPU figures to `out`.
pub fn measure<T, F>(
    target: &Target,
    (warmup, secs): (f64, f64),
    items: Vec<T>,
    work: F,
    (rate, unit, per_cpu): Labels,
    mut out: Outcome,
) -> Outcome
where
    T: Send + 'static,
    F: Fn(T, Instant, Instant) -> Tally + Send + Clone + 'static,
{
    let from = Instant::now() + Duration::from_secs_f64(warmup);
    let to = from + Duration::from_secs_f64(secs);
    let workers: Vec<_> = items
        .into_iter()
        .map(|item| {
            let work = work.clone();
            thread::spawn(move || work(item, from, to))
        })
        .collect();
    thread::sleep(from.saturating_duration_since(Instant::now()));
    let meter = CpuMeter::start(target.pid);
    thread::sleep(to.saturating_duration_since(Instant::now()));
    let cpu = meter.stop();
    let mut latencies = Vec::new();
    for worker in workers {
        match worker.join() {
            Ok(tally) => {
                latencies.extend(tally.latencies);
                out.errors += tally.errors;
            }
            Err(_) => out.errors += 1,
        }
    }
    let count = latencies.len() as f64;
    out.headline(rate, unit, count / secs, true);
    out.add_latency("µs", latencies, 1.0);
    out.add_cpu(count, per_cpu, cpu);
    out
}
