//! Whom the server believes: the origins allowed to open WebSockets, and
//! the reverse proxies whose forwarding headers are trusted.

use std::net::IpAddr;

use super::config::ServerConfig;

impl ServerConfig {
    /// Only accept WebSocket handshakes whose `Origin` is one of these
    /// (e.g. `"https://example.com"`); others get `403 Forbidden`. A handshake
    /// without an `Origin` header (not a browser) is allowed. Defaults to
    /// accepting every origin.
    #[must_use]
    pub fn allowed_origins<I, S>(mut self, origins: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.allowed_origins = Some(origins.into_iter().map(Into::into).collect());
        self
    }

    /// The current origin allow-list; `None` accepts every origin.
    #[deprecated(since = "0.2.0", note = "read the field `allowed_origins`")]
    pub fn get_allowed_origins(&self) -> Option<&[String]> {
        self.allowed_origins.as_deref()
    }

    /// Whether `origin` may open a WebSocket.
    pub(crate) fn origin_allowed(&self, origin: Option<&str>) -> bool {
        match (&self.allowed_origins, origin) {
            (None, _) | (Some(_), None) => true,
            (Some(list), Some(origin)) => list.iter().any(|o| o.eq_ignore_ascii_case(origin)),
        }
    }

    /// Trust `X-Forwarded-For` and `X-Forwarded-Proto` from these proxy
    /// addresses (say nginx on `127.0.0.1`): when the peer is one of them,
    /// [`Request::remote_addr`](crate::Request::remote_addr) and `REMOTE_ADDR`
    /// are the rightmost forwarded address that is not a trusted proxy, and
    /// [`Request::is_secure`](crate::Request::is_secure) follows
    /// `X-Forwarded-Proto`. Other peers' forwarding headers are ignored.
    /// Defaults to none: no header is trusted.
    ///
    /// ```
    /// use std::net::Ipv4Addr;
    /// use wsviews::ServerConfig;
    ///
    /// let config = ServerConfig::default().trusted_proxies([Ipv4Addr::LOCALHOST]);
    /// assert_eq!(config.trusted_proxies.len(), 1);
    /// ```
    #[must_use]
    pub fn trusted_proxies<I, A>(mut self, proxies: I) -> Self
    where
        I: IntoIterator<Item = A>,
        A: Into<IpAddr>,
    {
        self.trusted_proxies = proxies.into_iter().map(Into::into).collect();
        self
    }

    /// The trusted proxy addresses; empty trusts none.
    #[deprecated(since = "0.2.0", note = "read the field `trusted_proxies`")]
    pub fn get_trusted_proxies(&self) -> &[IpAddr] {
        &self.trusted_proxies
    }
}
