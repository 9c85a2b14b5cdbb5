//! Group chat over `wss://`: group deliveries, written from other threads
//! without blocking, go through each connection's TLS session.
#![cfg(feature = "tls")]

#[path = "support/certificate.rs"]
mod certificate;
mod support;

use std::net::SocketAddr;
use std::sync::{Arc, Barrier};
use std::thread;

use certificate::{Certificate, TlsStream};
use support::*;
use tungstenite::Message as WsMessage;
use wsviews::{path, require_websocket, Group, Request, Server, ServerConfig, ServerHandle};

type Wss = tungstenite::WebSocket<TlsStream>;

fn chat_server(cert: &Certificate) -> ServerHandle {
    let chat = path(
        "chat/<str:room>",
        require_websocket(|request: &Request| -> wsviews::Result<()> {
            let websocket = request.websocket().expect("a WebSocket");
            let room = Group::new(format!("room-{}", request.kwarg("room").unwrap_or("")));
            room.add(websocket)?;
            for message in websocket {
                room.send(message)?;
            }
            Ok(())
        }),
    );
    let config = ServerConfig::default().max_queued_bytes(16 << 20);
    Server::bind_tls_with_config(
        "127.0.0.1:0",
        vec![chat],
        cert.cert_pem(),
        cert.key_pem(),
        config,
    )
    .expect("bind_tls")
    .spawn()
    .expect("spawn")
}

fn connect(cert: &Certificate, addr: SocketAddr) -> Wss {
    let tls = cert.connect(addr);
    let url = format!("wss://localhost:{}/chat/tls", addr.port());
    tungstenite::client(url, tls).expect("wss handshake").0
}

#[test]
fn a_group_chat_over_wss_reaches_every_member_intact() {
    const MEMBERS: usize = 4;
    const EACH: usize = 20;
    init_test_log();
    let cert = Certificate::new();
    let server = chat_server(&cert);
    let layer = server.channel_layer();
    let mut sockets: Vec<Wss> = (0..MEMBERS)
        .map(|_| connect(&cert, server.local_addr()))
        .collect();
    wait_until("every member joined", || {
        Group::with_layer("room-tls", Arc::clone(&layer))
            .channels()
            .is_ok_and(|c| c.len() == MEMBERS)
    });
    let go = Arc::new(Barrier::new(MEMBERS));
    let threads: Vec<_> = sockets
        .drain(..)
        .enumerate()
        .map(|(me, mut ws)| {
            let go = Arc::clone(&go);
            thread::spawn(move || {
                go.wait();
                for n in 0..EACH {
                    // Every other message is large: deliveries then queue
                    // behind what the member has not read, under TLS.
                    let size = if n.is_multiple_of(2) { 16 } else { 96 * 1024 };
                    let mut text = format!("{me} {n} ");
                    text.push_str(&"x".repeat(size));
                    ws.send(WsMessage::text(text)).expect("send");
                }
                let mut next = [0usize; MEMBERS];
                for _ in 0..MEMBERS * EACH {
                    let text = match ws.read().expect("a message over wss") {
                        WsMessage::Text(text) => text.as_str().to_owned(),
                        other => panic!("unexpected {other:?}"),
                    };
                    let mut parts = text.splitn(3, ' ');
                    let sender: usize = parts.next().unwrap().parse().unwrap();
                    let n: usize = parts.next().unwrap().parse().unwrap();
                    assert_eq!(n, next[sender], "member {me}: in order");
                    let size = if n.is_multiple_of(2) { 16 } else { 96 * 1024 };
                    assert_eq!(parts.next().unwrap().len(), size, "intact");
                    next[sender] += 1;
                }
                let _ = ws.close(None);
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("member");
    }
    // Counted just after each write: wait for the last count.
    wait_until("every delivery counted", || {
        server.delivery_stats().delivered == (MEMBERS * MEMBERS * EACH) as u64
    });
    let stats = server.delivery_stats();
    assert_eq!((stats.dropped, stats.slow_closed), (0, 0));
    server.shutdown();
}
