//! Server configuration: limits, timeouts and WebSocket policy.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::layers::{self, ChannelLayer};
use crate::settings::settings;
use crate::websocket::{
    PerMessageDeflate, SlowClient, DEFAULT_MAX_QUEUED_BYTES, DEFAULT_MAX_QUEUED_MESSAGES,
};

settings! {
    /// Settings for a [`Server`](crate::Server), with a sane default for each.
    ///
    /// Build one with chainable setters; invalid combinations are reported as an
    /// [`Error::Config`](crate::Error::Config) by
    /// [`Server::bind_with_config`](crate::Server::bind_with_config), never as a
    /// panic. Each setting is also a public field of the same name, to read (as in
    /// tungstenite's `WebSocketConfig`); the `get_*` methods of earlier versions
    /// are deprecated.
    ///
    /// ```
    /// use std::time::Duration;
    /// use wsviews::ServerConfig;
    ///
    /// let config = ServerConfig::default()
    ///     .max_message_size(16 << 20)
    ///     .head_timeout(Duration::from_secs(5))
    ///     .allowed_origins(["https://example.com"]);
    /// assert_eq!(config.max_message_size, 16 << 20);
    /// ```
    #[non_exhaustive]
    #[derive(Debug, Clone)]
    pub struct ServerConfig {
        /// Serve each connection on its own thread (`true`), or one connection
        /// at a time on the accept thread, as Django's old `runserver` did.
        /// Defaults to `true`; `runserver` sets it from `--multithreaded`.
        multithreaded: bool = true, get_multithreaded;
        /// Most connections served at once; beyond it HTTP clients get
        /// `503 Service Unavailable` with `Retry-After`. Defaults to 10 000.
        max_connections: usize = 10_000, get_max_connections;
        /// Most connections open at once from one client address (an IPv4
        /// address, or an IPv6 /64), so one client cannot take every
        /// connection; beyond it the client gets the same `503` as beyond
        /// [`max_connections`](Self::max_connections()). Connections from
        /// [`trusted_proxies`](Self::trusted_proxies()) count only against the
        /// total. Defaults to 1 000; `runserver --max-connections-per-ip`.
        max_connections_per_ip: usize = 1_000, get_max_connections_per_ip;
        /// TCP keepalive on accepted connections: after this long without
        /// traffic the kernel probes the peer (every 10 s, 3 times) and ends a
        /// connection whose peer is gone, even a WebSocket whose view waits
        /// with no ping. `None` turns it off. Defaults to 60 s.
        tcp_keepalive: Option<Duration> = Some(Duration::from_secs(60)), get_tcp_keepalive;
        /// Stack size of each connection thread (where views run), in bytes.
        /// The stack is virtual memory: only the pages a view touches cost
        /// RAM, so an idle WebSocket stays small however large this is; a
        /// view that overflows it aborts the whole process. Defaults to
        /// 2 MiB, std's default for spawned threads.
        thread_stack_size: usize = 2 * 1024 * 1024, get_thread_stack_size;
        /// Largest request head (request line and headers), in bytes; a larger
        /// one gets `431 Request Header Fields Too Large`. Defaults to 16 KiB.
        max_head_size: usize = 16 * 1024, get_max_head_size;
        /// Most headers in a request; more gets `431`. Defaults to 64.
        max_headers: usize = 64, get_max_headers;
        /// Time a client has to send a complete request head once it started;
        /// after it the connection is closed and logged. Defaults to 10 s.
        head_timeout: Duration = Duration::from_secs(10), get_head_timeout;
        /// Time a client has to send a whole request body once its head has
        /// arrived, however it trickles in; after it the client gets
        /// `408 Request Timeout` and the connection is closed. Raise it to
        /// accept large uploads over slow links. Defaults to 30 s.
        body_timeout: Duration = Duration::from_secs(30), get_body_timeout;
        /// Time an idle keep-alive HTTP connection is kept open waiting for its
        /// next request. Defaults to 60 s.
        idle_timeout: Duration = Duration::from_secs(60), get_idle_timeout;
        /// Largest request body, in bytes; a larger one gets
        /// `413 Content Too Large`. Defaults to 10 MiB.
        max_body_size: usize = 10 * 1024 * 1024, get_max_body_size;
        /// Largest WebSocket message (after reassembling fragments), in bytes; a
        /// larger one closes the connection with 1009. Defaults to 1 MiB, the
        /// Channels message limit.
        max_message_size: usize = 1024 * 1024, get_max_message_size;
        /// Largest single WebSocket frame, in bytes; must not exceed
        /// [`max_message_size`](Self::max_message_size()). Defaults to 1 MiB.
        max_frame_size: usize = 1024 * 1024, get_max_frame_size;
        /// How many bytes of complete messages [`WebSocket::read`](crate::WebSocket::read)
        /// and friends queue ahead of the view; the rest waits in the kernel and
        /// TCP pushes back on the client. Defaults to 64 KiB.
        read_queue_size: usize = 64 * 1024, get_read_queue_size;
        /// Compress WebSocket messages with clients that offer
        /// permessage-deflate (RFC 7692; every browser does), with these
        /// settings; `None` declines every offer. Defaults to `None` (off):
        /// compression costs CPU for each message sent, and pays where
        /// bandwidth is dear (see the README's measurements);
        /// `runserver --permessage-deflate` turns it on with
        /// [`PerMessageDeflate::default`].
        permessage_deflate: Option<PerMessageDeflate> = None, get_permessage_deflate;
        /// Longest a blocking send may wait for the client to take one message,
        /// in all (however many writes it takes), and longest a client may take
        /// no bytes at all while messages wait for it; such a client is closed.
        /// Defaults to 30 s.
        send_timeout: Duration = Duration::from_secs(30), get_send_timeout;
        /// Most bytes that may wait for one WebSocket client (messages queued
        /// by groups, reply channels and [`Sender::try_send`](crate::Sender::try_send)
        /// that it has not read yet); past it the
        /// [`slow_client`](Self::slow_client()) policy applies. A blocking send
        /// waits instead. Defaults to 4 MiB.
        max_queued_bytes: usize = DEFAULT_MAX_QUEUED_BYTES, get_max_queued_bytes;
        /// Most messages that may wait for one WebSocket client, as
        /// [`max_queued_bytes`](Self::max_queued_bytes()). Defaults to 4096.
        max_queued_messages: usize = DEFAULT_MAX_QUEUED_MESSAGES, get_max_queued_messages;
        /// What to do with a client over its queue bound when a group or
        /// reply-channel message arrives for it: close it with 1013, or drop
        /// the message for it. Counted and logged at WARN either way.
        /// Defaults to [`SlowClient::Close`].
        slow_client: SlowClient = SlowClient::Close, get_slow_client;
        /// How long the server waits for the client's close frame after it sent
        /// its own. Defaults to 2 s.
        close_timeout: Duration = Duration::from_secs(2), get_close_timeout;
        /// How long a graceful shutdown waits for open connections before it
        /// cuts them off. Defaults to 5 s.
        shutdown_timeout: Duration = Duration::from_secs(5), get_shutdown_timeout;
        /// Ping a WebSocket that sent nothing for this long, however its view
        /// reads (one timer thread per server does it); `None` turns
        /// keepalive pings off. Defaults to `None` (`runserver`: 20 s).
        ping_interval: Option<Duration> = None, get_ping_interval;
        /// How long a pinged client has to answer before the connection is
        /// closed with 1011 and shut down (the view's `wait` returns `None`,
        /// sends fail, `close_reason()` is `TimedOut`). Defaults to 20 s.
        ping_timeout: Duration = Duration::from_secs(20), get_ping_timeout;
        /// Accept WebSocket handshakes on every view, as Django's
        /// `WEBSOCKET_ACCEPT_ALL = True`. Defaults to `false`.
        accept_all_websockets: bool = false, get_accept_all_websockets;
        /// The origins whose WebSocket handshakes are accepted, set with
        /// [`allowed_origins()`](Self::allowed_origins()). Defaults to `None`:
        /// every origin is accepted.
        allowed_origins: Option<Vec<String>> = None;
        /// The channel layer that carries reply channels and groups, set with
        /// [`channel_layer()`](Self::channel_layer()); `None`, the default, uses
        /// the process's default layer (see
        /// [`effective_channel_layer`](Self::effective_channel_layer)).
        channel_layer: Option<Arc<dyn ChannelLayer>> = None;
        /// The proxy addresses whose `X-Forwarded-For` and `X-Forwarded-Proto`
        /// are believed, set with [`trusted_proxies()`](Self::trusted_proxies()).
        /// Defaults to none.
        trusted_proxies: Vec<IpAddr> = Vec::new();
    }
}

impl ServerConfig {
    /// The channel layer that carries reply channels and groups. Defaults to
    /// the process's default layer ([`layers::default_layer`]), in memory
    /// unless set otherwise.
    #[must_use]
    pub fn channel_layer(mut self, layer: Arc<dyn ChannelLayer>) -> Self {
        self.channel_layer = Some(layer);
        self
    }

    /// The channel layer this server uses: the one set with
    /// [`channel_layer()`](Self::channel_layer()), or else the process's
    /// default layer.
    pub fn effective_channel_layer(&self) -> Arc<dyn ChannelLayer> {
        self.channel_layer
            .clone()
            .unwrap_or_else(layers::default_layer)
    }

    /// The channel layer this server uses.
    #[deprecated(since = "0.2.0", note = "use `effective_channel_layer()`")]
    pub fn get_channel_layer(&self) -> Arc<dyn ChannelLayer> {
        self.effective_channel_layer()
    }
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
