//! Group chat over `wss://`: group deliveries, written from other threads
//! without blocking, go through each connection's TLS session.
#![cfg(feature = "tls")]

mod support;

use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;

use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};
use support::*;
use tungstenite::Message as WsMessage;
use wsviews::{path, require_websocket, Group, Request, Server, ServerConfig, ServerHandle};

type Wss = tungstenite::WebSocket<StreamOwned<ClientConnection, TcpStream>>;

/// A self-signed certificate for `localhost` in PEM files, and a client
/// configuration that trusts it.
fn certificate() -> (std::path::PathBuf, Arc<ClientConfig>) {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("cert");
    let dir = std::env::temp_dir().join(format!(
        "wsviews-delivery-tls-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("cert.pem"), made.cert.pem()).expect("cert.pem");
    std::fs::write(dir.join("key.pem"), made.signing_key.serialize_pem()).expect("key.pem");
    let mut roots = RootCertStore::empty();
    roots
        .add(CertificateDer::from(made.cert.der().to_vec()))
        .expect("root");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let client = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    (dir, Arc::new(client))
}

fn chat_server(dir: &std::path::Path) -> ServerHandle {
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
        dir.join("cert.pem"),
        dir.join("key.pem"),
        config,
    )
    .expect("bind_tls")
    .spawn()
    .expect("spawn")
}

fn connect(client: &Arc<ClientConfig>, addr: SocketAddr) -> Wss {
    let name = ServerName::try_from("localhost").expect("name");
    let conn = ClientConnection::new(Arc::clone(client), name).expect("client");
    let tls = StreamOwned::new(conn, support::connect(addr));
    let url = format!("wss://localhost:{}/chat/tls", addr.port());
    tungstenite::client(url, tls).expect("wss handshake").0
}

#[test]
fn a_group_chat_over_wss_reaches_every_member_intact() {
    const MEMBERS: usize = 4;
    const EACH: usize = 20;
    init_test_log();
    let (dir, client) = certificate();
    let server = chat_server(&dir);
    let layer = server.channel_layer();
    let mut sockets: Vec<Wss> = (0..MEMBERS)
        .map(|_| connect(&client, server.local_addr()))
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
    let _ = std::fs::remove_dir_all(dir);
}
