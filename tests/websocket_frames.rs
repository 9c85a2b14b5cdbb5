//! WebSocket frames over real sockets, written raw where a client would not
//! misbehave: the first frame in the handshake packet, pings and fragments,
//! protocol errors and their close codes; groups and the reply channel.

mod support;

#[path = "support/websocket_app.rs"]
mod app;

use std::io::Write;
use std::sync::{Arc, Mutex};

use support::*;
use wsviews::{path, require_websocket, Message, Request, ServerConfig};

use app::{read_head, recv, start, start_with};

#[test]
fn first_frame_in_the_handshake_packet_is_not_lost() {
    let (server, _) = start();
    let stream = connect(server.addr());
    let mut packet = handshake("/echo", &[]).into_bytes();
    packet.extend(client_frame(true, 1, b"early"));
    (&stream).write_all(&packet).unwrap();
    assert!(read_head(&stream).starts_with("HTTP/1.1 101"));
    assert_eq!(
        read_server_frame(&stream),
        Some((true, 1, b"early".to_vec()))
    );
}

#[test]
fn pings_are_answered_and_fragments_reassembled() {
    let (server, _) = start();
    let stream = raw_websocket(server.addr(), "/echo");
    (&stream)
        .write_all(&client_frame(true, 9, b"are you there"))
        .unwrap();
    assert_eq!(
        read_server_frame(&stream),
        Some((true, 10, b"are you there".to_vec()))
    );
    let mut parts = client_frame(false, 1, "caf".as_bytes());
    parts.extend(client_frame(true, 9, b"mid"));
    parts.extend(client_frame(true, 0, "é!".as_bytes()));
    (&stream).write_all(&parts).unwrap();
    assert_eq!(
        read_server_frame(&stream),
        Some((true, 10, b"mid".to_vec()))
    );
    assert_eq!(
        read_server_frame(&stream),
        Some((true, 1, "café!".as_bytes().to_vec()))
    );
    (&stream)
        .write_all(&client_frame(true, 8, &1000u16.to_be_bytes()))
        .unwrap();
    assert_eq!(read_close_code(&stream), Some(1000));
    assert!(
        read_to_close(&stream).is_empty(),
        "the server closes TCP after the close handshake"
    );
}

#[test]
fn protocol_errors_get_their_close_codes() {
    let (server, _) = start_with(
        ServerConfig::default()
            .max_message_size(1000)
            .max_frame_size(1000),
    );
    let cases: Vec<(Vec<u8>, u16)> = vec![
        (client_frame(true, 1, b"\xff\xfe"), 1007),
        (client_frame(true, 2, &[0u8; 1001]), 1009),
        (
            [
                client_frame(false, 2, &[0u8; 600]),
                client_frame(true, 0, &[0u8; 600]),
            ]
            .concat(),
            1009,
        ),
        (client_frame(true, 3, b""), 1002),
        (client_frame(true, 0, b"orphan"), 1002),
        (client_frame(false, 9, b""), 1002),
        (client_frame(true, 8, &[0x03]), 1002),
        (client_frame(true, 8, &999u16.to_be_bytes()), 1002),
        (
            {
                let mut frame = client_frame(true, 1, b"x");
                frame[0] |= 0x40;
                frame
            },
            1002,
        ),
        (vec![0x81, 0x01, b'x'], 1002),
    ];
    for (bytes, code) in cases {
        let stream = raw_websocket(server.addr(), "/echo");
        (&stream).write_all(&bytes).unwrap();
        assert_eq!(
            read_close_code(&stream),
            Some(code),
            "{:?}",
            &bytes[..bytes.len().min(8)]
        );
    }
}

#[test]
fn groups_broadcast_and_members_leave_when_they_close() {
    let (server, rx) = start();
    let mut alice = server.websocket("/room/lobby");
    assert_eq!(recv(&rx), "joined");
    let mut bob = server.websocket("/room/lobby");
    assert_eq!(recv(&rx), "joined");
    alice.send("hi all");
    assert_eq!(alice.recv().unwrap(), "hi all");
    assert_eq!(bob.recv().unwrap(), "hi all");
    bob.send(vec![7u8]);
    assert_eq!(alice.recv().unwrap(), Message::Binary(vec![7]));
    assert_eq!(server.group("test-room-lobby").channels().unwrap().len(), 2);
    bob.close();
    wait_until("bob has left the group", || {
        server
            .group("test-room-lobby")
            .channels()
            .map(|c| c.len())
            .ok()
            == Some(1)
    });
    server
        .group("test-room-lobby")
        .send("from outside any view")
        .unwrap();
    assert_eq!(alice.recv().unwrap(), "from outside any view");
    alice.close();
}

#[test]
fn the_reply_channel_reaches_the_socket() {
    let received = Arc::new(Mutex::new(None));
    let seen = Arc::clone(&received);
    init_test_log();
    let server = TestServer::start(vec![path(
        "reply",
        require_websocket(move |request: &Request| {
            let websocket = request.websocket().expect("ws");
            *seen.lock().unwrap() = websocket.reply_channel().map(str::to_owned);
            websocket.wait();
        }),
    )]);
    let mut ws = server.websocket("/reply");
    wait_until("the view saw its reply channel", || {
        received.lock().unwrap().is_some()
    });
    let channel = received.lock().unwrap().clone().unwrap();
    let layer = server.channel_layer();
    let message = serde_json::json!({"content": "through the layer", "close": true});
    layer.send(&channel, message.as_object().unwrap()).unwrap();
    assert_eq!(ws.recv().unwrap(), "through the layer");
    assert_eq!(ws.recv(), None);
    assert_eq!(ws.close_code(), Some(1000));
}
