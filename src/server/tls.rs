//! HTTPS and `wss://` (feature `tls`): binding a [`Server`] with a
//! certificate and key.

use std::net::ToSocketAddrs;
use std::path::Path;

use super::config::ServerConfig;
use super::Server;
use crate::error::Result;
use crate::net::socket::Acceptor;
use crate::net::tls::TlsConfig;
use crate::routing::urls::UrlPattern;

impl Server {
    /// Binds to `addr` and serves HTTPS and `wss://` with the certificate
    /// chain in `cert_pem` and the private key in `key_pem` (PEM files), with
    /// the default [`ServerConfig`]. Needs the `tls` feature.
    ///
    /// ```no_run
    /// use wsviews::{path, HttpResponse, Request, Server};
    ///
    /// # fn main() -> wsviews::Result<()> {
    /// let urls = vec![path("", |_: &Request| HttpResponse::new("hello over TLS"))];
    /// let server = Server::bind_tls("127.0.0.1:8443", urls, "cert.pem", "key.pem")?;
    /// server.serve()
    /// # }
    /// ```
    ///
    /// # Errors
    /// [`Error::Io`](crate::Error::Io) if a file cannot be read or the address cannot be bound;
    /// [`Error::Config`](crate::Error::Config) if the files hold no usable certificate or key, or a
    /// URL route is malformed.
    pub fn bind_tls(
        addr: impl ToSocketAddrs,
        urlpatterns: Vec<UrlPattern>,
        cert_pem: impl AsRef<Path>,
        key_pem: impl AsRef<Path>,
    ) -> Result<Server> {
        Server::bind_tls_with_config(
            addr,
            urlpatterns,
            cert_pem,
            key_pem,
            ServerConfig::default(),
        )
    }

    /// [`bind_tls`](Self::bind_tls) with `config`.
    ///
    /// # Errors
    /// As [`bind_tls`](Self::bind_tls), and [`Error::Config`](crate::Error::Config) for an invalid
    /// setting.
    pub fn bind_tls_with_config(
        addr: impl ToSocketAddrs,
        urlpatterns: Vec<UrlPattern>,
        cert_pem: impl AsRef<Path>,
        key_pem: impl AsRef<Path>,
        config: ServerConfig,
    ) -> Result<Server> {
        let tls = TlsConfig::from_pem_files(cert_pem.as_ref(), key_pem.as_ref())?;
        Server::bind_with_acceptor(addr, urlpatterns, config, Acceptor::tls(tls))
    }
}
