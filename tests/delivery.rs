//! Delivery over real sockets: groups lose nothing in a burst, slow clients
//! are bounded in bytes and handled by the documented policy (and counted),
//! servers in one process are isolated, live members outlive the group
//! expiry, `try_send` never blocks and `send` has a total deadline.

mod support;

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use support::*;
use wsviews::layers::{InMemoryLayer, LayerConfig};
use wsviews::{
    path, require_websocket, Group, Request, Sent, ServerConfig, SlowClient, TrySendError,
    UrlPattern,
};

/// `/chat/<room>`: joins `room-<room>` and sends it every message received.
fn chat() -> UrlPattern {
    path(
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
    )
}

fn start(config: ServerConfig) -> TestServer {
    init_test_log();
    TestServer::start_with_config(vec![chat()], config)
}

fn members(server: &TestServer, room: &str) -> usize {
    server
        .group(format!("room-{room}"))
        .channels()
        .expect("members")
        .len()
}

#[test]
fn a_burst_reaches_every_member_in_each_senders_order() {
    const MEMBERS: usize = 60;
    const EACH: usize = 5;
    let server = start(ServerConfig::default());
    let clients: Vec<_> = (0..MEMBERS)
        .map(|_| server.websocket("/chat/burst"))
        .collect();
    wait_until("every member joined", || {
        members(&server, "burst") == MEMBERS
    });
    burst_in_order(clients, EACH);
    // Counted just after each write: wait for the last count.
    wait_until("every delivery counted", || {
        server.handle().delivery_stats().delivered == (MEMBERS * MEMBERS * EACH) as u64
    });
    let stats = server.handle().delivery_stats();
    assert_eq!((stats.dropped, stats.slow_closed), (0, 0));
}

/// A reader member that reports how many messages it got.
fn reader(server: &TestServer, room: &str) -> (thread::JoinHandle<()>, mpsc::Receiver<usize>) {
    let mut ws = server.websocket(&format!("/chat/{room}"));
    let (tx, rx) = mpsc::channel();
    let thread = thread::spawn(move || {
        let mut got = 0;
        while ws.recv().is_some() {
            got += 1;
            if tx.send(got).is_err() {
                break;
            }
        }
    });
    (thread, rx)
}

#[test]
fn members_that_do_not_read_are_closed_and_counted_and_readers_get_everything() {
    let config = ServerConfig::default()
        .max_queued_bytes(256 * 1024)
        .close_timeout(Duration::from_millis(200));
    let server = start(config);
    let silent: Vec<_> = (0..3)
        .map(|_| raw_websocket(server.addr(), "/chat/slow"))
        .collect();
    let (reading, got) = reader(&server, "slow");
    wait_until("all joined", || members(&server, "slow") == 4);
    let room = server.group("room-slow");
    let big = vec![b'x'; 64 * 1024];
    let (mut delivered, mut slow_closed) = (0, 0);
    for n in 1..=100 {
        let report = room.send(big.clone()).expect("send");
        delivered += report.delivered;
        slow_closed += report.slow_closed;
        // The reader keeps up: wait until it has this one.
        while got.recv_timeout(TIMEOUT).expect("the reader reads") < n {}
    }
    assert_eq!(slow_closed, 3, "each silent member closed once");
    assert!(delivered >= 100, "the reader got every message");
    let stats = server.handle().delivery_stats();
    assert_eq!((stats.slow_closed, stats.dropped), (3, 0));
    // The silent members are cut off once they had close_timeout to read.
    wait_until("only the reader is left", || {
        server.handle().connection_count() == 1
    });
    for socket in silent {
        let _ = read_to_close(&socket);
    }
    wait_until("the silent members left the group", || {
        members(&server, "slow") == 1
    });
    drop(room);
    drop(server);
    reading.join().expect("reader");
}

#[test]
fn with_the_drop_policy_a_slow_member_misses_messages_and_stays() {
    let config = ServerConfig::default()
        .max_queued_bytes(256 * 1024)
        .slow_client(SlowClient::Drop);
    let server = start(config);
    let _silent = raw_websocket(server.addr(), "/chat/drop");
    wait_until("joined", || members(&server, "drop") == 1);
    let room = server.group("room-drop");
    let mut dropped = 0;
    for _ in 0..200 {
        dropped += room.send(vec![0u8; 64 * 1024]).expect("send").dropped;
    }
    assert!(dropped > 0);
    assert_eq!(server.handle().delivery_stats().dropped, dropped as u64);
    assert_eq!(server.handle().delivery_stats().slow_closed, 0);
    assert_eq!(server.handle().connection_count(), 1, "still connected");
}

#[test]
fn two_servers_in_one_process_do_not_hear_each_other() {
    let (a, b) = (
        start(ServerConfig::default()),
        start(ServerConfig::default()),
    );
    let mut on_a = a.websocket("/chat/same");
    let mut on_b = b.websocket("/chat/same");
    wait_until("both joined", || {
        members(&a, "same") == 1 && members(&b, "same") == 1
    });
    on_a.send("from a");
    assert_eq!(
        on_a.recv().expect("echo").into_text().as_deref(),
        Some("from a")
    );
    on_b.send("from b");
    assert_eq!(
        on_b.recv().expect("echo").into_text().as_deref(),
        Some("from b")
    );
    // A layer given on purpose is shared, by groups and views alike.
    let shared = Arc::new(InMemoryLayer::new());
    let config = || ServerConfig::default().channel_layer(shared.clone());
    let (c, d) = (start(config()), start(config()));
    let mut on_c = c.websocket("/chat/shared");
    let mut on_d = d.websocket("/chat/shared");
    wait_until("both joined", || members(&c, "shared") == 2);
    on_c.send("to both");
    assert_eq!(
        on_d.recv().expect("from c").into_text().as_deref(),
        Some("to both")
    );
    assert_eq!(
        on_c.recv().expect("from c").into_text().as_deref(),
        Some("to both")
    );
}

#[test]
fn live_members_outlive_the_group_expiry() {
    let expiry = Duration::from_millis(150);
    let layer =
        InMemoryLayer::with_config(LayerConfig::default().group_expiry(expiry)).expect("layer");
    let server = start(ServerConfig::default().channel_layer(Arc::new(layer)));
    let mut ws = server.websocket("/chat/expiry");
    wait_until("joined", || members(&server, "expiry") == 1);
    let started = Instant::now();
    // Several expiry periods pass; the member is there every time we look.
    wait_until("several group expiry periods passed", || {
        assert_eq!(members(&server, "expiry"), 1, "the live member stays");
        started.elapsed() > expiry * 6
    });
    ws.send("still here");
    assert_eq!(
        ws.recv().expect("echo").into_text().as_deref(),
        Some("still here")
    );
}

/// `/flood`: on any message, `try_send`s 128 KiB messages until refused, and
/// reports how they went; after the client closed, one more `try_send`.
fn flood(report: mpsc::Sender<(usize, usize, bool)>) -> UrlPattern {
    let report = Mutex::new(report);
    path(
        "flood",
        require_websocket(move |request: &Request| {
            let websocket = request.websocket().expect("a WebSocket");
            let report = report.lock().expect("lock").clone();
            websocket.wait();
            let (mut written, mut queued, mut full) = (0, 0, false);
            for _ in 0..10_000 {
                match websocket.try_send(vec![1u8; 128 * 1024]) {
                    Ok(Sent::Written) => written += 1,
                    Ok(Sent::Queued) => queued += 1,
                    Err(TrySendError::Full(message)) => {
                        full = message.len() == 128 * 1024;
                        break;
                    }
                    Err(TrySendError::Closed(_)) => break,
                }
            }
            let _ = report.send((written, queued, full));
            while websocket.wait().is_some() {}
            let closed = matches!(websocket.try_send("late"), Err(TrySendError::Closed(_)));
            let _ = report.send((0, 0, closed));
        }),
    )
}

#[test]
fn try_send_never_blocks_and_says_what_happened() {
    init_test_log();
    let (tx, rx) = mpsc::channel();
    let config = ServerConfig::default().max_queued_bytes(1 << 20);
    let server = TestServer::start_with_config(vec![flood(tx)], config);
    let mut ws = server.websocket("/flood");
    ws.send("go");
    // The client does not read: the view is refused, not blocked.
    let (written, queued, full) = rx.recv_timeout(TIMEOUT).expect("the view was not blocked");
    assert!(full, "refused as full, the message given back");
    assert!(queued > 0 && queued * 128 * 1024 <= (1 << 20) + 128 * 1024);
    for _ in 0..written + queued {
        assert_eq!(ws.recv().expect("every accepted message").len(), 128 * 1024);
    }
    assert_eq!(ws.close(), Some(1000));
    assert_eq!(rx.recv_timeout(TIMEOUT).expect("after close"), (0, 0, true));
}

#[test]
fn a_blocking_send_gives_up_at_its_total_deadline() {
    init_test_log();
    let deadline = Duration::from_millis(300);
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let view = path(
        "producer",
        require_websocket(move |request: &Request| {
            let websocket = request.websocket().expect("a WebSocket");
            let tx = tx.lock().expect("lock").clone();
            websocket.wait();
            let sender = websocket.sender();
            loop {
                let started = Instant::now();
                let sent = sender.send(vec![2u8; 1 << 20]);
                if let Err(e) = sent {
                    let _ = tx.send((started.elapsed(), e.to_string()));
                    return;
                }
            }
        }),
    );
    let config = ServerConfig::default().send_timeout(deadline);
    let server = TestServer::start_with_config(vec![view], config);
    let client = raw_websocket(server.addr(), "/producer");
    std::io::Write::write_all(&mut &client, &client_frame(true, 1, b"go")).expect("go");
    let (blocked, error) = rx.recv_timeout(TIMEOUT).expect("the producer got an error");
    assert!(error.contains("send_timeout"), "{error}");
    // One message's wait is bounded by the deadline (plus scheduling), not
    // by the deadline per write.
    assert!(blocked < deadline + Duration::from_secs(1), "{blocked:?}");
    assert_eq!(server.handle().delivery_stats().slow_closed, 1);
    wait_until("the client was cut off", || {
        server.handle().connection_count() == 0
    });
}

#[cfg(feature = "consumers")]
#[test]
fn head_on_a_streamed_consumer_response_is_no_disconnect() {
    use std::io::{BufReader, Write};
    use wsviews::consumers::to_consumers;
    use wsviews::layers::ChannelLayer;

    init_test_log();
    let layer: Arc<dyn ChannelLayer> = Arc::new(InMemoryLayer::new());
    let config = ServerConfig::default().channel_layer(Arc::clone(&layer));
    let server = TestServer::start_with_config(vec![path("stream", to_consumers())], config);
    let next = |channel: &str| match layer.receive(&[channel], TIMEOUT).expect("receive") {
        Some((_, message)) => message,
        None => panic!("nothing on {channel}"),
    };
    let client = connect(server.addr());
    let mut reader = BufReader::new(client.try_clone().expect("clone"));
    (&client)
        .write_all(b"HEAD /stream HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("write");
    let request = next("http.request");
    let reply = request["reply_channel"]
        .as_str()
        .expect("reply channel")
        .to_owned();
    let first = serde_json::json!({"status": 200, "content": "one", "more_content": true});
    layer
        .send(&reply, first.as_object().expect("object"))
        .expect("send");
    let response = wsviews::test::read_response(&mut reader, true).expect("response");
    assert_eq!(response.status, 200);
    // The next request on the connection is read only after the HEAD
    // exchange ended: an `http.disconnect` would be on the layer by then.
    (&client)
        .write_all(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("write");
    assert_eq!(next("http.request")["method"], "GET");
    assert_eq!(
        layer
            .receive(&["http.disconnect"], Duration::ZERO)
            .expect("receive"),
        None
    );
}
