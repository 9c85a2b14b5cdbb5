//! Giving memory back to the operating system after a burst of connections.
//!
//! glibc's allocator serves each thread from one of a few arenas (8 per CPU)
//! and returns an arena's free memory only when something frees a large
//! chunk in it, which makes it consolidate its free chunks and trim its top.
//! After a burst every connection's memory is free but scattered in small
//! chunks, so nothing does, and the arenas stay at their peak (55 MiB after
//! 8 000 WebSockets left, with 2 KiB in use per arena). Without `unsafe` (no
//! `malloc_trim`) a thread can still do it for its own arena, by freeing one
//! large chunk; and a thread started when arenas are idle is given an idle
//! one. So once the connections have fallen to an eighth of their peak, a
//! short-lived thread starts two helpers per possible arena, all alive at
//! once, and each trims its own. Elsewhere (musl, macOS) it costs a few
//! threads and allocations once per burst.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

/// Larger than glibc's consolidation threshold (64 KiB), smaller than its
/// mmap threshold (128 KiB at least), so it comes from the arena.
const TRIM_CHUNK: usize = 96 * 1024;

/// A burst is at least this many connections.
const MIN_PEAK: usize = 64;

/// How long the trim waits for the leaving threads to be gone: they free
/// their last allocations after they leave the registry.
const LET_THREADS_EXIT: Duration = Duration::from_secs(1);

/// Decides when to trim: once the open connections have fallen to an
/// eighth of their peak; one trim at a time, at most one a second.
#[derive(Debug, Default)]
pub(crate) struct Trimmer {
    peak: AtomicUsize,
    pending: Arc<AtomicBool>,
    running: Arc<AtomicBool>,
    /// Arenas were trimmed since the accept loop was last idle.
    trimmed: Arc<AtomicBool>,
}

impl Trimmer {
    /// A connection opened; `open` are open now.
    pub fn opened(&self, open: usize) {
        self.peak.fetch_max(open, Ordering::Relaxed);
    }

    /// A connection left and `open` remain: whether the count has fallen to
    /// an eighth of its peak (then the caller shrinks what grew with it, and
    /// calls [`trim_if_due`](Self::trim_if_due)).
    pub fn fallen(&self, open: usize) -> bool {
        let peak = self.peak.load(Ordering::Relaxed);
        if peak >= MIN_PEAK && open <= peak / 8 {
            self.peak.store(open, Ordering::Relaxed);
            self.pending.store(true, Ordering::SeqCst);
            return true;
        }
        false
    }

    /// Whether arenas were trimmed since the last call.
    pub fn trimmed_since_idle(&self) -> bool {
        self.trimmed.swap(false, Ordering::SeqCst)
    }

    /// Starts a trim if a fall is pending and none is running; the running
    /// one trims again for falls that come while it works.
    pub fn trim_if_due(&self) {
        if !self.pending.load(Ordering::SeqCst) || self.running.swap(true, Ordering::SeqCst) {
            return;
        }
        let (pending, running) = (Arc::clone(&self.pending), Arc::clone(&self.running));
        let trimmed = Arc::clone(&self.trimmed);
        let spawned = thread::Builder::new()
            .name("wsviews-trim".into())
            .stack_size(64 * 1024)
            .spawn(move || loop {
                thread::sleep(LET_THREADS_EXIT);
                pending.store(false, Ordering::SeqCst);
                trim_all_arenas();
                trimmed.store(true, Ordering::SeqCst);
                running.store(false, Ordering::SeqCst);
                if !pending.load(Ordering::SeqCst) || running.swap(true, Ordering::SeqCst) {
                    return;
                }
            });
        if let Err(e) = spawned {
            self.running.store(false, Ordering::SeqCst);
            log::debug!("no memory trim: cannot start a thread ({e})");
        }
    }
}

/// Has one helper thread per possible arena trim its own, all alive at once
/// so that each is given a different idle arena.
fn trim_all_arenas() {
    let cpus = thread::available_parallelism().map_or(1, usize::from);
    // glibc has at most 8 arenas per CPU; twice as many helpers reach them
    // all, the ones past the idle arenas being spread over the busy ones.
    let helpers = (16 * cpus).clamp(16, 512);
    let all_trimmed = Arc::new(Barrier::new(helpers));
    let threads: Vec<_> = (0..helpers)
        .filter_map(|_| {
            let all_trimmed = Arc::clone(&all_trimmed);
            thread::Builder::new()
                .name("wsviews-trim".into())
                .stack_size(64 * 1024)
                .spawn(move || {
                    trim_own_arena();
                    all_trimmed.wait();
                })
                .ok()
        })
        .collect();
    if threads.len() < helpers {
        // A barrier that never fills would hold the started ones for ever.
        log::debug!("memory trim incomplete: could not start every helper");
        for _ in threads.len()..helpers {
            let all_trimmed = Arc::clone(&all_trimmed);
            drop(thread::spawn(move || all_trimmed.wait()));
        }
    }
    for thread in threads {
        let _ = thread.join();
    }
    trim_own_arena();
    log::debug!("memory trimmed after a burst of connections");
}

/// Makes glibc consolidate the calling thread's arena and give its free top
/// back to the system (elsewhere harmless: one allocation freed).
pub(crate) fn trim_own_arena() {
    let chunk: Vec<u8> = Vec::with_capacity(TRIM_CHUNK);
    drop(std::hint::black_box(chunk));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fall_to_an_eighth_of_a_burst_is_pending_until_trimmed() {
        let trimmer = Trimmer::default();
        for open in 1..=800 {
            trimmer.opened(open);
        }
        trimmer.running.store(true, Ordering::SeqCst);
        for open in (101..800).rev() {
            assert!(!trimmer.fallen(open), "{open}");
        }
        assert!(trimmer.fallen(100));
        trimmer.trim_if_due();
        assert!(
            trimmer.pending.load(Ordering::Relaxed),
            "pending while one runs"
        );
        assert_eq!(trimmer.peak.load(Ordering::Relaxed), 100, "re-armed");
        let small = Trimmer::default();
        small.opened(10);
        assert!(!small.fallen(0));
        assert!(!small.pending.load(Ordering::Relaxed), "no burst, no trim");
    }
}
