//! Property tests over real sockets: arbitrary bytes as a request, and
//! arbitrary frames after a handshake. Whatever arrives, the server answers or
//! closes, no connection thread panics, and the server goes on serving.
//! Bounded for CI (`PROPTEST_CASES` raises the count for a longer run); the
//! pure parsers get many more cases in the crate's own `proptests` module.

mod support;

use std::io::{Read, Write};
use std::net::Shutdown;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use proptest::prelude::*;
use support::*;
use wsviews::{path, require_websocket, Message, Request, ServerConfig};

/// Panics seen on any thread of this test binary other than the test's own.
static PANICS: AtomicUsize = AtomicUsize::new(0);

fn echo(request: &Request) -> wsviews::Result<()> {
    let websocket = request.websocket().expect("a WebSocket");
    for message in websocket {
        websocket.send(message)?;
    }
    Ok(())
}

/// One server for every case, and a hook counting panics of its threads.
fn server() -> &'static TestServer {
    static SERVER: OnceLock<TestServer> = OnceLock::new();
    SERVER.get_or_init(|| {
        init_test_log();
        let default_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let name = std::thread::current().name().unwrap_or("").to_owned();
            if name.starts_with("wsviews") {
                PANICS.fetch_add(1, Ordering::SeqCst);
            }
            default_hook(info);
        }));
        let config = ServerConfig::default()
            .max_message_size(4096)
            .max_frame_size(4096);
        TestServer::start_with_config(vec![path("echo", require_websocket(echo))], config)
    })
}

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(256);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// A frame with arbitrary flags, opcode and payload, masked or not, with a
/// length that may lie.
fn frame() -> impl Strategy<Value = Vec<u8>> {
    (
        any::<u8>(),
        any::<bool>(),
        proptest::collection::vec(any::<u8>(), 0..300),
        prop_oneof![Just(None), (0u64..70_000).prop_map(Some)],
    )
        .prop_map(|(first, masked, payload, lie)| {
            let mut out = client_frame(first & 0x80 != 0, first & 0x0f, &payload);
            out[0] = first;
            if !masked {
                out[1] &= 0x7f;
            }
            if let Some(len) = lie {
                out[1] = (out[1] & 0x80) | 127;
                let at = 2;
                out.splice(at..at, len.to_be_bytes());
            }
            out
        })
}

/// Sends `bytes`, ends the write side, and reads until the server closes.
fn send_and_drain(stream: std::net::TcpStream, bytes: &[u8]) {
    let _ = (&stream).write_all(bytes);
    let _ = stream.shutdown(Shutdown::Write);
    let mut sink = Vec::new();
    match (&stream).read_to_end(&mut sink) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
        Err(e) => panic!("the server neither answered nor closed: {e}"),
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_requests(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let server = server();
        send_and_drain(connect(server.addr()), &bytes);
        prop_assert_eq!(PANICS.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn arbitrary_frames(frames in proptest::collection::vec(frame(), 0..8)) {
        let server = server();
        let stream = raw_websocket(server.addr(), "/echo");
        send_and_drain(stream, &frames.concat());
        prop_assert_eq!(PANICS.load(Ordering::SeqCst), 0);
    }
}

#[test]
fn the_server_goes_on_after_the_fuzzing() {
    let server = server();
    let mut ws = server.websocket("/echo");
    ws.send("still serving");
    assert_eq!(ws.recv(), Some(Message::Text("still serving".into())));
}
