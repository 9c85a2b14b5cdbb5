//! `X-Forwarded-For` / `X-Forwarded-Proto` over real sockets: believed from a
//! trusted proxy, ignored from anyone else.

mod support;

use std::net::{IpAddr, Ipv4Addr};

use support::*;
use wsviews::{path, HttpResponse, Request, ServerConfig};

fn whoami(request: &Request) -> HttpResponse {
    HttpResponse::new(format!(
        "{} {} {} {}",
        request.remote_addr().ip(),
        request.meta()["REMOTE_ADDR"],
        request.is_secure(),
        request.scheme()
    ))
}

fn server(trusted: IpAddr) -> TestServer {
    init_test_log();
    let config = ServerConfig::default().trusted_proxies([trusted]);
    TestServer::start_with_config(vec![path("whoami", whoami)], config)
}

const FORWARDED: &[(&str, &str)] = &[
    ("X-Forwarded-For", "198.51.100.1, 203.0.113.7"),
    ("X-Forwarded-Proto", "https"),
];

#[test]
fn a_trusted_proxy_names_the_client_and_scheme() {
    let server = server(Ipv4Addr::LOCALHOST.into());
    let response = server.request("GET", "/whoami", FORWARDED, b"");
    assert_eq!(response.text(), "203.0.113.7 203.0.113.7 true https");
    let plain = server.request("GET", "/whoami", &[("X-Forwarded-Proto", "http")], b"");
    assert_eq!(plain.text(), "127.0.0.1 127.0.0.1 false http");
}

#[test]
fn an_untrusted_peer_cannot_forge_them() {
    let server = server(Ipv4Addr::new(10, 9, 9, 9).into());
    let response = server.request("GET", "/whoami", FORWARDED, b"");
    assert_eq!(response.text(), "127.0.0.1 127.0.0.1 false http");
}

#[test]
fn no_proxy_is_trusted_by_default() {
    init_test_log();
    let server = TestServer::start(vec![path("whoami", whoami)]);
    let response = server.request("GET", "/whoami", FORWARDED, b"");
    assert_eq!(response.text(), "127.0.0.1 127.0.0.1 false http");
}
