//! Cookbook: running behind nginx.
//!
//! nginx terminates TLS and passes HTTP and WebSockets to wsviews on
//! `127.0.0.1:8000`. The app trusts `X-Forwarded-For` and
//! `X-Forwarded-Proto` from that address only, so `request.remote_addr()`,
//! `REMOTE_ADDR` and `request.is_secure()` describe the browser, not nginx.
//!
//! ```nginx
//! upstream wsviews {
//!     server 127.0.0.1:8000;
//! }
//!
//! server {
//!     listen 443 ssl;
//!     server_name example.com;
//!     ssl_certificate     /etc/letsencrypt/live/example.com/fullchain.pem;
//!     ssl_certificate_key /etc/letsencrypt/live/example.com/privkey.pem;
//!
//!     location /static/ {
//!         alias /srv/app/static/;
//!     }
//!
//!     location / {
//!         proxy_pass http://wsviews;
//!         proxy_http_version 1.1;                     # WebSockets need HTTP/1.1
//!         proxy_set_header Upgrade $http_upgrade;     # pass the upgrade through
//!         proxy_set_header Connection "upgrade";
//!         proxy_set_header Host $host;
//!         proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
//!         proxy_set_header X-Forwarded-Proto $scheme;
//!         proxy_read_timeout 1h;                      # idle WebSockets stay open
//!         proxy_send_timeout 1h;
//!     }
//! }
//! ```
//!
//! (With `Connection "upgrade"` on every request nginx does not keep
//! upstream connections alive; use a `map $http_upgrade $connection_upgrade`
//! if that matters.)
//!
//! ```text
//! cargo run --example cookbook_nginx
//! ```

use std::net::Ipv4Addr;

use wsviews::{accept_websocket, path, HttpResponse, Request, Server, ServerConfig};

fn whoami(request: &Request) -> wsviews::Result<HttpResponse> {
    let about = format!(
        "client {} over {}",
        request.remote_addr().ip(),
        request.scheme()
    );
    let Some(websocket) = request.websocket() else {
        return Ok(HttpResponse::new(about + "\n"));
    };
    websocket.send(about)?;
    for message in websocket {
        websocket.send(message)?;
    }
    Ok(HttpResponse::new(""))
}

fn main() -> wsviews::Result<()> {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let config = ServerConfig::default()
        .trusted_proxies([Ipv4Addr::LOCALHOST])
        .allowed_origins(["https://example.com"])
        .ping_interval(Some(std::time::Duration::from_secs(30)));
    let server = Server::bind_with_config(
        "127.0.0.1:8000",
        vec![path("whoami", accept_websocket(whoami))],
        config,
    )?;
    println!("behind nginx: http://{}/whoami", server.local_addr());
    server.serve()
}
