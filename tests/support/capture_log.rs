//! A logger that keeps every record of this test binary, so a test can check
//! at which level something was logged. It replaces `init_test_log` in the
//! binaries that use it (a process has one logger); with `RUST_LOG` set it
//! also prints the records.
#![allow(dead_code)]

use std::sync::{Mutex, Once};
use std::time::{Duration, Instant};

use log::{Level, LevelFilter, Log, Metadata, Record};

static RECORDS: Mutex<Vec<(Level, String)>> = Mutex::new(Vec::new());

struct Capture {
    print: bool,
}

impl Log for Capture {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.target().starts_with("wsviews")
    }

    fn log(&self, record: &Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let line = format!("{}: {}", record.target(), record.args());
        if self.print {
            eprintln!("{} {line}", record.level());
        }
        RECORDS
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((record.level(), line));
    }

    fn flush(&self) {}
}

/// Installs the capturing logger (once per test binary), at `debug`.
pub fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let print = std::env::var_os("RUST_LOG").is_some();
        log::set_boxed_logger(Box::new(Capture { print })).expect("the only logger");
        log::set_max_level(LevelFilter::Debug);
    });
}

/// Whether a record at `level` containing `needle` was logged.
pub fn any(level: Level, needle: &str) -> bool {
    RECORDS
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .any(|(l, line)| *l == level && line.contains(needle))
}

/// Waits (bounded) until a record at `level` containing `needle` is logged.
pub fn wait_for(level: Level, needle: &str) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !any(level, needle) {
        assert!(
            Instant::now() < deadline,
            "no {level} record containing {needle:?}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}
