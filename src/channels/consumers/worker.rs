//! Workers: threads that take messages off the channel layer and run the
//! consumer routed to each, as Channels' `runworker`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};

use super::routing::{channel_matches, Route, Router};
use super::worker_thread::Shared;
use crate::error::{Error, Result};
use crate::layers::{self, ChannelLayer};

/// Runs consumers: each of its threads receives from the routed channels
/// and calls the consumer of every message, as Channels' `runworker`.
///
/// ```no_run
/// use wsviews::consumers::{route, Context, Worker};
/// use wsviews::layers::{self, Message};
///
/// fn echo(message: &Message, context: &Context) -> wsviews::Result<()> {
///     let text = message.get("content").and_then(|c| c.as_str()).unwrap_or_default();
///     context.reply(text)
/// }
///
/// # fn main() -> wsviews::Result<()> {
/// let worker = Worker::new(vec![route("websocket.receive", echo)])?
///     .channel_layer(layers::from_url("redis://127.0.0.1:6379/0")?)
///     .threads(4);
/// worker.run()
/// # }
/// ```
///
/// A consumer that panics or returns an error is logged; the worker goes on
/// with the next message. When the layer fails (Redis gone) the error is
/// logged and each thread retries every second.
#[derive(Debug)]
pub struct Worker {
    router: Router,
    layer: Option<Arc<dyn ChannelLayer>>,
    threads: usize,
    only: Vec<String>,
    exclude: Vec<String>,
}

impl Worker {
    /// A worker for `routes` (the channel routing), with one thread, on the
    /// process's default layer.
    ///
    /// # Errors
    /// [`Error::Config`] if a route's path pattern is malformed.
    pub fn new(routes: Vec<Route>) -> Result<Self> {
        Ok(Worker {
            router: Router::new(routes)?,
            layer: None,
            threads: 1,
            only: Vec::new(),
            exclude: Vec::new(),
        })
    }

    /// The layer to receive from. Defaults to the process's default layer
    /// ([`layers::default_layer`]).
    #[must_use]
    pub fn channel_layer(mut self, layer: Arc<dyn ChannelLayer>) -> Self {
        self.layer = Some(layer);
        self
    }

    /// How many threads run consumers. Defaults to 1.
    #[must_use]
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads;
        self
    }

    /// Only listen to these channels (`runworker --only-channels`); a
    /// pattern is a channel name or a prefix ending in `*` (`websocket.*`).
    /// Defaults to every routed channel.
    #[must_use]
    pub fn only_channels<I, S>(mut self, patterns: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.only = patterns.into_iter().map(Into::into).collect();
        self
    }

    /// Do not listen to these channels (`runworker --exclude-channels`);
    /// patterns as in [`only_channels`](Self::only_channels).
    #[must_use]
    pub fn exclude_channels<I, S>(mut self, patterns: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.exclude = patterns.into_iter().map(Into::into).collect();
        self
    }

    /// The channels this worker listens to: the routed ones, filtered by
    /// [`only_channels`](Self::only_channels) and
    /// [`exclude_channels`](Self::exclude_channels).
    pub fn channels(&self) -> Vec<String> {
        self.router
            .channels()
            .into_iter()
            .filter(|c| self.only.is_empty() || self.only.iter().any(|p| channel_matches(p, c)))
            .filter(|c| !self.exclude.iter().any(|p| channel_matches(p, c)))
            .collect()
    }

    /// Starts the worker threads.
    ///
    /// # Errors
    /// [`Error::Config`] for zero threads or no channel to listen to;
    /// [`Error::Io`] if a thread cannot be started.
    pub fn spawn(self) -> Result<WorkerHandle> {
        let channels = self.channels();
        if channels.is_empty() || self.threads == 0 {
            return Err(Error::Config(
                "a worker needs at least one thread and one channel to listen to".into(),
            ));
        }
        let shared = Arc::new(Shared {
            layer: self.layer.unwrap_or_else(layers::default_layer),
            router: self.router,
            channels,
            stopping: AtomicBool::new(false),
        });
        let mut handle = WorkerHandle {
            shared: Arc::clone(&shared),
            threads: Vec::new(),
        };
        for n in 0..self.threads {
            let shared = Arc::clone(&shared);
            let thread = thread::Builder::new()
                .name(format!("wsviews-worker-{n}"))
                .spawn(move || shared.work())?;
            handle.threads.push(thread);
        }
        log::info!(
            "worker: {} thread(s) listening on {}",
            self.threads,
            shared.channels.join(", ")
        );
        Ok(handle)
    }

    /// Runs the worker on its threads until the process ends.
    ///
    /// # Errors
    /// As [`spawn`](Self::spawn).
    pub fn run(self) -> Result<()> {
        self.spawn()?.join();
        Ok(())
    }
}

/// Running worker threads; see [`Worker::spawn`]. Dropping it stops them.
#[derive(Debug)]
pub struct WorkerHandle {
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
}

impl WorkerHandle {
    /// The channels the worker listens to.
    pub fn channels(&self) -> &[String] {
        &self.shared.channels
    }

    /// Stops the threads after the message each is handling (within about
    /// half a second when idle) and waits for them.
    pub fn stop(mut self) {
        self.stop_and_join();
    }

    /// Waits for the threads, which run until stopped.
    fn join(mut self) {
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }

    fn stop_and_join(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

impl Drop for WorkerHandle {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}
