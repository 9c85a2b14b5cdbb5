//! `runserver`, as Django's `manage.py runserver`, and `runworker`, as
//! Channels': call [`execute_from_command_line`] (or, with consumers,
//! [`execute_from_command_line_with_routing`]) from your `main`.
//!
//! ```text
//! cargo run -- runserver [ADDR[:PORT]] [--multithreaded] [--max-message-size BYTES]
//!                        [--ping-interval SECS] [--ping-timeout SECS]
//!                        [--cert PEM --key PEM] [--static-url /static/] [--static-dir static]
//!                        [--nostatic] [-v 0..3]
//!                        [--channel-layer URL] [--noworker] [--workers N]
//!                        [--permessage-deflate]
//! cargo run -- runworker [--threads N] [--only-channels CHANNEL...]
//!                        [--exclude-channels CHANNEL...] [--channel-layer URL]
//! ```
//!
//! The address defaults to `127.0.0.1:8000`; a bare port (`8080`) binds
//! `127.0.0.1`. Without `--multithreaded` one connection is served at a time,
//! as Django's old development server did; an open WebSocket then makes other
//! requests wait, and a warning says so.
//!
//! - **Keepalive**: every open WebSocket silent for `--ping-interval`
//!   seconds (default 20, as daphne; `0` turns pings off) is pinged, and
//!   closed with 1011 if it then stays silent for `--ping-timeout` seconds
//!   (default 20), so a client that vanished without closing (a laptop
//!   lid, a dropped network) is gone within 40 s, however the view reads.
//! - **HTTPS and `wss://`**: `--cert` and `--key` name PEM files (needs the
//!   `tls` feature).
//! - **Static files**: when `./static` exists it is served at `/static/`, as
//!   Django's `runserver` does in `DEBUG` (see [`static_files`](crate::routing::static_files));
//!   `--static-dir`, `--static-url` and `--nostatic` change that.
//! - **Stopping**: SIGINT (Ctrl-C) or SIGTERM shuts down gracefully: no new
//!   connections, in-flight responses finish, WebSockets are closed with
//!   1001, and what is still open after 5 s is cut off and logged. A second
//!   signal exits at once.
//! - **Logging**: a timestamped access log, coloured on a terminal;
//!   `-v 0..3` (`--verbosity`) picks error, info (the default), debug or
//!   trace, unless `RUST_LOG` is set.

use std::fmt;

use crate::channels::consumers::Route;
use crate::error::{Error, Result};
use crate::routing::urls::UrlPattern;

mod logging;
mod runserver;
mod runworker;
mod signals;

use runserver::parse_runserver;
pub use runserver::{RunServer, DEFAULT_PING_INTERVAL, DEFAULT_PING_TIMEOUT};
use runworker::parse_runworker;
pub use runworker::RunWorker;

const USAGE: &str = "\
Usage: <program> runserver [ADDR[:PORT]] [options]

Starts a development server for the app's urlpatterns.

Arguments:
  ADDR[:PORT]               address to listen on (default 127.0.0.1:8000; a bare port binds 127.0.0.1)

Options:
  --multithreaded           serve each connection on its own thread (default: one at a time)
  --max-message-size BYTES  largest WebSocket message accepted (default 1048576)
  --max-connections N       most connections served at once (default 10000)
  --max-connections-per-ip N  most connections from one client address (default 1000)
  --ping-interval SECS      ping a WebSocket silent this long; 0 turns keepalive off (default 20)
  --ping-timeout SECS       close a pinged WebSocket silent this long after the ping (default 20)
  --cert PEM --key PEM      serve HTTPS and wss:// with this certificate chain and key (feature `tls`)
  --static-url URL          URL prefix of the static files (default /static/)
  --static-dir DIR          directory of the static files, served if it exists (default static)
  --nostatic                do not serve static files
  -v, --verbosity N         0 errors only, 1 requests (default), 2 debug, 3 trace
  --channel-layer URL       memory:// (default), redis://host:port/db or channels-redis://host:port/db, shared with other processes
  --noworker                do not run consumers in this process (run them with runworker)
  --workers N               consumer worker threads in this process (default 2)
  --permessage-deflate      compress WebSocket messages with clients that offer it (RFC 7692)
  -h, --help                show this help

RUST_LOG, when set, overrides --verbosity. SIGINT or SIGTERM stops the server gracefully.

Usage: <program> runworker [options]

Runs the app's consumers on messages from the channel layer.

Options:
  --threads N                     worker threads (default 1)
  --only-channels CHANNEL...      listen only to these channels (a trailing * matches a prefix)
  --exclude-channels CHANNEL...   do not listen to these channels
  --channel-layer URL             the layer the servers use, e.g. redis://127.0.0.1:6379/0

RUST_LOG sets the log level (default: info).";

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Command {
    /// `runserver ...`
    RunServer(RunServer),
    /// `runworker ...`
    RunWorker(RunWorker),
    /// `--help`, `help`, or no command at all.
    Help,
}

/// A command line that cannot be understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::error::Error for UsageError {}

/// Parses the arguments after the program name.
///
/// ```
/// use wsviews::management::{parse_args, Command};
///
/// let Command::RunServer(run) = parse_args(["runserver", "8080", "--multithreaded"]).unwrap() else {
///     unreachable!()
/// };
/// assert_eq!(run.addr, "127.0.0.1:8080");
/// assert!(run.multithreaded);
/// ```
///
/// # Errors
/// A [`UsageError`] naming the argument that is wrong.
pub fn parse_args<I, S>(args: I) -> Result<Command, UsageError>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let args: Vec<String> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
    let Some((command, rest)) = args.split_first() else {
        return Ok(Command::Help);
    };
    match command.as_str() {
        "runserver" => parse_runserver(rest),
        "runworker" => parse_runworker(rest),
        "help" | "-h" | "--help" => Ok(Command::Help),
        other => Err(UsageError(format!(
            "unknown command {other:?}; try 'runserver' or 'runworker'"
        ))),
    }
}

/// Runs the command on the process's command line, as Django's
/// `execute_from_command_line(sys.argv)`; exits the process with status 2 on
/// a usage error and 1 if the server cannot start.
///
/// ```no_run
/// use wsviews::{path, HttpResponse, Request};
///
/// fn main() {
///     wsviews::management::execute_from_command_line(vec![
///         path("plain", |_: &Request| HttpResponse::new("plain")),
///     ]);
/// }
/// ```
pub fn execute_from_command_line(urlpatterns: Vec<UrlPattern>) {
    execute_from_command_line_with_routing(urlpatterns, Vec::new());
}

/// Runs the command on the process's command line, for an app with
/// consumers: `runserver` serves `urlpatterns` and runs the consumers of
/// `channel_routing` on worker threads (unless `--noworker`); `runworker`
/// runs only the consumers. Exits as [`execute_from_command_line`] does.
///
/// ```no_run
/// use wsviews::consumers::{route, to_consumers, Context};
/// use wsviews::layers::Message;
/// use wsviews::path;
///
/// fn echo(message: &Message, context: &Context) -> wsviews::Result<()> {
///     let text = message.get("content").and_then(|c| c.as_str()).unwrap_or_default();
///     context.reply(text)
/// }
///
/// fn main() {
///     wsviews::management::execute_from_command_line_with_routing(
///         vec![path("echo", to_consumers())],
///         vec![route("websocket.receive", echo)],
///     );
/// }
/// ```
pub fn execute_from_command_line_with_routing(
    urlpatterns: Vec<UrlPattern>,
    channel_routing: Vec<Route>,
) {
    let mut args = std::env::args();
    let program = args.next().unwrap_or_else(|| "manage".into());
    let usage = USAGE.replace("<program>", &program);
    match parse_args(args) {
        Ok(Command::Help) => println!("{usage}"),
        Ok(Command::RunServer(run)) => {
            crate::management::logging::init(run.verbosity);
            exit_on_error(run.run_with_routing(urlpatterns, channel_routing));
        }
        Ok(Command::RunWorker(run)) => {
            crate::management::logging::init(1);
            exit_on_error(run.run(channel_routing));
        }
        Err(e) => {
            eprintln!("Error: {e}\n\n{usage}");
            std::process::exit(2);
        }
    }
}

fn exit_on_error(result: Result<()>) {
    if let Err(e) = result {
        log::error!("{}", describe(&e));
        eprintln!("Error: {}", describe(&e));
        std::process::exit(1);
    }
}

fn describe(error: &Error) -> String {
    match error {
        Error::Io(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
            format!("that port is already in use ({e})")
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests;
