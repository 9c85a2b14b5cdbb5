//! Server configuration: limits, timeouts and WebSocket policy.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::layers::{self, ChannelLayer};
use crate::websocket::{
    PerMessageDeflate, SlowClient, DEFAULT_MAX_QUEUED_BYTES, DEFAULT_MAX_QUEUED_MESSAGES,
};

/// Settings for a [`Server`](crate::Server), with a sane default for each.
///
/// Build one with chainable setters; invalid combinations are reported as an
/// [`Error::Config`](crate::Error::Config) by [`Server::bind_with_config`](crate::Server::bind_with_config),
/// never as a panic.
///
/// ```
/// use std::time::Duration;
/// use wsviews::ServerConfig;
///
/// let config = ServerConfig::default()
///     .max_message_size(16 << 20)
///     .head_timeout(Duration::from_secs(5))
///     .allowed_origins(["https://example.com"]);
/// assert_eq!(config.get_max_message_size(), 16 << 20);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub(crate) multithreaded: bool,
    pub(crate) max_connections: usize,
    pub(crate) max_connections_per_ip: usize,
    pub(crate) tcp_keepalive: Option<Duration>,
    pub(crate) thread_stack_size: usize,
    pub(crate) max_head_size: usize,
    pub(crate) max_headers: usize,
    pub(crate) head_timeout: Duration,
    pub(crate) body_timeout: Duration,
    pub(crate) idle_timeout: Duration,
    pub(crate) max_body_size: usize,
    pub(crate) max_message_size: usize,
    pub(crate) max_frame_size: usize,
    pub(crate) read_queue_size: usize,
    pub(crate) permessage_deflate: Option<PerMessageDeflate>,
    pub(crate) send_timeout: Duration,
    pub(crate) max_queued_bytes: usize,
    pub(crate) max_queued_messages: usize,
    pub(crate) slow_client: SlowClient,
    pub(crate) close_timeout: Duration,
    pub(crate) shutdown_timeout: Duration,
    pub(crate) ping_interval: Option<Duration>,
    pub(crate) ping_timeout: Duration,
    pub(crate) accept_all_websockets: bool,
    pub(crate) allowed_origins: Option<Vec<String>>,
    pub(crate) channel_layer: Option<Arc<dyn ChannelLayer>>,
    pub(crate) trusted_proxies: Vec<IpAddr>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            multithreaded: true,
            max_connections: 10_000,
            max_connections_per_ip: 1_000,
            tcp_keepalive: Some(Duration::from_secs(60)),
            thread_stack_size: 2 * 1024 * 1024,
            max_head_size: 16 * 1024,
            max_headers: 64,
            head_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            max_body_size: 10 * 1024 * 1024,
            max_message_size: 1024 * 1024,
            max_frame_size: 1024 * 1024,
            read_queue_size: 64 * 1024,
            permessage_deflate: None,
            send_timeout: Duration::from_secs(30),
            max_queued_bytes: DEFAULT_MAX_QUEUED_BYTES,
            max_queued_messages: DEFAULT_MAX_QUEUED_MESSAGES,
            slow_client: SlowClient::Close,
            close_timeout: Duration::from_secs(2),
            shutdown_timeout: Duration::from_secs(5),
            ping_interval: None,
            ping_timeout: Duration::from_secs(20),
            accept_all_websockets: false,
            allowed_origins: None,
            channel_layer: None,
            trusted_proxies: Vec::new(),
        }
    }
}

macro_rules! setter {
    ($(#[$doc:meta])* $name:ident, $getter:ident: $ty:ty) => {
        $(#[$doc])*
        #[must_use]
        pub fn $name(mut self, value: $ty) -> Self {
            self.$name = value;
            self
        }

        #[doc = concat!("The current value of [`", stringify!($name), "`](Self::", stringify!($name), ").")]
        pub fn $getter(&self) -> $ty {
            self.$name.clone()
        }
    };
}

impl ServerConfig {
    setter!(
        /// Serve each connection on its own thread (`true`), or one connection
        /// at a time on the accept thread, as Django's old `runserver` did.
        /// Defaults to `true`; `runserver` sets it from `--multithreaded`.
        multithreaded, get_multithreaded: bool
    );
    setter!(
        /// Most connections served at once; beyond it HTTP clients get
        /// `503 Service Unavailable` with `Retry-After`. Defaults to 10 000.
        max_connections, get_max_connections: usize
    );
    setter!(
        /// Most connections open at once from one client address (an IPv4
        /// address, or an IPv6 /64), so one client cannot take every
        /// connection; beyond it the client gets the same `503` as beyond
        /// [`max_connections`](Self::max_connections). Connections from
        /// [`trusted_proxies`](Self::trusted_proxies) count only against the
        /// total. Defaults to 1 000; `runserver --max-connections-per-ip`.
        max_connections_per_ip, get_max_connections_per_ip: usize
    );
    setter!(
        /// TCP keepalive on accepted connections: after this long without
        /// traffic the kernel probes the peer (every 10 s, 3 times) and ends a
        /// connection whose peer is gone, even a WebSocket whose view waits
        /// with no ping. `None` turns it off. Defaults to 60 s.
        tcp_keepalive, get_tcp_keepalive: Option<Duration>
    );
    setter!(
        /// Stack size of each connection thread (where views run), in bytes.
        /// The stack is virtual memory: only the pages a view touches cost
        /// RAM, so an idle WebSocket stays small however large this is; a
        /// view that overflows it aborts the whole process. Defaults to
        /// 2 MiB, std's default for spawned threads.
        thread_stack_size, get_thread_stack_size: usize
    );
    setter!(
        /// Largest request head (request line and headers), in bytes; a larger
        /// one gets `431 Request Header Fields Too Large`. Defaults to 16 KiB.
        max_head_size, get_max_head_size: usize
    );
    setter!(
        /// Most headers in a request; more gets `431`. Defaults to 64.
        max_headers, get_max_headers: usize
    );
    setter!(
        /// Time a client has to send a complete request head once it started;
        /// after it the connection is closed and logged. Defaults to 10 s.
        head_timeout, get_head_timeout: Duration
    );
    setter!(
        /// Time a client has to send a whole request body once its head has
        /// arrived, however it trickles in; after it the client gets
        /// `408 Request Timeout` and the connection is closed. Raise it to
        /// accept large uploads over slow links. Defaults to 30 s.
        body_timeout, get_body_timeout: Duration
    );
    setter!(
        /// Time an idle keep-alive HTTP connection is kept open waiting for its
        /// next request. Defaults to 60 s.
        idle_timeout, get_idle_timeout: Duration
    );
    setter!(
        /// Largest request body, in bytes; a larger one gets
        /// `413 Content Too Large`. Defaults to 10 MiB.
        max_body_size, get_max_body_size: usize
    );
    setter!(
        /// Largest WebSocket message (after reassembling fragments), in bytes; a
        /// larger one closes the connection with 1009. Defaults to 1 MiB, the
        /// Channels message limit.
        max_message_size, get_max_message_size: usize
    );
    setter!(
        /// Largest single WebSocket frame, in bytes; must not exceed
        /// [`max_message_size`](Self::max_message_size). Defaults to 1 MiB.
        max_frame_size, get_max_frame_size: usize
    );
    setter!(
        /// How many bytes of complete messages [`WebSocket::read`](crate::WebSocket::read)
        /// and friends queue ahead of the view; the rest waits in the kernel and
        /// TCP pushes back on the client. Defaults to 64 KiB.
        read_queue_size, get_read_queue_size: usize
    );
    setter!(
        /// Compress WebSocket messages with clients that offer
        /// permessage-deflate (RFC 7692; every browser does), with these
        /// settings; `None` declines every offer. Defaults to `None` (off):
        /// compression costs CPU for each message sent, and pays where
        /// bandwidth is dear (see the README's measurements);
        /// `runserver --permessage-deflate` turns it on with
        /// [`PerMessageDeflate::default`].
        permessage_deflate, get_permessage_deflate: Option<PerMessageDeflate>
    );
    setter!(
        /// Longest a blocking send may wait for the client to take one message,
        /// in all (however many writes it takes), and longest a client may take
        /// no bytes at all while messages wait for it; such a client is closed.
        /// Defaults to 30 s.
        send_timeout, get_send_timeout: Duration
    );
    setter!(
        /// Most bytes that may wait for one WebSocket client (messages queued
        /// by groups, reply channels and [`Sender::try_send`](crate::Sender::try_send)
        /// that it has not read yet); past it the
        /// [`slow_client`](Self::slow_client) policy applies. A blocking send
        /// waits instead. Defaults to 4 MiB.
        max_queued_bytes, get_max_queued_bytes: usize
    );
    setter!(
        /// Most messages that may wait for one WebSocket client, as
        /// [`max_queued_bytes`](Self::max_queued_bytes). Defaults to 4096.
        max_queued_messages, get_max_queued_messages: usize
    );
    setter!(
        /// What to do with a client over its queue bound when a group or
        /// reply-channel message arrives for it: close it with 1013, or drop
        /// the message for it. Counted and logged at WARN either way.
        /// Defaults to [`SlowClient::Close`].
        slow_client, get_slow_client: SlowClient
    );
    setter!(
        /// How long the server waits for the client's close frame after it sent
        /// its own. Defaults to 2 s.
        close_timeout, get_close_timeout: Duration
    );
    setter!(
        /// How long a graceful shutdown waits for open connections before it
        /// cuts them off. Defaults to 5 s.
        shutdown_timeout, get_shutdown_timeout: Duration
    );
    setter!(
        /// Ping a WebSocket that sent nothing for this long, however its view
        /// reads (one timer thread per server does it); `None` turns
        /// keepalive pings off. Defaults to `None` (`runserver`: 20 s).
        ping_interval, get_ping_interval: Option<Duration>
    );
    setter!(
        /// How long a pinged client has to answer before the connection is
        /// closed with 1011 and shut down (the view's `wait` returns `None`,
        /// sends fail, `close_reason()` is `TimedOut`). Defaults to 20 s.
        ping_timeout, get_ping_timeout: Duration
    );
    setter!(
        /// Accept WebSocket handshakes on every view, as Django's
        /// `WEBSOCKET_ACCEPT_ALL = True`. Defaults to `false`.
        accept_all_websockets, get_accept_all_websockets: bool
    );

    /// The channel layer that carries reply channels and groups. Defaults to
    /// the process's default layer ([`layers::default_layer`]), in memory
    /// unless set otherwise.
    #[must_use]
    pub fn channel_layer(mut self, layer: Arc<dyn ChannelLayer>) -> Self {
        self.channel_layer = Some(layer);
        self
    }

    /// The channel layer this server uses.
    pub fn get_channel_layer(&self) -> Arc<dyn ChannelLayer> {
        self.channel_layer
            .clone()
            .unwrap_or_else(layers::default_layer)
    }
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
