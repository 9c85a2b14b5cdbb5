//! `runserver`: its command line and running it.

use std::path::PathBuf;
use std::time::Duration;

use super::runworker::{use_channel_layer, value_of};
use super::{Command, UsageError};
use crate::channels::consumers::{Route, Worker};
use crate::error::Result;
use crate::routing::urls::UrlPattern;
use crate::server::config::ServerConfig;
use crate::server::Server;
use crate::websocket::PerMessageDeflate;

/// Worker threads `runserver` starts in its own process by default.
const IN_PROCESS_WORKERS: usize = 2;

/// `runserver`'s keepalive ping interval unless `--ping-interval` says
/// otherwise (daphne's default).
pub const DEFAULT_PING_INTERVAL: Duration = Duration::from_secs(20);

/// `runserver`'s keepalive ping timeout unless `--ping-timeout` says
/// otherwise.
pub const DEFAULT_PING_TIMEOUT: Duration = Duration::from_secs(20);

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
    /// `--max-connections`: most connections served at once.
    pub max_connections: Option<usize>,
    /// `--max-connections-per-ip`: most connections from one client address.
    pub max_connections_per_ip: Option<usize>,
    /// `--cert`: the PEM certificate chain for HTTPS (with `key`).
    pub cert: Option<PathBuf>,
    /// `--key`: the PEM private key for HTTPS (with `cert`).
    pub key: Option<PathBuf>,
    /// `--static-url`: the URL prefix of the static files (`/static/`).
    pub static_url: String,
    /// `--static-dir`: the directory of the static files (`static`).
    pub static_dir: PathBuf,
    /// `--nostatic`: serve no static files.
    pub nostatic: bool,
    /// `-v` / `--verbosity`: 0 error, 1 info (default), 2 debug, 3 trace.
    pub verbosity: u8,
    /// `--channel-layer URL`: the process's default channel layer (default:
    /// in memory).
    pub channel_layer: Option<String>,
    /// `--noworker`: run no consumers in the server process.
    pub noworker: bool,
    /// `--workers N`: consumer worker threads in the server process
    /// (default 2).
    pub workers: usize,
    /// `--ping-interval SECS`: ping a WebSocket silent this long; `None`
    /// (`--ping-interval 0`) turns keepalive off. Defaults to
    /// [`DEFAULT_PING_INTERVAL`], 20 s.
    pub ping_interval: Option<Duration>,
    /// `--ping-timeout SECS`: close a pinged WebSocket (1011) silent this
    /// long after the ping. Defaults to [`DEFAULT_PING_TIMEOUT`], 20 s.
    pub ping_timeout: Duration,
    /// `--permessage-deflate`: compress WebSocket messages with clients
    /// that offer it, with [`PerMessageDeflate::default`].
    pub permessage_deflate: bool,
}

pub(super) fn parse_runserver(args: &[String]) -> Result<Command, UsageError> {
    let mut run = RunServer {
        addr: "127.0.0.1:8000".into(),
        multithreaded: false,
        max_message_size: None,
        max_connections: None,
        max_connections_per_ip: None,
        cert: None,
        key: None,
        static_url: "/static/".into(),
        static_dir: "static".into(),
        nostatic: false,
        verbosity: 1,
        channel_layer: None,
        noworker: false,
        workers: IN_PROCESS_WORKERS,
        ping_interval: Some(DEFAULT_PING_INTERVAL),
        ping_timeout: DEFAULT_PING_TIMEOUT,
        permessage_deflate: false,
    };
    let mut addr_seen = false;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--multithreaded" => run.multithreaded = true,
            "--noworker" => run.noworker = true,
            "--workers" => run.workers = count(arg, args.next())?,
            "--permessage-deflate" => run.permessage_deflate = true,
            "--channel-layer" => run.channel_layer = Some(value_of(arg, args.next())?.to_owned()),
            "--max-message-size" => {
                let value = value_of(arg, args.next())?;
                let bytes = value.parse().map_err(|_| {
                    UsageError(format!(
                        "--max-message-size: {value:?} is not a number of bytes"
                    ))
                })?;
                run.max_message_size = Some(bytes);
            }
            "--max-connections" => run.max_connections = Some(count(arg, args.next())?),
            "--max-connections-per-ip" => {
                run.max_connections_per_ip = Some(count(arg, args.next())?);
            }
            "--ping-interval" => {
                let interval = seconds(arg, args.next())?;
                run.ping_interval = (!interval.is_zero()).then_some(interval);
            }
            "--ping-timeout" => match seconds(arg, args.next())? {
                timeout if timeout.is_zero() => {
                    return Err(UsageError("--ping-timeout must be more than 0".into()))
                }
                timeout => run.ping_timeout = timeout,
            },
            "--cert" => run.cert = Some(value_of(arg, args.next())?.into()),
            "--key" => run.key = Some(value_of(arg, args.next())?.into()),
            "--static-url" => run.static_url = value_of(arg, args.next())?.to_owned(),
            "--static-dir" => run.static_dir = value_of(arg, args.next())?.into(),
            "--nostatic" => run.nostatic = true,
            "-v" | "--verbosity" => run.verbosity = verbosity(value_of(arg, args.next())?)?,
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
    if run.cert.is_some() != run.key.is_some() {
        return Err(UsageError("--cert and --key go together".into()));
    }
    Ok(Command::RunServer(run))
}

/// A positive number given as the value of option `arg`.
fn count(arg: &str, value: Option<&String>) -> Result<usize, UsageError> {
    let value = value_of(arg, value)?;
    match value.parse() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(UsageError(format!(
            "{arg}: {value:?} is not a positive number"
        ))),
    }
}

/// A duration in seconds (`20`, `0.5`) given as the value of option `arg`.
fn seconds(arg: &str, value: Option<&String>) -> Result<Duration, UsageError> {
    let value = value_of(arg, value)?;
    value
        .parse::<f64>()
        .ok()
        .and_then(|secs| Duration::try_from_secs_f64(secs).ok())
        .ok_or_else(|| UsageError(format!("{arg}: {value:?} is not a number of seconds")))
}

fn verbosity(value: &str) -> Result<u8, UsageError> {
    match value.parse() {
        Ok(level @ 0..=3) => Ok(level),
        _ => Err(UsageError(format!(
            "--verbosity: {value:?} is not one of 0, 1, 2, 3"
        ))),
    }
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
        let mut config = ServerConfig::default()
            .multithreaded(self.multithreaded)
            .ping_interval(self.ping_interval)
            .ping_timeout(self.ping_timeout);
        if let Some(max) = self.max_message_size {
            config = config.max_message_size(max).max_frame_size(max);
        }
        if let Some(max) = self.max_connections {
            config = config.max_connections(max);
        }
        if let Some(max) = self.max_connections_per_ip {
            config = config.max_connections_per_ip(max);
        }
        if self.permessage_deflate {
            config = config.permessage_deflate(Some(PerMessageDeflate::default()));
        }
        config
    }

    /// Binds and serves `urlpatterns` (with the static files in front) until
    /// SIGINT or SIGTERM, then shuts down gracefully and returns.
    ///
    /// # Errors
    /// [`Error::Io`](crate::Error::Io) if the address cannot be bound or a certificate file
    /// cannot be read, [`Error::Config`](crate::Error::Config) for an invalid setting, route or
    /// certificate, or for `--cert` without the `tls` feature.
    pub fn run(&self, urlpatterns: Vec<UrlPattern>) -> Result<()> {
        self.run_with_routing(urlpatterns, Vec::new())
    }

    /// Sets the channel layer, starts worker threads for `channel_routing`
    /// (unless `--noworker`, or the routing is empty), then binds and serves
    /// `urlpatterns` until the process is stopped.
    ///
    /// # Errors
    /// As [`run`](Self::run), and [`Error::Config`](crate::Error::Config) for a bad channel layer
    /// URL or a malformed route.
    pub fn run_with_routing(
        &self,
        urlpatterns: Vec<UrlPattern>,
        channel_routing: Vec<Route>,
    ) -> Result<()> {
        use_channel_layer(self.channel_layer.as_deref())?;
        let _workers = match (self.noworker, channel_routing.is_empty()) {
            (false, false) => Some(
                Worker::new(channel_routing)?
                    .threads(self.workers)
                    .spawn()?,
            ),
            _ => None,
        };
        let server = self.bind(self.with_static(urlpatterns))?;
        let mode = if self.multithreaded {
            "multithreaded"
        } else {
            "one connection at a time"
        };
        let scheme = if self.cert.is_some() { "https" } else { "http" };
        println!(
            "Starting development server at {scheme}://{}/ ({mode})",
            server.local_addr()
        );
        println!("Quit the server with CONTROL-C.");
        let stopped = crate::management::signals::shutdown_on_signal(server.shutdown_handle())?;
        server.serve()?;
        let _ = stopped.recv();
        Ok(())
    }

    /// `urlpatterns` behind the static files pattern, when they are served.
    fn with_static(&self, mut urlpatterns: Vec<UrlPattern>) -> Vec<UrlPattern> {
        if self.nostatic {
            return urlpatterns;
        }
        if !self.static_dir.is_dir() {
            log::debug!(
                "no static files: {} is not a directory",
                self.static_dir.display()
            );
            return urlpatterns;
        }
        println!(
            "Serving static files from {} at {}",
            self.static_dir.display(),
            self.static_url
        );
        let pattern =
            crate::routing::static_files::serve(&self.static_url, self.static_dir.clone());
        urlpatterns.insert(0, pattern);
        urlpatterns
    }

    fn bind(&self, urlpatterns: Vec<UrlPattern>) -> Result<Server> {
        let addr = self.addr.as_str();
        match (&self.cert, &self.key) {
            #[cfg(feature = "tls")]
            (Some(cert), Some(key)) => {
                Server::bind_tls_with_config(addr, urlpatterns, cert, key, self.config())
            }
            #[cfg(not(feature = "tls"))]
            (Some(_), Some(_)) => Err(crate::Error::Config(
                "--cert and --key need wsviews built with its `tls` feature".into(),
            )),
            _ => Server::bind_with_config(addr, urlpatterns, self.config()),
        }
    }
}
