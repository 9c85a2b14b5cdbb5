//! SIGINT and SIGTERM for `runserver`: the first starts a graceful shutdown,
//! a second one exits at once.
//!
//! `signal-hook` does the signal handling: its handler only writes to a pipe
//! that a normal thread reads, so our shutdown code runs outside the handler
//! with no `unsafe` here; it is maintained, small, and its only dependencies
//! are `libc` (which we already use) and its own registry crate. `ctrlc`
//! would do as well but pulls in `nix`.

use std::io;
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::Duration;

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use crate::server::registry::ShutdownReport;
use crate::server::ShutdownHandle;

/// Shuts the server down gracefully on the first SIGINT or SIGTERM; the
/// report arrives on the returned channel when the shutdown is done, and the
/// process exits if it is still running a second later.
pub(crate) fn shutdown_on_signal(handle: ShutdownHandle) -> io::Result<Receiver<ShutdownReport>> {
    let mut signals = Signals::new([SIGINT, SIGTERM])?;
    let (done, report) = mpsc::channel();
    thread::Builder::new()
        .name("wsviews-signals".into())
        .spawn(move || {
            let mut forever = signals.forever();
            let Some(signal) = forever.next() else { return };
            log::info!("{}: shutting down gracefully", name(signal));
            thread::spawn(move || {
                let _ = done.send(handle.shutdown());
                // `serve` has returned by now unless a view of a
                // single-threaded server ignores its cut-off socket.
                thread::sleep(Duration::from_secs(1));
                log::warn!("a view is still running after the shutdown; exiting");
                std::process::exit(0);
            });
            if let Some(signal) = forever.next() {
                log::warn!("{} again: exiting now", name(signal));
                std::process::exit(1);
            }
        })?;
    Ok(report)
}

fn name(signal: i32) -> &'static str {
    match signal {
        SIGINT => "SIGINT",
        SIGTERM => "SIGTERM",
        _ => "signal",
    }
}
