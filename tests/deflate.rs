//! permessage-deflate (RFC 7692) over real sockets: what a client sees of
//! the negotiation, compressed messages both ways in both context-takeover
//! modes (view sends, `Sender`s and group deliveries alike), and the limits.
#![cfg(feature = "deflate")]

#[path = "support/deflate.rs"]
mod deflate_client;
mod support;

use std::io::Write;

use deflate_client::DeflateClient;
use support::*;
use wsviews::{path, require_websocket, Group, PerMessageDeflate, Request, ServerConfig};

fn echo(request: &Request) -> wsviews::Result<()> {
    let websocket = request.websocket().expect("a WebSocket");
    for message in websocket {
        websocket.send(message)?;
    }
    Ok(())
}

/// Answers each message from another thread, through a `Sender`.
fn sender_echo(request: &Request) -> wsviews::Result<()> {
    let websocket = request.websocket().expect("a WebSocket");
    for message in websocket {
        let sender = websocket.sender();
        std::thread::spawn(move || sender.send(message))
            .join()
            .expect("the sending thread")?;
    }
    Ok(())
}

/// Joins a group, then sends every message to the group.
fn group_echo(request: &Request) -> wsviews::Result<()> {
    let websocket = request.websocket().expect("a WebSocket");
    let group = Group::new("deflate-test");
    group.add(websocket)?;
    for message in websocket {
        group.send(message)?;
    }
    Ok(())
}

/// Says its reply channel, then waits: what arrives there goes out to the
/// client as a reply-channel delivery.
fn reply(request: &Request) -> wsviews::Result<()> {
    let websocket = request.websocket().expect("a WebSocket");
    websocket.send(websocket.reply_channel().unwrap_or("none").to_owned())?;
    for _ in websocket {}
    Ok(())
}

fn server(deflate: Option<PerMessageDeflate>) -> TestServer {
    init_test_log();
    let urls = vec![
        path("echo", require_websocket(echo)),
        path("sender", require_websocket(sender_echo)),
        path("group", require_websocket(group_echo)),
        path("reply", require_websocket(reply)),
    ];
    let config = ServerConfig::default()
        .max_message_size(64 * 1024)
        .max_frame_size(64 * 1024)
        .permessage_deflate(deflate);
    TestServer::start_with_config(urls, config)
}

fn chat_json(n: usize) -> String {
    let items: Vec<String> = (0..12)
        .map(|i| {
            format!(r#"{{"id":{i},"user":"user{n}","text":"message number {i} in the lobby"}}"#)
        })
        .collect();
    format!(
        r#"{{"type":"chat.message","n":{n},"items":[{}]}}"#,
        items.join(",")
    )
}

#[test]
fn the_client_sees_what_was_negotiated() {
    let on = server(Some(PerMessageDeflate::default()));
    let cases = [
        (
            "permessage-deflate; client_max_window_bits",
            Some("permessage-deflate; server_no_context_takeover; client_no_context_takeover"),
        ),
        ("permessage-deflate; bogus, x-webkit-deflate-frame", None),
        (
            "permessage-deflate; server_max_window_bits=16, permessage-deflate; server_max_window_bits=10",
            Some("permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10"),
        ),
        (
            "permessage-deflate; client_no_context_takeover",
            Some("permessage-deflate; server_no_context_takeover; client_no_context_takeover"),
        ),
    ];
    for (offer, want) in cases {
        let client = DeflateClient::connect(on.addr(), "/echo", offer);
        assert_eq!(client.extensions.as_deref(), want, "{offer}");
    }
    let off = server(None);
    let client = DeflateClient::connect(off.addr(), "/echo", "permessage-deflate");
    assert_eq!(client.extensions, None, "not offered when off");
}

/// Sends ten similar messages compressed to `path` and checks each answer
/// is compressed and right; returns the answers' compressed sizes.
fn compressed_echoes(server: &TestServer, path: &str, offer: &str) -> Vec<usize> {
    let mut client = DeflateClient::connect(server.addr(), path, offer);
    assert!(client.extensions.is_some(), "{path}: negotiated");
    let client_resets = client.agreed("client_no_context_takeover");
    let server_resets = client.agreed("server_no_context_takeover");
    let mut sizes = Vec::new();
    for n in 0..10 {
        let message = chat_json(n);
        if client_resets {
            client.reset_compressor();
        }
        if n % 3 == 2 {
            client.send_fragmented(&message, 3);
        } else {
            client.send_text(&message);
        }
        let first = client.frame();
        assert!(
            first.rsv1 && first.fin && first.opcode == 1,
            "{path}: {first:?}"
        );
        sizes.push(first.payload.len());
        let got = client.inflate(first.payload, server_resets);
        assert_eq!(
            String::from_utf8(got).unwrap(),
            message,
            "{path} message {n}"
        );
    }
    sizes
}

#[test]
fn compressed_echo_without_context_takeover() {
    let server = server(Some(PerMessageDeflate::default()));
    for path in ["/echo", "/sender", "/group"] {
        let sizes = compressed_echoes(
            &server,
            path,
            "permessage-deflate; client_no_context_takeover",
        );
        let raw = chat_json(0).len();
        assert!(
            sizes.iter().all(|&s| s * 2 < raw),
            "{path}: {sizes:?} of {raw}"
        );
        // Each message alone: no later one is much smaller than the first.
        assert!(sizes.iter().all(|&s| s * 2 > sizes[0]), "{path}: {sizes:?}");
    }
}

#[test]
fn compressed_echo_with_context_takeover() {
    let deflate = PerMessageDeflate::default()
        .server_context_takeover(true)
        .client_context_takeover(true);
    let server = server(Some(deflate));
    for path in ["/echo", "/sender", "/group"] {
        let sizes = compressed_echoes(&server, path, "permessage-deflate; client_max_window_bits");
        // Later messages refer back to earlier ones.
        assert!(sizes[5] * 2 < sizes[0], "{path}: {sizes:?}");
    }
}

#[test]
fn short_messages_are_stored_and_control_frames_never_compressed() {
    let server = server(Some(PerMessageDeflate::default().min_size(100)));
    let mut client = DeflateClient::connect(server.addr(), "/echo", "permessage-deflate");
    client.send_text("short");
    // Below min_size: a stored deflate block, no compression work.
    let frame = client.frame();
    assert!(frame.rsv1, "{frame:?}");
    assert_eq!(
        frame.payload,
        [0, 5, 0, 0xfa, 0xff, b's', b'h', b'o', b'r', b't', 0]
    );
    assert_eq!(client.inflate(frame.payload, true), b"short");
    client.send_raw(0x89, b"ping");
    let pong = client.frame();
    assert!(
        !pong.rsv1 && pong.opcode == 0xA && pong.payload == b"ping",
        "{pong:?}"
    );
    // An uncompressed message from the client is fine too.
    let mut frame = client_frame(true, 1, b"plain");
    frame[0] = 0x81;
    (&client.stream).write_all(&frame).unwrap();
    assert_eq!(client.recv(true), (true, b"plain".to_vec()));
    client.send_raw(0x88, &1000u16.to_be_bytes());
    let close = client.frame();
    assert!(!close.rsv1 && close.opcode == 8, "{close:?}");
}

#[test]
fn a_decompression_bomb_closes_1009() {
    let server = server(Some(PerMessageDeflate::default()));
    let mut client = DeflateClient::connect(server.addr(), "/echo", "permessage-deflate");
    // 16 MiB of zeros deflate to about 16 KiB; the limit is 64 KiB inflated.
    let bomb = client.deflate(&vec![0u8; 16 << 20]);
    assert!(bomb.len() < 64 * 1024);
    client.send_raw(0x80 | 0x40 | 0x2, &bomb);
    assert_eq!(client.close_code(), Some(1009));
}

#[test]
fn rsv1_where_it_does_not_belong_closes_1002() {
    let off = server(None);
    let mut client = DeflateClient::connect(off.addr(), "/echo", "permessage-deflate");
    assert_eq!(client.extensions, None);
    let compressed = client.deflate(b"hello hello hello");
    client.send_raw(0x80 | 0x40 | 0x1, &compressed);
    assert_eq!(client.close_code(), Some(1002), "RSV1 without negotiation");

    let on = server(Some(PerMessageDeflate::default()));
    let cases: [&[(u8, &[u8])]; 3] = [
        // RSV1 on a control frame.
        &[(0x80 | 0x40 | 0x9, b"x")],
        // RSV1 on a continuation frame.
        &[(0x01, b"a"), (0x80 | 0x40, b"b")],
        // RSV2 is still reserved.
        &[(0x80 | 0x20 | 0x1, b"a")],
    ];
    for frames in cases {
        let mut client = DeflateClient::connect(on.addr(), "/echo", "permessage-deflate");
        for (first, payload) in frames {
            client.send_raw(*first, payload);
        }
        assert_eq!(client.close_code(), Some(1002), "{frames:?}");
    }
}

#[test]
fn corrupt_compressed_data_closes_1007() {
    let server = server(Some(PerMessageDeflate::default()));
    let mut client = DeflateClient::connect(server.addr(), "/echo", "permessage-deflate");
    client.send_raw(0x80 | 0x40 | 0x1, &[0xff, 0xff, 0xff, 0xff]);
    assert_eq!(client.close_code(), Some(1007));
    // Compressed text that inflates to invalid UTF-8.
    let mut client = DeflateClient::connect(server.addr(), "/echo", "permessage-deflate");
    let bad = client.deflate(b"ok \xff\xfe not text");
    client.send_raw(0x80 | 0x40 | 0x1, &bad);
    assert_eq!(client.close_code(), Some(1007));
}

#[test]
fn reply_channel_deliveries_are_compressed_too() {
    let server = server(Some(PerMessageDeflate::default()));
    let offer = "permessage-deflate; client_max_window_bits";
    let mut client = DeflateClient::connect(server.addr(), "/reply", offer);
    let (rsv1, channel) = client.recv(true);
    assert!(rsv1, "even a short message is a (stored) compressed one");
    let channel = String::from_utf8(channel).unwrap();
    let message = chat_json(7);
    let event = serde_json::json!({"type": "websocket.send", "text": message});
    server
        .channel_layer()
        .send(&channel, event.as_object().unwrap())
        .unwrap();
    let first = client.frame();
    assert!(
        first.rsv1 && first.payload.len() * 2 < message.len(),
        "{first:?}"
    );
    assert_eq!(client.inflate(first.payload, true), message.as_bytes());
}
