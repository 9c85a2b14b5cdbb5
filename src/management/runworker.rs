//! `runworker`, as Channels' `manage.py runworker`, and the channel-layer
//! options that `runserver` shares with it.

use super::{Command, UsageError};
use crate::channels::consumers::{Route, Worker};
use crate::error::Result;
use crate::layers;

/// A parsed `runworker` command line.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RunWorker {
    /// `--threads N`: worker threads (default 1).
    pub threads: usize,
    /// `--only-channels ...`: listen only to these channels (names, or
    /// prefixes ending in `*`).
    pub only_channels: Vec<String>,
    /// `--exclude-channels ...`: do not listen to these channels.
    pub exclude_channels: Vec<String>,
    /// `--channel-layer URL` (default: in memory, which only makes sense
    /// for a worker inside the server process).
    pub channel_layer: Option<String>,
}

/// Parses the arguments after `runworker`.
pub(super) fn parse_runworker(args: &[String]) -> Result<Command, UsageError> {
    let mut run = RunWorker {
        threads: 1,
        only_channels: Vec::new(),
        exclude_channels: Vec::new(),
        channel_layer: None,
    };
    let mut args = args.iter().peekable();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--threads" => {
                let value = value_of("--threads", args.next())?;
                run.threads = value.parse().ok().filter(|&n| n > 0).ok_or_else(|| {
                    UsageError(format!("--threads: {value:?} is not a positive number"))
                })?;
            }
            "--channel-layer" => run.channel_layer = Some(value_of(arg, args.next())?.to_owned()),
            "--only-channels" | "--exclude-channels" => {
                let mut values = Vec::new();
                while let Some(value) = args.next_if(|a| !a.starts_with('-')) {
                    values.extend(
                        value
                            .split(',')
                            .filter(|v| !v.is_empty())
                            .map(str::to_owned),
                    );
                }
                if values.is_empty() {
                    return Err(UsageError(format!("{arg} needs at least one channel")));
                }
                let list = if arg == "--only-channels" {
                    &mut run.only_channels
                } else {
                    &mut run.exclude_channels
                };
                list.extend(values);
            }
            other => {
                return Err(UsageError(format!(
                    "unexpected argument {other:?} for runworker"
                )))
            }
        }
    }
    Ok(Command::RunWorker(run))
}

/// The value after an option, or a usage error naming the option.
pub(super) fn value_of<'a>(option: &str, value: Option<&'a String>) -> Result<&'a str, UsageError> {
    value
        .map(String::as_str)
        .ok_or_else(|| UsageError(format!("{option} needs a value")))
}

/// Makes the layer at `url` the process's default; `None` keeps the
/// in-memory default.
///
/// # Errors
/// [`Error::Config`](crate::Error::Config) for a bad URL.
pub(super) fn use_channel_layer(url: Option<&str>) -> Result<()> {
    if let Some(url) = url {
        let layer = layers::from_url(url)?;
        log::info!("channel layer: {layer:?}");
        layers::set_default_layer(layer);
    }
    Ok(())
}

impl RunWorker {
    /// The worker this command line asks for, on the process's default
    /// layer.
    ///
    /// # Errors
    /// [`Error::Config`](crate::Error::Config) for a malformed route.
    pub fn worker(&self, channel_routing: Vec<Route>) -> Result<Worker> {
        Ok(Worker::new(channel_routing)?
            .threads(self.threads)
            .only_channels(self.only_channels.clone())
            .exclude_channels(self.exclude_channels.clone()))
    }

    /// Sets the channel layer, then runs the consumers of `channel_routing`
    /// until the process is stopped.
    ///
    /// # Errors
    /// [`Error::Config`](crate::Error::Config) for a bad layer URL, a
    /// malformed route or no channel to listen to; [`Error::Io`](crate::Error::Io)
    /// if a thread cannot start.
    pub fn run(&self, channel_routing: Vec<Route>) -> Result<()> {
        if channel_routing.is_empty() {
            return Err(crate::Error::Config(
                "this app has no consumers: pass its channel routing to \
                 execute_from_command_line_with_routing"
                    .into(),
            ));
        }
        use_channel_layer(self.channel_layer.as_deref())?;
        let worker = self.worker(channel_routing)?;
        println!(
            "Running worker with {} thread(s) for channels {}",
            self.threads,
            worker.channels().join(", ")
        );
        println!("Quit the worker with CONTROL-C.");
        worker.run()
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse_args;
    use super::*;

    fn run(args: &[&str]) -> RunWorker {
        match parse_args(args).unwrap() {
            Command::RunWorker(run) => run,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn runworker_arguments() {
        let default = run(&["runworker"]);
        assert_eq!((default.threads, default.channel_layer), (1, None));
        let full = run(&[
            "runworker",
            "--threads",
            "4",
            "--only-channels",
            "websocket.*",
            "http.request",
            "--exclude-channels",
            "websocket.disconnect",
            "--channel-layer",
            "redis://127.0.0.1:6379/0",
        ]);
        assert_eq!(full.threads, 4);
        assert_eq!(full.only_channels, ["websocket.*", "http.request"]);
        assert_eq!(full.exclude_channels, ["websocket.disconnect"]);
        assert_eq!(
            full.channel_layer.as_deref(),
            Some("redis://127.0.0.1:6379/0")
        );
        for bad in [
            &["runworker", "--threads", "0"][..],
            &["runworker", "--threads"],
            &["runworker", "--only-channels"],
            &["runworker", "extra"],
        ] {
            assert!(parse_args(bad).is_err(), "{bad:?}");
        }
    }
}
