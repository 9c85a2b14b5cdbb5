//! A WebSocket message is counted honestly (issue 12, point 5): a
//! continuation frame whose announced length would take the message past
//! `max_message_size` is refused with 1009 from its header, before any of its
//! payload is buffered, so a connection never holds two messages' worth.

mod support;

use std::io::Write;

use support::*;
use wsviews::{path, require_websocket, Request, ServerConfig, UrlPattern};

const MAX: usize = 1000;

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

fn server() -> TestServer {
    init_test_log();
    let config = ServerConfig::default()
        .max_message_size(MAX)
        .max_frame_size(MAX);
    TestServer::start_with_config(echo(), config)
}

#[test]
fn a_continuation_past_the_limit_is_1009_from_its_header() {
    let server = server();
    let ws = raw_websocket(server.addr(), "/echo");
    (&ws)
        .write_all(&client_frame(false, 1, &[b'a'; 600]))
        .expect("first fragment");
    // Only the header of a 600-byte continuation (2 + 2 length + 4 mask
    // bytes): 600 + 600 > 1000, so the server must not wait for its payload.
    let continuation = client_frame(true, 0, &[b'b'; 600]);
    (&ws).write_all(&continuation[..8]).expect("header");
    assert_eq!(read_close_code(&ws), Some(1009));
}

#[test]
fn a_message_of_exactly_the_limit_still_passes() {
    let server = server();
    let ws = raw_websocket(server.addr(), "/echo");
    let mut frames = client_frame(false, 2, &[1; 600]);
    frames.extend(client_frame(false, 0, &[2; 300]));
    // A ping between fragments is not counted against the message.
    frames.extend(client_frame(true, 9, &[0; 125]));
    frames.extend(client_frame(true, 0, &[3; 100]));
    (&ws).write_all(&frames).expect("fragments");
    let (_, opcode, _) = read_server_frame(&ws).expect("pong");
    assert_eq!(opcode, 10);
    let (fin, opcode, payload) = read_server_frame(&ws).expect("the echo");
    assert!(fin);
    assert_eq!((opcode, payload.len()), (2, MAX));
    (&ws)
        .write_all(&client_frame(true, 2, &[4; MAX + 1]))
        .expect("one byte over");
    assert_eq!(read_close_code(&ws), Some(1009));
}
