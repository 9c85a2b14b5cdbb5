//! An idle server stays quiet (issue 12, point 7): accepted sockets inherit
//! the listener's receive timeout, which also wakes an idle `accept` every
//! `head_timeout`; those wake-ups are not errors, log nothing, and add no
//! back-off before the next client.
//!
//! This binary installs its own logger (no other test shares it), so every
//! record above INFO that the server logs is seen.

mod support;

use std::sync::Mutex;
use std::time::Duration;

use support::{wait_until, TestServer};
use wsviews::{path, HttpResponse, Request, ServerConfig};

/// Keeps every record above INFO.
struct Capture(Mutex<Vec<String>>);

impl log::Log for Capture {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Warn
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            let line = format!("{} {}", record.level(), record.args());
            self.0.lock().unwrap_or_else(|p| p.into_inner()).push(line);
        }
    }

    fn flush(&self) {}
}

static CAPTURE: Capture = Capture(Mutex::new(Vec::new()));

/// The accept thread's voluntary context switches: one per wake-up.
fn accept_thread_wakeups() -> Option<u64> {
    for task in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if comm.trim() == "wsviews-accept" {
            let status = std::fs::read_to_string(task.path().join("status")).ok()?;
            return status
                .lines()
                .find_map(|l| l.strip_prefix("voluntary_ctxt_switches:"))
                .and_then(|n| n.trim().parse().ok());
        }
    }
    None
}

#[test]
fn an_idle_accept_loop_logs_nothing_and_answers_at_once() {
    log::set_logger(&CAPTURE).expect("the only logger");
    log::set_max_level(log::LevelFilter::Info);
    let config = ServerConfig::default().head_timeout(Duration::from_millis(20));
    let server = TestServer::start_with_config(
        vec![path("plain", |_: &Request| {
            HttpResponse::text(200, "plain")
        })],
        config,
    );
    assert_eq!(server.get("/plain").status, 200);
    // Idle for at least five listener timeouts: the accept thread woke each time.
    wait_until("the accept thread has started", || {
        accept_thread_wakeups().is_some()
    });
    let start = accept_thread_wakeups().unwrap_or(0);
    wait_until("the idle accept loop has woken five times", || {
        accept_thread_wakeups().is_some_and(|n| n >= start + 5)
    });
    assert_eq!(server.get("/plain").status, 200);
    let logged = CAPTURE.0.lock().unwrap_or_else(|p| p.into_inner()).clone();
    assert!(logged.is_empty(), "an idle server logged: {logged:?}");
}
