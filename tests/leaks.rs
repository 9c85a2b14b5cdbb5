//! Resource bounds under hostile clients, measured on this process (the
//! server runs in-process): threads of abandoned connections end, and a
//! client flooding a view that does not read costs bounded memory.
//!
//! Both read process-wide figures (`/proc/self/status`), so they run one
//! after the other in this binary's only test: a second test's thread,
//! started by the harness at any moment, would skew the thread count.

mod support;

use std::io::{ErrorKind, Write};
use std::net::TcpStream;
use std::sync::{mpsc, Mutex};
use std::time::{Duration, Instant};

use support::*;
use wsviews::{path, require_websocket, Message, Request, ServerConfig, UrlPattern};

/// This process's resident memory, in KiB.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

fn echo(request: &Request) -> wsviews::Result<()> {
    let websocket = request.websocket().expect("a WebSocket");
    for message in websocket {
        websocket.send(message)?;
    }
    Ok(())
}

/// Connections opened: half of each kind below, then abandoned.
const ABANDONED: usize = 500;

#[test]
fn resources_stay_bounded() {
    init_test_log();
    abandoned_connections_leave_no_threads();
    flooding_an_unread_websocket_is_bounded_and_loses_nothing();
}

fn abandoned_connections_leave_no_threads() {
    let server = TestServer::start(vec![path("echo", require_websocket(echo))]);
    let base = thread_count();
    let mut peak = base;
    let mut open = Vec::new();
    for i in 0..ABANDONED {
        if i % 2 == 0 {
            // Mid-handshake: half a request head.
            let stream = connect(server.addr());
            (&stream)
                .write_all(b"GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nSec-WebSo")
                .expect("half a head");
            open.push(stream);
        } else {
            // Mid-frame: a header announcing 1000 bytes, then 10 of them.
            let stream = raw_websocket(server.addr(), "/echo");
            let frame = client_frame(true, 0x2, &[0; 1000]);
            (&stream).write_all(&frame[..18]).expect("half a frame");
            open.push(stream);
        }
    }
    wait_until("every connection is registered", || {
        server.handle().connection_count() == ABANDONED
    });
    peak = peak.max(thread_count());
    drop(open);
    wait_until("every connection is gone", || {
        server.handle().connection_count() == 0
    });
    // Generous: 500 threads unwinding on a loaded CI machine take a while.
    let deadline = Instant::now() + Duration::from_secs(60);
    while thread_count() > base {
        assert!(
            Instant::now() < deadline,
            "{} threads left, base {base}",
            thread_count()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    eprintln!(
        "threads: base {base}, with {ABANDONED} abandoned connections {peak}, after {}",
        thread_count()
    );
    assert!(peak > ABANDONED, "one thread per connection while open");
}

/// Size of each flooded message, and how many: 64 MiB in all, far more than
/// the kernel's socket buffers hold.
const MESSAGE: usize = 16 * 1024;
const MESSAGES: u32 = 4096;
/// Generous bound on memory growth while the view does not read: a quarter
/// of what was flooded. Measured growth is well under 1 MiB.
const RSS_BOUND_KIB: u64 = 16 * 1024;

/// A view that only polls `count_messages()` until told to go, then reads
/// every message and checks their order.
fn hold_then_read(go: mpsc::Receiver<()>, queued: mpsc::Sender<usize>) -> Vec<UrlPattern> {
    let go = Mutex::new(go);
    vec![path(
        "hold",
        require_websocket(move |request: &Request| -> wsviews::Result<()> {
            let websocket = request.websocket().expect("a WebSocket");
            let go = go.lock().expect("lock");
            let mut most = 0;
            while go.recv_timeout(Duration::from_millis(10)).is_err() {
                most = most.max(websocket.count_messages());
            }
            let _ = queued.send(most);
            for expected in 0..MESSAGES {
                match websocket.wait() {
                    Some(Message::Binary(data)) if data.len() == MESSAGE => {
                        let index = u32::from_be_bytes([data[0], data[1], data[2], data[3]]);
                        if index != expected {
                            return websocket.send(format!("got {index}, expected {expected}"));
                        }
                    }
                    other => return websocket.send(format!("unexpected {other:?}")),
                }
            }
            websocket.send(format!("ok {MESSAGES}"))
        }),
    )]
}

/// Writes all of `bytes`, reporting once on `stalled` when the socket's
/// write timeout expires (the kernel buffers are full: TCP pushes back).
fn write_reporting_stall(stream: &TcpStream, mut bytes: &[u8], stalled: &mpsc::Sender<()>) {
    while !bytes.is_empty() {
        match (&*stream).write(bytes) {
            Ok(n) => bytes = &bytes[n..],
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                let _ = stalled.send(());
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => panic!("flood write failed: {e}"),
        }
    }
}

fn flooding_an_unread_websocket_is_bounded_and_loses_nothing() {
    let (go_tx, go_rx) = mpsc::channel();
    let (queued_tx, queued_rx) = mpsc::channel();
    let config = ServerConfig::default().max_message_size(1 << 20);
    let server = TestServer::start_with_config(hold_then_read(go_rx, queued_tx), config);
    let stream = raw_websocket(server.addr(), "/hold");
    let before = rss_kib();

    let (stalled_tx, stalled_rx) = mpsc::channel();
    let writer = stream.try_clone().expect("clone");
    writer
        .set_write_timeout(Some(Duration::from_millis(200)))
        .expect("write timeout");
    let flood = std::thread::spawn(move || {
        let mut frame = client_frame(true, 0x2, &[0; MESSAGE]);
        let payload_at = frame.len() - MESSAGE;
        for index in 0..MESSAGES {
            let masked: Vec<u8> = index
                .to_be_bytes()
                .iter()
                .zip([1u8, 2, 3, 4])
                .map(|(b, m)| b ^ m)
                .collect();
            frame[payload_at..payload_at + 4].copy_from_slice(&masked);
            write_reporting_stall(&writer, &frame, &stalled_tx);
        }
    });

    stalled_rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the flood stalls: TCP pushes back");
    let growth = rss_kib().saturating_sub(before);
    go_tx.send(()).expect("go");
    let most_queued = queued_rx.recv_timeout(TIMEOUT).expect("the view polled");
    flood.join().expect("flood thread");
    let (_, opcode, reply) = read_server_frame(&stream).expect("the view's verdict");
    assert_eq!(
        (opcode, String::from_utf8_lossy(&reply).into_owned()),
        (0x1, format!("ok {MESSAGES}"))
    );
    eprintln!(
        "flood of {} MiB: RSS grew {growth} KiB while unread; count_messages() peaked at {most_queued}",
        (MESSAGE * MESSAGES as usize) >> 20
    );
    assert!(
        growth < RSS_BOUND_KIB,
        "RSS grew {growth} KiB (bound {RSS_BOUND_KIB} KiB)"
    );
    assert!(
        most_queued <= 64 * 1024 / MESSAGE + 1,
        "queued {most_queued} messages"
    );
}
