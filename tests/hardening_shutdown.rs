//! Shutdown bounded for real (issue 12, point 8): with clients that never
//! read, whose views are blocked in a send holding the write lock, every
//! other client still gets its 1001 at once, the silent ones are cut off
//! after `close_timeout`, and the whole shutdown (the process, under
//! SIGTERM) ends within its deadline.

#[path = "support/examples.rs"]
mod examples;
#[path = "support/processes.rs"]
mod processes;
mod support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use processes::App;
use support::*;
use wsviews::{path, require_websocket, Request, ServerConfig, UrlPattern};

fn echo() -> Vec<UrlPattern> {
    vec![path(
        "echo",
        require_websocket(|request: &Request| {
            let websocket = request.websocket().expect("a WebSocket");
            for message in websocket {
                if websocket.send(message).is_err() {
                    break;
                }
            }
        }),
    )]
}

/// A WebSocket client that sends to `/echo` and never reads, until the
/// echoes fill every buffer: the server's view is then blocked in `send`,
/// holding the connection's write lock, and stops reading. A small socket
/// receive buffer keeps that to a few MiB.
fn stalled_reader(addr: SocketAddr) -> TcpStream {
    let socket =
        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).expect("socket");
    socket.set_recv_buffer_size(4096).expect("SO_RCVBUF");
    socket.connect(&addr.into()).expect("connect");
    let ws: TcpStream = socket.into();
    ws.set_read_timeout(Some(TIMEOUT)).expect("timeout");
    (&ws)
        .write_all(handshake("/echo", &[]).as_bytes())
        .expect("handshake");
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        (&ws).read_exact(&mut byte).expect("101");
        head.push(byte[0]);
    }
    assert!(head.starts_with(b"HTTP/1.1 101"));
    ws.set_write_timeout(Some(Duration::from_millis(200)))
        .expect("write timeout");
    let frame = client_frame(true, 2, &vec![7u8; 512 * 1024]);
    for _ in 0..128 {
        if (&ws).write_all(&frame).is_err() {
            return ws;
        }
    }
    panic!("the server kept reading 64 MiB that it could not echo");
}

/// Three [`stalled_reader`]s, made at once.
fn stalled_readers(addr: SocketAddr) -> Vec<TcpStream> {
    let threads: Vec<_> = (0..3)
        .map(|_| std::thread::spawn(move || stalled_reader(addr)))
        .collect();
    threads
        .into_iter()
        .map(|t| t.join().expect("a stalled reader"))
        .collect()
}

/// An open WebSocket that answers nothing.
fn idle(addr: SocketAddr) -> TcpStream {
    let ws = raw_websocket(addr, "/echo");
    (&ws)
        .write_all(&client_frame(true, 1, b"hi"))
        .expect("send");
    assert_eq!(read_server_frame(&ws).map(|f| f.2), Some(b"hi".to_vec()));
    ws
}

#[test]
fn blocked_sends_delay_no_1001_and_silent_clients_are_cut_at_close_timeout() {
    init_test_log();
    let config = ServerConfig::default()
        .close_timeout(Duration::from_millis(300))
        .shutdown_timeout(Duration::from_secs(3));
    let server = TestServer::start_with_config(echo(), config);
    let stalled = stalled_readers(server.addr());
    let quiet = idle(server.addr());

    let stopper = server.handle().shutdown_handle();
    let (done, report) = crossbeam_channel::bounded(1);
    std::thread::spawn(move || done.send(stopper.shutdown()));
    // Today the 1001s go out one by one behind each blocked send (up to
    // `send_timeout`, 30 s, each): the idle client would wait past TIMEOUT.
    assert_eq!(read_close_code(&quiet), Some(1001));
    // It never answers: it is cut off at `close_timeout`, well before the
    // 3 s deadline, and so are the clients that never read.
    let report = report.recv_timeout(TIMEOUT).expect("shutdown returned");
    assert_eq!((report.websockets_closed, report.cut_off), (4, 4));
    assert!(read_to_close(&quiet).is_empty());
    for stream in &stalled {
        stream.set_read_timeout(Some(TIMEOUT)).expect("timeout");
        // What they get is the echoes, then the end of the stream.
        let _ = read_to_close(stream);
    }
    assert_eq!(server.handle().connection_count(), 0);
}

#[test]
fn the_demo_exits_on_sigterm_within_its_deadline_despite_clients_that_never_read() {
    let mut demo = App::runserver("demo", &["-v", "1", "--nostatic"]);
    let _stalled = stalled_readers(demo.addr());
    let quiet = idle(demo.addr());
    demo.signal("TERM");
    assert_eq!(
        read_close_code(&quiet),
        Some(1001),
        "at once, not after the blocked ones"
    );
    // The default deadline is 5 s (close_timeout 2 s); a margin of 2 s.
    let status = demo.wait_exit(Duration::from_secs(7));
    assert!(status.success(), "{status}");
    demo.wait_for_log("4 WebSocket(s) closed with 1001", TIMEOUT);
}
