//! chart.svg: one horizontal bar per headline figure, the wsviews/baseline ratio, drawn
//! on a log scale around 1.0 (green where wsviews does better, red where it does worse).

use std::fmt::Write as _;

use crate::report::CaseResult;

const WIDTH: f64 = 860.0;
const LABEL: f64 = 300.0;
const ROW: f64 = 24.0;
/// Ratios are drawn between 1/RANGE and RANGE; beyond that the bar is clipped.
const RANGE: f64 = 4.0;

struct Bar {
    label: String,
    ratio: f64,
    good: bool,
}

fn bars(results: &[CaseResult]) -> Vec<Bar> {
    let mut bars = Vec::new();
    for r in results {
        let Some(ws) = &r.wsviews else { continue };
        for m in ws.metrics.iter().filter(|m| m.chart) {
            if let Some(ratio) = r.ratio(m.name).filter(|x| x.is_finite() && *x > 0.0) {
                let good = (ratio >= 1.0) == m.higher_is_better;
                let label = format!("{} · {}", r.name, m.name);
                bars.push(Bar { label, ratio, good });
            }
        }
    }
    bars
}

/// The SVG document (no dependency: a few rects and texts).
pub fn svg(results: &[CaseResult]) -> String {
    let bars = bars(results);
    let height = 60.0 + ROW * bars.len() as f64 + 30.0;
    let plot = WIDTH - LABEL - 70.0;
    let x_of = |ratio: f64| {
        let t = (ratio.ln() / RANGE.ln()).clamp(-1.0, 1.0);
        LABEL + plot / 2.0 * (1.0 + t)
    };
    let one = x_of(1.0);
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" \
         font-family=\"sans-serif\" font-size=\"12\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"10\" y=\"22\" font-size=\"15\">wsviews / baseline (log scale; green = wsviews better)</text>\n"
    );
    for (i, bar) in bars.iter().enumerate() {
        let y = 40.0 + ROW * i as f64;
        let x = x_of(bar.ratio);
        let (left, width) = if x >= one {
            (one, x - one)
        } else {
            (x, one - x)
        };
        let color = if bar.good { "#3a9d5d" } else { "#d0543f" };
        let _ = writeln!(
            s,
            "<text x=\"{tx}\" y=\"{ty}\" text-anchor=\"end\">{label}</text>\n\
             <rect x=\"{left:.1}\" y=\"{y:.1}\" width=\"{width:.1}\" height=\"{h}\" fill=\"{color}\"/>\n\
             <text x=\"{vx:.1}\" y=\"{ty}\">{ratio:.2}</text>",
            tx = LABEL - 8.0,
            ty = y + ROW * 0.6,
            label = escape(&bar.label),
            h = ROW - 6.0,
            vx = x.max(one) + 4.0,
            ratio = bar.ratio,
        );
    }
    let bottom = 40.0 + ROW * bars.len() as f64;
    let _ = writeln!(
        s,
        "<line x1=\"{one:.1}\" y1=\"34\" x2=\"{one:.1}\" y2=\"{bottom}\" stroke=\"black\"/>\n\
         <text x=\"{one:.1}\" y=\"{ly}\" text-anchor=\"middle\">1.0</text>\n\
         <text x=\"{lo:.1}\" y=\"{ly}\" text-anchor=\"middle\">1/{RANGE}</text>\n\
         <text x=\"{hi:.1}\" y=\"{ly}\" text-anchor=\"middle\">{RANGE}</text>\n</svg>",
        ly = bottom + 16.0,
        lo = x_of(1.0 / RANGE),
        hi = x_of(RANGE),
    );
    s
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
