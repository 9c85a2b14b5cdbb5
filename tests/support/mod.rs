//! Helpers shared by the integration tests: raw sockets on 127.0.0.1 with
//! read timeouts, hand-made WebSocket frames, and one logger.
#![allow(dead_code, unused_imports)]

use std::io::{BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Once;
use std::time::Duration;

pub use wsviews::test::{read_response, TestResponse, TestServer};

/// How long a raw test socket waits for the server.
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// Logs to the test output once per test binary (`RUST_LOG` to see it).
pub fn init_test_log() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = env_logger::builder().is_test(true).try_init();
    });
}

/// A raw connection with a read timeout.
pub fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(TIMEOUT)).expect("timeout");
    stream
}

/// Sends `raw` on a new connection and reads one response.
pub fn raw_request(addr: SocketAddr, raw: &[u8]) -> TestResponse {
    let stream = connect(addr);
    (&stream).write_all(raw).expect("write");
    read_response(&mut BufReader::new(stream), false).expect("response")
}

/// Everything the server sends until it closes the connection.
pub fn read_to_close(stream: &TcpStream) -> Vec<u8> {
    let mut out = Vec::new();
    let _ = (&*stream).read_to_end(&mut out);
    out
}

/// A WebSocket handshake request with `extra` header lines.
pub fn handshake(path: &str, extra: &[&str]) -> String {
    let mut lines = vec![
        format!("GET {path} HTTP/1.1"),
        "Host: 127.0.0.1".to_owned(),
        "Upgrade: websocket".to_owned(),
        "Connection: Upgrade".to_owned(),
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==".to_owned(),
        "Sec-WebSocket-Version: 13".to_owned(),
    ];
    for line in extra {
        let name = line.split(':').next().unwrap_or("");
        lines.retain(|l| {
            !l.to_ascii_lowercase()
                .starts_with(&format!("{}:", name.to_ascii_lowercase()))
        });
        if !line.ends_with(':') {
            lines.push((*line).to_owned());
        }
    }
    format!("{}\r\n\r\n", lines.join("\r\n"))
}

/// A masked client frame (mask key `1, 2, 3, 4`).
pub fn client_frame(fin: bool, opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![(u8::from(fin) << 7) | opcode];
    match payload.len() {
        n if n < 126 => out.push(0x80 | n as u8),
        n if n < 65536 => {
            out.push(0x80 | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(0x80 | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    let mask = [1u8, 2, 3, 4];
    out.extend_from_slice(&mask);
    out.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    out
}

/// One unmasked server frame: `(fin, opcode, payload)`.
pub fn read_server_frame(stream: &TcpStream) -> Option<(bool, u8, Vec<u8>)> {
    let (first, payload) = read_frame_bytes(stream)?;
    Some((first & 0x80 != 0, first & 0x0f, payload))
}

/// One unmasked server frame: its first byte (FIN, RSV bits, opcode) and
/// its payload.
pub fn read_frame_bytes(stream: &TcpStream) -> Option<(u8, Vec<u8>)> {
    let mut reader = stream;
    let mut head = [0u8; 2];
    reader.read_exact(&mut head).ok()?;
    let len = match head[1] & 0x7f {
        126 => {
            let mut b = [0u8; 2];
            reader.read_exact(&mut b).ok()?;
            u64::from(u16::from_be_bytes(b))
        }
        127 => {
            let mut b = [0u8; 8];
            reader.read_exact(&mut b).ok()?;
            u64::from_be_bytes(b)
        }
        n => u64::from(n),
    };
    let mut payload = vec![0u8; len as usize];
    reader.read_exact(&mut payload).ok()?;
    Some((head[0], payload))
}

/// Opens a raw WebSocket to `path` and returns the socket after the `101`.
pub fn raw_websocket(addr: SocketAddr, path: &str) -> TcpStream {
    let stream = connect(addr);
    (&stream)
        .write_all(handshake(path, &[]).as_bytes())
        .expect("write");
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        (&stream).read_exact(&mut byte).expect("101 response");
        head.push(byte[0]);
    }
    assert!(
        head.starts_with(b"HTTP/1.1 101"),
        "{}",
        String::from_utf8_lossy(&head)
    );
    stream
}

/// Reads server frames until a close frame; returns its code.
pub fn read_close_code(stream: &TcpStream) -> Option<u16> {
    while let Some((_, opcode, payload)) = read_server_frame(stream) {
        if opcode == 8 {
            return Some(
                payload
                    .get(..2)
                    .map_or(1005, |b| u16::from_be_bytes([b[0], b[1]])),
            );
        }
    }
    None
}

/// The number of threads of this test process.
pub fn thread_count() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

/// Waits (polling a condition, bounded) until `check` holds.
pub fn wait_until(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + TIMEOUT;
    while !check() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting until {what}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// `/seen`: a WebSocket view that reports every message it receives on
/// `seen`, then `None` when `wait()` returns `None`.
pub fn seen_view(seen: std::sync::mpsc::Sender<Option<wsviews::Message>>) -> wsviews::UrlPattern {
    let seen = std::sync::Mutex::new(seen);
    wsviews::path(
        "seen",
        wsviews::require_websocket(move |request: &wsviews::Request| {
            let websocket = request.websocket().expect("a WebSocket");
            let seen = seen.lock().expect("lock").clone();
            while let Some(message) = websocket.wait() {
                let _ = seen.send(Some(message));
            }
            let _ = seen.send(None);
        }),
    )
}

/// A burst: every member of `members` sends `each` messages at once (`"<member> <n>"`),
/// then reads until it has every member's, checking each sender's order; then all close.
pub fn burst_in_order(members: Vec<wsviews::test::TestWebSocket>, each: usize) {
    let count = members.len();
    let go = std::sync::Arc::new(std::sync::Barrier::new(count));
    let threads: Vec<_> = members
        .into_iter()
        .enumerate()
        .map(|(me, mut ws)| {
            let go = std::sync::Arc::clone(&go);
            std::thread::spawn(move || {
                go.wait();
                for n in 0..each {
                    ws.send(format!("{me} {n}"));
                }
                let mut next = vec![0usize; count];
                for _ in 0..count * each {
                    let text = ws.recv().expect("a message").into_text().expect("text");
                    let (from, n) = text.split_once(' ').expect("sender and number");
                    let (from, n): (usize, usize) = (from.parse().unwrap(), n.parse().unwrap());
                    assert_eq!(n, next[from], "member {me}: {from}'s messages in order");
                    next[from] += 1;
                }
                assert!(
                    next.iter().all(|&n| n == each),
                    "member {me} got everything"
                );
                ws
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("member").close();
    }
}
