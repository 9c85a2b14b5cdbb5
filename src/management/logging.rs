//! `runserver`'s log, as Django's: a timestamped access line per request,
//! coloured by status on a terminal and plain when piped (env_logger strips
//! the colours then; `RUST_LOG_STYLE=always|never` overrides), with
//! `-v 0..3` choosing the level unless `RUST_LOG` is set.

use std::io::{self, Write};

use env_logger::fmt::style::{AnsiColor, Effects, Style};
use env_logger::fmt::Formatter;
use log::Record;

/// The target of the access log lines (`log::info!(target: ACCESS, ...)`).
pub(crate) const ACCESS: &str = "wsviews::access";

/// The level filter for `-v` (`--verbosity`), as Django's 0..3.
pub(crate) fn level_for(verbosity: u8) -> &'static str {
    match verbosity {
        0 => "error",
        1 => "info",
        2 => "debug",
        _ => "trace",
    }
}

/// Installs env_logger: `RUST_LOG` if set, else the level of `verbosity`.
pub(crate) fn init(verbosity: u8) {
    let env = env_logger::Env::default().default_filter_or(level_for(verbosity));
    let _ = env_logger::Builder::from_env(env).format(format).try_init();
}

fn format(buf: &mut Formatter, record: &Record<'_>) -> io::Result<()> {
    let time = buf.timestamp_seconds();
    if record.target() == ACCESS {
        let line = record.args().to_string();
        let style = status_style(status_of(&line));
        return writeln!(buf, "[{time}] {style}{line}{style:#}");
    }
    let level = buf.default_level_style(record.level());
    writeln!(
        buf,
        "[{time}] {level}{:<5}{level:#} {}: {}",
        record.level(),
        record.target(),
        record.args()
    )
}

/// The status of an access line `"GET / HTTP/1.1" 200 5`.
fn status_of(line: &str) -> Option<u16> {
    let (_, after) = line.rsplit_once("\" ")?;
    after.split_whitespace().next()?.parse().ok()
}

/// Django's colours: 2xx plain, 1xx and 3xx green and cyan, 404 yellow,
/// other 4xx bold red-ish, 5xx bold magenta.
fn status_style(status: Option<u16>) -> Style {
    match status {
        Some(101) => AnsiColor::Green.on_default(),
        Some(300..=399) => AnsiColor::Cyan.on_default(),
        Some(404) => AnsiColor::Yellow.on_default(),
        Some(400..=499) => AnsiColor::Red.on_default().effects(Effects::BOLD),
        Some(500..) => AnsiColor::Magenta.on_default().effects(Effects::BOLD),
        _ => Style::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbosity_levels() {
        let table = [(0, "error"), (1, "info"), (2, "debug"), (3, "trace")];
        for (verbosity, level) in table {
            assert_eq!(level_for(verbosity), level);
        }
    }

    #[test]
    fn access_statuses() {
        let table = [
            ("\"GET / HTTP/1.1\" 200 5", Some(200)),
            ("\"GET /a\" b HTTP/1.1\" 404 12", Some(404)),
            ("\"GET /ws HTTP/1.1\" 101 -", Some(101)),
            ("WebSocket /ws closed after 1.00s", None),
        ];
        for (line, want) in table {
            assert_eq!(status_of(line), want, "{line}");
        }
        assert_eq!(status_style(Some(200)), Style::new());
        assert_ne!(status_style(Some(500)), Style::new());
    }
}
