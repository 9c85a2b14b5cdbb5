//! `runserver`, as Django's `manage.py runserver`: call
//! [`execute_from_command_line`] from your `main`.
//!
//! ```text
//! cargo run -- runserver [ADDR[:PORT]] [--multithreaded] [--max-message-size BYTES]
//! ```
//!
//! The address defaults to `127.0.0.1:8000`; a bare port (`8080`) binds
//! `127.0.0.1`. Without `--multithreaded` one connection is served at a time,
//! as Django's old development server did; an open WebSocket then makes other
//! requests wait, and a warning says so.

use std::fmt;

use crate::config::ServerConfig;
use crate::error::{Error, Result};
use crate::server::Server;
use crate::urls::URLPattern;

const USAGE: &str = "\
Usage: <program> runserver [ADDR[:PORT]] [options]

Starts a development server for the app's urlpatterns.

Arguments:
  ADDR[:PORT]               address to listen on (default 127.0.0.1:8000; a bare port binds 127.0.0.1)

Options:
  --multithreaded           serve each connection on its own thread (default: one at a time)
  --max-message-size BYTES  largest WebSocket message accepted (default 1048576)
  -h, --help                show this help

RUST_LOG sets the log level (default: info).";

/// A parsed `runserver` command line.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RunServer {
    /// The address to bind, e.g. `127.0.0.1:8000`.
    pub addr: String,
    /// `--multithreaded`: one thread per connection.
    pub multithreaded: bool,
    /// `--max-message-size`: the largest WebSocket message, in bytes.
    pub max_message_size: Option<usize>,
}

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Command {
    /// `runserver ...`
    RunServer(RunServer),
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
        "help" | "-h" | "--help" => Ok(Command::Help),
        other => Err(UsageError(format!(
            "unknown command {other:?}; try 'runserver'"
        ))),
    }
}

fn parse_runserver(args: &[String]) -> Result<Command, UsageError> {
    let mut run = RunServer {
        addr: "127.0.0.1:8000".into(),
        multithreaded: false,
        max_message_size: None,
    };
    let mut addr_seen = false;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--multithreaded" => run.multithreaded = true,
            "--max-message-size" => {
                let value = args
                    .next()
                    .ok_or_else(|| UsageError("--max-message-size needs a value".into()))?;
                let bytes = value.parse().map_err(|_| {
                    UsageError(format!(
                        "--max-message-size: {value:?} is not a number of bytes"
                    ))
                })?;
                run.max_message_size = Some(bytes);
            }
            flag if flag.starts_with('-') => {
                return Err(UsageError(format!("unknown option {flag:?}")))
            }
            addr if !addr_seen => {
                run.addr = normalize_addr(addr);
                addr_seen = true;
            }
            extra => return Err(UsageError(format!("unexpected argument {extra:?}"))),
        }
    }
    Ok(Command::RunServer(run))
}

/// `8000` → `127.0.0.1:8000`; anything else as given.
fn normalize_addr(addr: &str) -> String {
    if addr.bytes().all(|b| b.is_ascii_digit()) {
        format!("127.0.0.1:{addr}")
    } else {
        addr.to_owned()
    }
}

impl RunServer {
    /// The server configuration this command line asks for.
    pub fn config(&self) -> ServerConfig {
        let mut config = ServerConfig::default().multithreaded(self.multithreaded);
        if let Some(max) = self.max_message_size {
            config = config.max_message_size(max).max_frame_size(max);
        }
        config
    }

    /// Binds and serves `urlpatterns` until the process is stopped.
    ///
    /// # Errors
    /// [`Error::Io`] if the address cannot be bound, [`Error::Config`] for an
    /// invalid setting or route.
    pub fn run(&self, urlpatterns: Vec<URLPattern>) -> Result<()> {
        let server = Server::bind_with_config(self.addr.as_str(), urlpatterns, self.config())?;
        let mode = if self.multithreaded {
            "multithreaded"
        } else {
            "one connection at a time"
        };
        println!(
            "Starting development server at http://{}/ ({mode})",
            server.local_addr()
        );
        println!("Quit the server with CONTROL-C.");
        server.serve()
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
pub fn execute_from_command_line(urlpatterns: Vec<URLPattern>) {
    let mut args = std::env::args();
    let program = args.next().unwrap_or_else(|| "manage".into());
    let usage = USAGE.replace("<program>", &program);
    match parse_args(args) {
        Ok(Command::Help) => println!("{usage}"),
        Ok(Command::RunServer(run)) => {
            init_logging();
            if let Err(e) = run.run(urlpatterns) {
                log::error!("{}", describe(&e));
                eprintln!("Error: {}", describe(&e));
                std::process::exit(1);
            }
        }
        Err(e) => {
            eprintln!("Error: {e}\n\n{usage}");
            std::process::exit(2);
        }
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

/// Installs env_logger at `info` unless `RUST_LOG` says otherwise.
fn init_logging() {
    let env = env_logger::Env::default().default_filter_or("info");
    let _ = env_logger::Builder::from_env(env).try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> RunServer {
        match parse_args(args).unwrap() {
            Command::RunServer(run) => run,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn runserver_arguments() {
        let default = run(&["runserver"]);
        assert_eq!(default.addr, "127.0.0.1:8000");
        assert!(!default.multithreaded);
        let full = run(&[
            "runserver",
            "0.0.0.0:9000",
            "--multithreaded",
            "--max-message-size",
            "16777216",
        ]);
        assert_eq!(full.addr, "0.0.0.0:9000");
        assert!(full.multithreaded);
        assert_eq!(full.config().get_max_message_size(), 16 << 20);
        assert_eq!(run(&["runserver", "[::1]:80"]).addr, "[::1]:80");
    }

    #[test]
    fn usage_errors_and_help() {
        assert_eq!(parse_args(Vec::<String>::new()), Ok(Command::Help));
        assert_eq!(parse_args(["runserver", "--help"]), Ok(Command::Help));
        for bad in [
            &["migrate"][..],
            &["runserver", "--nope"],
            &["runserver", "1", "2"],
            &["runserver", "--max-message-size"],
            &["runserver", "--max-message-size", "x"],
        ] {
            assert!(parse_args(bad).is_err(), "{bad:?}");
        }
    }
}
