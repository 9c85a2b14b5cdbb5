//! The connection threads. Each connection is served on its own thread, for
//! as long as it lives; a thread whose connection ended waits a moment for
//! the next one instead of exiting, so that a server handling one short
//! session after another does not start (and tear down) a thread for each:
//! that is most of a short session's cost to the kernel.

use std::io;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

/// What a connection thread runs: one connection's whole life.
pub(crate) type Job = Box<dyn FnOnce() + Send>;

/// Most threads that wait for a next connection; beyond, a thread whose
/// connection ended exits (after a burst, the threads go with it).
const MAX_WAITING: usize = 64;

/// How long a thread waits for a next connection before it exits.
const KEEP: Duration = Duration::from_secs(2);

/// The name of every connection thread (in `top -H`, `/proc/PID/task`).
const NAME: &str = "wsviews-conn";

/// One server's connection threads.
#[derive(Debug)]
pub(crate) struct ConnectionThreads {
    waiting: Arc<Waiting>,
    stack_size: usize,
}

/// The threads waiting for a connection (the last one listed is handed
/// the next connection).
#[derive(Debug, Default)]
struct Waiting {
    slots: Mutex<Vec<Arc<Slot>>>,
}

/// Where a waiting thread is handed its next job.
#[derive(Debug)]
struct Slot {
    thread: Thread,
    job: Mutex<Handed>,
}

#[derive(Default)]
enum Handed {
    #[default]
    Nothing,
    Job(Job),
    /// The server is gone: exit.
    Exit,
}

impl std::fmt::Debug for Handed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Handed::Nothing => "Nothing",
            Handed::Job(_) => "Job",
            Handed::Exit => "Exit",
        })
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl ConnectionThreads {
    /// Threads with stacks of `stack_size` bytes.
    pub fn new(stack_size: usize) -> Self {
        ConnectionThreads {
            waiting: Arc::default(),
            stack_size,
        }
    }

    /// Runs `job` on a thread that waits for one, or else on a new thread.
    ///
    /// # Errors
    /// The new thread could not be started (the job is dropped).
    pub fn run(&self, job: Job) -> io::Result<()> {
        let waiting = lock(&self.waiting.slots).pop();
        if let Some(slot) = waiting {
            *lock(&slot.job) = Handed::Job(job);
            slot.thread.unpark();
            return Ok(());
        }
        let waiting = Arc::clone(&self.waiting);
        thread::Builder::new()
            .name(NAME.into())
            .stack_size(self.stack_size)
            .spawn(move || serve(job, &waiting))
            .map(drop)
    }

    /// Runs `job` on a new thread and waits for it (single-threaded mode:
    /// one connection at a time, with the configured stack).
    ///
    /// # Errors
    /// The thread could not be started (the job is dropped).
    pub fn run_and_wait(&self, job: Job) -> io::Result<()> {
        let thread = thread::Builder::new()
            .name(NAME.into())
            .stack_size(self.stack_size)
            .spawn(job)?;
        let _ = thread.join();
        Ok(())
    }
}

impl Drop for ConnectionThreads {
    fn drop(&mut self) {
        for slot in lock(&self.waiting.slots).drain(..) {
            *lock(&slot.job) = Handed::Exit;
            slot.thread.unpark();
        }
    }
}

/// A connection thread: runs its first job, then the ones handed to it
/// while it waits, until none comes within [`KEEP`], too many wait
/// already, or the server is gone.
fn serve(first: Job, waiting: &Waiting) {
    first();
    let slot = Arc::new(Slot {
        thread: thread::current(),
        job: Mutex::new(Handed::Nothing),
    });
    loop {
        {
            let mut slots = lock(&waiting.slots);
            if slots.len() >= MAX_WAITING {
                return;
            }
            slots.push(Arc::clone(&slot));
        }
        match wait_for_job(&slot, waiting) {
            Some(job) => job(),
            None => return,
        }
    }
}

/// Waits in `waiting` for a job; `None` when none came within [`KEEP`] or
/// the server is gone.
fn wait_for_job(slot: &Arc<Slot>, waiting: &Waiting) -> Option<Job> {
    let deadline = Instant::now() + KEEP;
    let mut timed_out = false;
    loop {
        match std::mem::take(&mut *lock(&slot.job)) {
            Handed::Job(job) => return Some(job),
            Handed::Exit => return None,
            Handed::Nothing => {}
        }
        if timed_out {
            // Still listed: nobody will hand it a job. Otherwise one was
            // taken out of the list just now, and its job is on the way.
            let mut slots = lock(&waiting.slots);
            if let Some(at) = slots.iter().position(|s| Arc::ptr_eq(s, slot)) {
                slots.swap_remove(at);
                return None;
            }
        }
        match deadline.checked_duration_since(Instant::now()) {
            Some(left) if !left.is_zero() => thread::park_timeout(left),
            _ => {
                timed_out = true;
                thread::park_timeout(Duration::from_millis(1));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    fn thread_id_of(threads: &ConnectionThreads) -> thread::ThreadId {
        let (tx, rx) = mpsc::channel();
        let job: Job = Box::new(move || tx.send(thread::current().id()).expect("send"));
        threads.run(job).expect("run");
        rx.recv().expect("the job ran")
    }

    #[test]
    fn a_thread_whose_job_ended_takes_the_next_one() {
        let threads = ConnectionThreads::new(64 * 1024);
        let first = thread_id_of(&threads);
        // The first thread waits for a job once it is done with its own.
        let waiting = || lock(&threads.waiting.slots).len() == 1;
        while !waiting() {
            thread::yield_now();
        }
        assert_eq!(thread_id_of(&threads), first);
    }

    #[test]
    fn busy_threads_leave_the_next_job_to_a_new_one() {
        let threads = ConnectionThreads::new(64 * 1024);
        let (release, hold) = crossbeam_channel::bounded::<()>(0);
        let (tx, rx) = mpsc::channel();
        for _ in 0..2 {
            let (hold, tx) = (hold.clone(), tx.clone());
            let job: Job = Box::new(move || {
                tx.send(thread::current().id()).expect("send");
                let _ = hold.recv();
            });
            threads.run(job).expect("run");
        }
        let (a, b) = (rx.recv().expect("first"), rx.recv().expect("second"));
        assert_ne!(a, b, "each running job has its own thread");
        drop(release);
    }

    #[test]
    fn waiting_threads_end_with_the_server() {
        let threads = ConnectionThreads::new(64 * 1024);
        let (tx, rx) = mpsc::channel();
        let job: Job = Box::new(move || {
            struct Gone(mpsc::Sender<()>);
            impl Drop for Gone {
                fn drop(&mut self) {
                    let _ = self.0.send(());
                }
            }
            // Lives in the thread's local storage until the thread exits.
            thread_local!(static GONE: std::cell::RefCell<Option<Gone>> = const { std::cell::RefCell::new(None) });
            GONE.with(|g| *g.borrow_mut() = Some(Gone(tx)));
        });
        threads.run(job).expect("run");
        drop(threads);
        rx.recv_timeout(Duration::from_secs(5))
            .expect("the waiting thread exits once the server is gone");
    }
}
