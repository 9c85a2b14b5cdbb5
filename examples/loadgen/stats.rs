//! Latency percentiles and the figures a mode reports.

use std::time::Duration;

use crate::procstat::CpuUsage;

/// Above this share of a core used by other processes, a measurement gets a warning.
const NOISY: f64 = 20.0;

/// p50/p90/p99/max of a set of latencies, in microseconds.
#[derive(Debug, Clone, Copy, Default)]
pub struct Percentiles {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
}

/// Percentiles by the nearest-rank method; all zero for an empty set.
pub fn percentiles(mut nanos: Vec<u64>) -> Percentiles {
    if nanos.is_empty() {
        return Percentiles::default();
    }
    nanos.sort_unstable();
    let rank = |q: f64| {
        let i = ((q * nanos.len() as f64).ceil() as usize).clamp(1, nanos.len()) - 1;
        nanos[i] as f64 / 1000.0
    };
    Percentiles {
        p50: rank(0.50),
        p90: rank(0.90),
        p99: rank(0.99),
        max: rank(1.0),
    }
}

pub fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// One reported figure. `higher_is_better` tells how to read a wsviews/baseline ratio;
/// `chart` puts it on the SVG chart.
#[derive(Debug, Clone)]
pub struct Metric {
    pub name: &'static str,
    pub unit: &'static str,
    pub value: f64,
    pub higher_is_better: bool,
    pub chart: bool,
}

/// What one run of a mode measured.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub metrics: Vec<Metric>,
    /// I/O and protocol errors met on the client side (counted, never panicked on).
    pub errors: u64,
    pub notes: Vec<String>,
}

impl Outcome {
    pub fn add(&mut self, name: &'static str, unit: &'static str, value: f64, higher: bool) {
        self.metrics.push(Metric {
            name,
            unit,
            value,
            higher_is_better: higher,
            chart: false,
        });
    }

    /// Like [`Outcome::add`], and the figure goes on the chart.
    pub fn headline(&mut self, name: &'static str, unit: &'static str, value: f64, higher: bool) {
        self.add(name, unit, value, higher);
        if let Some(last) = self.metrics.last_mut() {
            last.chart = true;
        }
    }

    /// p50/p90/p99/max of `nanos`, divided by `scale` µs per `unit` (1 for µs, 1000 for ms),
    /// or a note when nothing succeeded.
    pub fn add_latency(&mut self, unit: &'static str, nanos: Vec<u64>, scale: f64) {
        if nanos.is_empty() {
            self.notes
                .push("nothing succeeded: no latency figures".to_owned());
            return;
        }
        let pct = percentiles(nanos);
        self.add("p50", unit, pct.p50 / scale, false);
        self.add("p90", unit, pct.p90 / scale, false);
        self.headline("p99", unit, pct.p99 / scale, false);
        self.add("max", unit, pct.max / scale, false);
    }

    /// Server and client CPU (seconds, and % of one core over the window: a server near
    /// 100% of its core is the bottleneck, not the client), and `work` units per server
    /// CPU-second under the name `per` (e.g. "msgs/server-CPU-s").
    pub fn add_cpu(&mut self, work: f64, per: &'static str, cpu: CpuUsage) {
        let busy = |secs: f64| 100.0 * secs / cpu.wall.max(1e-9);
        if let Some(server) = cpu.server {
            self.add("server CPU", "s", server, false);
            self.add("server busy", "% of a core", busy(server), false);
            let efficiency = if server > 0.0 { work / server } else { 0.0 };
            self.headline(per, "", efficiency, true);
        }
        self.add("client CPU", "s", cpu.client, false);
        self.add("client busy", "% of a core", busy(cpu.client), false);
        if let Some(other) = cpu.other {
            self.add("other CPU", "s", other, false);
            // Under a second, 10 ms ticks make the share too coarse to warn about.
            if cpu.wall >= 1.0 && busy(other) > NOISY {
                let note = format!(
                    "other processes used {:.0}% of a core during the measurement: noisy",
                    busy(other)
                );
                self.notes.push(note);
            }
        }
    }

    /// The first figure on the chart: what picks the best of repeated runs.
    pub fn headline_metric(&self) -> Option<&Metric> {
        self.metrics.iter().find(|m| m.chart)
    }

    /// Takes the figure `name` off the chart.
    pub fn unchart(&mut self, name: &str) {
        for m in self.metrics.iter_mut().filter(|m| m.name == name) {
            m.chart = false;
        }
    }

    pub fn get(&self, name: &str) -> Option<f64> {
        self.metrics
            .iter()
            .find(|m| m.name == name)
            .map(|m| m.value)
    }
}

#[cfg(test)]
mod tests {
    use super::percentiles;

    #[test]
    fn nearest_rank() {
        let p = percentiles((1..=100).map(|us| us * 1000).collect());
        assert_eq!((p.p50, p.p90, p.p99, p.max), (50.0, 90.0, 99.0, 100.0));
        let p = percentiles(vec![7000]);
        assert_eq!((p.p50, p.p99, p.max), (7.0, 7.0, 7.0));
        assert_eq!(percentiles(Vec::new()).max, 0.0);
    }
}
