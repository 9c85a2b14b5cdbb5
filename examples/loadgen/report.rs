//! Output: a text table on stdout, Markdown for the README, results.json, chart.svg.

use std::fmt::Write as _;

use serde_json::{json, Value};

use crate::stats::Outcome;

/// One case of the matrix, measured against wsviews and against the baseline.
#[derive(Debug)]
pub struct CaseResult {
    pub name: String,
    pub params: Value,
    pub wsviews: Option<Outcome>,
    pub baseline: Option<Outcome>,
}

impl CaseResult {
    /// The metric names of both sides, in order of first appearance.
    fn metric_names(&self) -> Vec<(&'static str, &'static str, bool)> {
        let mut names: Vec<(&'static str, &'static str, bool)> = Vec::new();
        let mut sides: Vec<&Outcome> = [&self.wsviews, &self.baseline]
            .into_iter()
            .flatten()
            .collect();
        // The side with more figures first, so the rows keep their order when one failed.
        sides.sort_by_key(|o| std::cmp::Reverse(o.metrics.len()));
        for outcome in sides {
            for m in &outcome.metrics {
                if !names.iter().any(|(n, ..)| *n == m.name) {
                    names.push((m.name, m.unit, m.chart));
                }
            }
        }
        names
    }

    /// wsviews / baseline for one metric, when both sides have it and it is not 0/0.
    pub fn ratio(&self, name: &str) -> Option<f64> {
        let ws = self.wsviews.as_ref()?.get(name)?;
        let base = self.baseline.as_ref()?.get(name)?;
        // Figures that round to nothing (idle CPU, ...) have no meaningful ratio.
        (base.abs() > 1e-6).then(|| ws / base)
    }

    /// The table rows; `compact` keeps the headline figures and p50 only, and the error
    /// row only when there were errors.
    fn rows(&self, compact: bool) -> Vec<[String; 5]> {
        let value = |side: &Option<Outcome>, name: &str| {
            side.as_ref()
                .and_then(|o| o.get(name))
                .map_or_else(|| "-".to_owned(), fmt)
        };
        let mut rows: Vec<[String; 5]> = self
            .metric_names()
            .into_iter()
            .filter(|(name, _, chart)| !compact || *chart || *name == "p50")
            .map(|(name, unit, _)| {
                let label = if unit.is_empty() {
                    name.to_owned()
                } else {
                    format!("{name} ({unit})")
                };
                let ratio = self
                    .ratio(name)
                    .map_or_else(|| "-".to_owned(), |r| format!("{r:.2}"));
                [
                    self.name.clone(),
                    label,
                    value(&self.wsviews, name),
                    value(&self.baseline, name),
                    ratio,
                ]
            })
            .collect();
        let errors = |side: &Option<Outcome>| {
            side.as_ref()
                .map_or("-".to_owned(), |o| o.errors.to_string())
        };
        let any_errors = [&self.wsviews, &self.baseline]
            .into_iter()
            .flatten()
            .any(|o| o.errors > 0);
        if compact && !any_errors {
            return rows;
        }
        rows.push([
            self.name.clone(),
            "client errors".to_owned(),
            errors(&self.wsviews),
            errors(&self.baseline),
            String::new(),
        ]);
        rows
    }
}

/// A number with as many decimals as its size deserves.
pub fn fmt(v: f64) -> String {
    match v.abs() {
        a if a >= 1000.0 => format!("{v:.0}"),
        a if a >= 10.0 => format!("{v:.1}"),
        a if a >= 0.1 => format!("{v:.2}"),
        _ => format!("{v:.3}"),
    }
}

const HEADER: [&str; 5] = ["case", "metric", "wsviews", "baseline", "wsviews/baseline"];

/// An aligned text table of every case's figures.
pub fn table(results: &[CaseResult]) -> String {
    let rows: Vec<[String; 5]> = results.iter().flat_map(|r| r.rows(false)).collect();
    let mut widths = HEADER.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; 5]| {
        let mut s = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            let pad = w.saturating_sub(cell.chars().count());
            if i < 2 {
                let _ = write!(s, "{cell}{}  ", " ".repeat(pad));
            } else {
                let _ = write!(s, "{}{cell}  ", " ".repeat(pad));
            }
        }
        s.trim_end().to_owned() + "\n"
    };
    let mut out = line(HEADER);
    let mut last_case = String::new();
    for row in &rows {
        let case = if row[0] == last_case {
            ""
        } else {
            row[0].as_str()
        };
        last_case.clone_from(&row[0]);
        out += &line([case, &row[1], &row[2], &row[3], &row[4]]);
    }
    out + &notes(results)
}

/// The table as Markdown for the README: headline figures and p50 only (all of them are
/// in results.json).
pub fn markdown(results: &[CaseResult]) -> String {
    let mut out = format!("| {} |\n|---|---|--:|--:|--:|\n", HEADER.join(" | "));
    for result in results {
        for (i, row) in result.rows(true).into_iter().enumerate() {
            let case = if i == 0 {
                format!("**{}**", row[0])
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "| {case} | {} | {} | {} | {} |",
                row[1], row[2], row[3], row[4]
            );
        }
    }
    out + &notes(results)
}

fn notes(results: &[CaseResult]) -> String {
    let mut out = String::new();
    for r in results {
        for (side, o) in [("wsviews", &r.wsviews), ("baseline", &r.baseline)] {
            for note in o.iter().flat_map(|o| &o.notes) {
                let _ = writeln!(out, "note: {} ({side}): {note}", r.name);
            }
        }
    }
    out
}

fn outcome_json(outcome: &Option<Outcome>) -> Value {
    let Some(o) = outcome else { return Value::Null };
    let metrics: serde_json::Map<String, Value> = o
        .metrics
        .iter()
        .map(|m| (m.name.to_owned(), json!({"value": m.value, "unit": m.unit})))
        .collect();
    json!({"metrics": metrics, "errors": o.errors, "notes": o.notes})
}

/// results.json: the machine, the options, and every case with both sides and ratios.
pub fn json(results: &[CaseResult], options: Value) -> Value {
    let cases: Vec<Value> = results
        .iter()
        .map(|r| {
            let ratios: serde_json::Map<String, Value> = r
                .metric_names()
                .into_iter()
                .filter_map(|(name, ..)| Some((name.to_owned(), json!(r.ratio(name)?))))
                .collect();
            json!({
                "case": r.name,
                "params": r.params,
                "wsviews": outcome_json(&r.wsviews),
                "baseline": outcome_json(&r.baseline),
                "ratio_wsviews_over_baseline": ratios,
            })
        })
        .collect();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let when = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    json!({
        "machine": {"cores": cores, "clk_tck": crate::procstat::clk_tck()},
        "unix_time": when,
        "options": options,
        "cases": cases,
    })
}
