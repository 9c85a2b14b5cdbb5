//! What the server process costs, read from `/proc/PID/stat` and `/proc/PID/status`.

use std::fs;
use std::time::Duration;

/// Clock ticks per second of `/proc/PID/stat`'s utime and stime: `$CLK_TCK` when set
/// (scripts/bench.sh exports `getconf CLK_TCK`), else 100, the value on Linux.
pub fn clk_tck() -> f64 {
    std::env::var("CLK_TCK")
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|v| *v > 0.0)
        .unwrap_or(100.0)
}

/// utime + stime of `pid` ("self" for this process) in seconds.
pub fn cpu_seconds(pid: &str) -> Option<f64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    Some(stat_ticks(&stat)? as f64 / clk_tck())
}

/// utime + stime, in clock ticks, of a /proc/PID/stat line.
fn stat_ticks(stat: &str) -> Option<u64> {
    // The command name is in parentheses and may contain spaces: split after the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // Fields 14 and 15 of the whole line are 12 and 13 after the name (state is 0).
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// Resident memory and thread count of a process.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Status {
    pub rss_kib: u64,
    pub threads: u64,
}

pub fn status(pid: u32) -> Option<Status> {
    parse_status(&fs::read_to_string(format!("/proc/{pid}/status")).ok()?)
}

/// VmRSS and Threads of a /proc/PID/status text.
fn parse_status(text: &str) -> Option<Status> {
    let field = |name: &str| -> Option<u64> {
        let line = text.lines().find(|l| l.starts_with(name))?;
        line[name.len()..].split_whitespace().next()?.parse().ok()
    };
    Some(Status {
        rss_kib: field("VmRSS:")?,
        threads: field("Threads:")?,
    })
}

/// Waits until the server's thread count has stopped changing (it spawns threads as it
/// accepts), at most `limit`.
pub fn settle(pid: u32, limit: Duration) -> Option<Status> {
    let deadline = std::time::Instant::now() + limit;
    let mut last = status(pid)?;
    let mut stable = 0;
    while stable < 3 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
        let now = status(pid)?;
        stable = if now.threads == last.threads {
            stable + 1
        } else {
            0
        };
        last = now;
    }
    Some(last)
}

/// The soft limit on open files of this process, from `/proc/self/limits`.
pub fn open_files_limit() -> Option<u64> {
    let limits = fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line["Max open files".len()..]
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Busy CPU seconds of the whole machine (all cores), from the first line of /proc/stat.
pub fn machine_busy_seconds() -> Option<f64> {
    let stat = fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().next()?.strip_prefix("cpu ")?;
    let ticks: Vec<f64> = line
        .split_whitespace()
        .filter_map(|t| t.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal: everything but idle and iowait.
    let busy: f64 = [0, 1, 2, 5, 6, 7]
        .iter()
        .filter_map(|&i| ticks.get(i))
        .sum();
    Some(busy / clk_tck())
}

/// CPU seconds used between `start` and `stop` by the server, by this client, and by
/// everything else on the machine (other work sharing the cores: noise to watch).
#[derive(Debug, Clone, Copy)]
pub struct CpuUsage {
    pub server: Option<f64>,
    pub client: f64,
    pub other: Option<f64>,
    /// Wall-clock seconds between start and stop.
    pub wall: f64,
}

#[derive(Debug)]
pub struct CpuMeter {
    pid: Option<u32>,
    server0: Option<f64>,
    client0: f64,
    machine0: Option<f64>,
    started: std::time::Instant,
}

impl CpuMeter {
    pub fn start(pid: Option<u32>) -> CpuMeter {
        CpuMeter {
            pid,
            server0: pid.and_then(|p| cpu_seconds(&p.to_string())),
            client0: cpu_seconds("self").unwrap_or(0.0),
            machine0: machine_busy_seconds(),
            started: std::time::Instant::now(),
        }
    }

    pub fn stop(&self) -> CpuUsage {
        let server1 = self.pid.and_then(|p| cpu_seconds(&p.to_string()));
        let server = self.server0.zip(server1).map(|(a, b)| b - a);
        let client = cpu_seconds("self").unwrap_or(0.0) - self.client0;
        let machine = self
            .machine0
            .zip(machine_busy_seconds())
            .map(|(a, b)| b - a);
        // Below one clock tick the difference is rounding, not work.
        let other = machine
            .map(|m| m - client - server.unwrap_or(0.0))
            .map(|o| if o < 1.0 / clk_tck() { 0.0 } else { o });
        CpuUsage {
            server,
            client,
            other,
            wall: self.started.elapsed().as_secs_f64(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_ticks_survive_spaces_and_parens_in_the_name() {
        let line = "4242 (my (odd) srv) S 1 4242 4242 0 -1 4194560 200 0 0 0 150 25 0 0 20 0 3";
        assert_eq!(stat_ticks(line), Some(175));
        assert_eq!(stat_ticks("4242 (short"), None);
        assert_eq!(stat_ticks("4242 (x) S 1 2"), None);
    }

    #[test]
    fn status_gives_rss_and_threads() {
        let text = "Name:\tdemo\nVmRSS:\t  2048 kB\nThreads:\t9\n";
        let want = Status {
            rss_kib: 2048,
            threads: 9,
        };
        assert_eq!(parse_status(text), Some(want));
        assert_eq!(parse_status("Name:\tdemo\n"), None);
    }

    #[test]
    fn this_process_is_readable() {
        assert!(cpu_seconds("self").is_some());
        assert!(status(std::process::id()).is_some_and(|s| s.threads >= 1));
    }
}
