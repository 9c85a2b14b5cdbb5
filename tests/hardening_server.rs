//! The server against clients that try to hold what others need (issue 12,
//! points 3 and 6): one address filling every connection, peers that vanish
//! without a word (TCP keepalive), special files in the static root.

mod support;

use std::io::{BufReader, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use support::*;
use wsviews::{path, static_files, HttpResponse, Request, ServerConfig, UrlPattern};

fn plain() -> Vec<UrlPattern> {
    vec![path("plain", |_: &Request| {
        HttpResponse::text(200, "plain")
    })]
}

/// A connection from `from` (any 127.0.0.0/8 address is this host's).
fn connect_from(from: Ipv4Addr, to: SocketAddr) -> TcpStream {
    let socket =
        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).expect("socket");
    socket
        .bind(&SocketAddr::new(IpAddr::V4(from), 0).into())
        .expect("bind the client address");
    socket.connect(&to.into()).expect("connect");
    let stream: TcpStream = socket.into();
    stream.set_read_timeout(Some(TIMEOUT)).expect("timeout");
    stream
}

/// `GET /plain` on a connection from `from`: the status.
fn status_from(from: Ipv4Addr, to: SocketAddr) -> u16 {
    let stream = connect_from(from, to);
    (&stream)
        .write_all(b"GET /plain HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .expect("write");
    read_response(&mut BufReader::new(&stream), false)
        .expect("a response")
        .status
}

const HOG: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 1);
const OTHER: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);

#[test]
fn one_address_cannot_take_every_connection() {
    init_test_log();
    let config = ServerConfig::default()
        .max_connections(6)
        .max_connections_per_ip(3);
    let server = TestServer::start_with_config(plain(), config);
    // The hog tries to hold all six; only three are its.
    let held: Vec<_> = (0..3).map(|_| connect_from(HOG, server.addr())).collect();
    wait_until("the hog's connections are registered", || {
        server.handle().connection_count() == 3
    });
    for _ in 0..3 {
        assert_eq!(status_from(HOG, server.addr()), 503);
    }
    assert_eq!(status_from(OTHER, server.addr()), 200, "others are served");
    drop(held);
    wait_until("the hog's connections are gone", || {
        server.handle().connection_count() == 0
    });
    assert_eq!(status_from(HOG, server.addr()), 200, "its share comes back");
}

#[test]
fn a_trusted_proxy_counts_only_against_the_total() {
    init_test_log();
    let config = ServerConfig::default()
        .max_connections(6)
        .max_connections_per_ip(2)
        .trusted_proxies([HOG]);
    let server = TestServer::start_with_config(plain(), config);
    let held: Vec<_> = (0..4).map(|_| connect_from(HOG, server.addr())).collect();
    wait_until("the proxy's connections are registered", || {
        server.handle().connection_count() == 4
    });
    assert_eq!(status_from(HOG, server.addr()), 200);
    drop(held);
}

/// The server side of a connection in `/proc/net/tcp`: its timer kind (2 is
/// the keepalive timer) and when it fires, in hundredths of a second.
fn server_side_timer(server: SocketAddr, client: SocketAddr) -> Option<(u8, u64)> {
    let hex = |addr: SocketAddr| match addr.ip() {
        IpAddr::V4(ip) => format!(
            "{:08X}:{:04X}",
            u32::from_le_bytes(ip.octets()),
            addr.port()
        ),
        IpAddr::V6(_) => String::new(),
    };
    let (local, remote) = (hex(server), hex(client));
    let table = std::fs::read_to_string("/proc/net/tcp").ok()?;
    let fields: Vec<&str> = table
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|f| f.get(1) == Some(&local.as_str()) && f.get(2) == Some(&remote.as_str()))?;
    let (kind, when) = fields.get(5)?.split_once(':')?;
    Some((kind.parse().ok()?, u64::from_str_radix(when, 16).ok()?))
}

#[test]
fn accepted_sockets_have_tcp_keepalive() {
    init_test_log();
    for (keepalive, want) in [(Some(Duration::from_secs(77)), Some(7700)), (None, None)] {
        let config = ServerConfig::default().tcp_keepalive(keepalive);
        let server = TestServer::start_with_config(plain(), config);
        let client = connect(server.addr());
        let addr = client.local_addr().expect("client address");
        wait_until("the connection is accepted", || {
            server.handle().connection_count() == 1
        });
        let timer = server_side_timer(server.addr(), addr).expect("the server's socket");
        match want {
            Some(when) => {
                assert_eq!(timer.0, 2, "a keepalive timer runs");
                assert!(timer.1 <= when && timer.1 > when - 500, "{timer:?}");
            }
            None => assert_ne!(timer.0, 2, "no keepalive timer"),
        }
    }
}

/// A temporary static directory with `file.txt` and a FIFO, `pipe`.
struct StaticDir(PathBuf);

impl StaticDir {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("wsviews-fifo-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("static dir");
        std::fs::write(dir.join("file.txt"), "regular").expect("file.txt");
        let made = Command::new("mkfifo")
            .arg(dir.join("pipe"))
            .status()
            .expect("run mkfifo");
        assert!(made.success(), "mkfifo failed");
        StaticDir(dir)
    }
}

impl Drop for StaticDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn only_regular_files_are_served_a_fifo_is_404_at_once() {
    init_test_log();
    let dir = StaticDir::new();
    let server = TestServer::start(vec![
        static_files::serve("/static/", &dir.0),
        path("plain", |_: &Request| HttpResponse::text(200, "plain")),
    ]);
    assert_eq!(server.get("/static/file.txt").text(), "regular");
    // Opening a FIFO for reading waits for a writer: today's server never
    // answers, and the client's read timeout fails the test.
    assert_eq!(server.get("/static/pipe").status, 404);
    assert_eq!(server.get("/static/pipe").status, 404, "no thread is stuck");
    assert_eq!(server.get("/plain").status, 200);
}
