//! Graceful shutdown through the embedding API: in-flight HTTP responses
//! finish, WebSockets get 1001, idle keep-alive connections are closed, and
//! what overstays the deadline is cut off.

mod support;

use std::io::{BufReader, Write};
use std::time::Duration;

use crossbeam_channel::{bounded, Receiver, Sender};
use support::*;
use wsviews::{path, require_websocket, HttpResponse, Request, ServerConfig, UrlPattern};

fn urls(entered: Sender<()>, release: Receiver<()>) -> Vec<UrlPattern> {
    let started = entered.clone();
    vec![
        path("plain", |_: &Request| HttpResponse::text(200, "plain")),
        path("slow", move |_: &Request| {
            entered.send(()).ok();
            release.recv_timeout(TIMEOUT).ok();
            HttpResponse::text(200, "finished")
        }),
        path(
            "echo",
            require_websocket(|request: &Request| {
                let websocket = request.websocket().expect("ws");
                for message in websocket {
                    if websocket.send(message).is_err() {
                        break;
                    }
                }
            }),
        ),
        path(
            "stubborn",
            require_websocket(move |request: &Request| {
                // The raw test client never answers the 1001 close, so this
                // view waits until the deadline cuts the socket off.
                let websocket = request.websocket().expect("ws");
                websocket.accept().expect("accepted");
                started.send(()).ok();
                while websocket.wait().is_some() {}
            }),
        ),
    ]
}

#[test]
fn in_flight_requests_finish_and_websockets_get_1001() {
    init_test_log();
    let (entered_tx, entered) = bounded(1);
    let (release, release_rx) = bounded(1);
    let server = TestServer::start(urls(entered_tx, release_rx));

    let idle = connect(server.addr());
    (&idle)
        .write_all(b"GET /plain HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut idle_reader = BufReader::new(&idle);
    assert_eq!(
        read_response(&mut idle_reader, false).unwrap().text(),
        "plain"
    );

    let mut ws = server.websocket("/echo");
    ws.send("before");
    assert_eq!(ws.recv().unwrap(), "before");

    let busy = connect(server.addr());
    (&busy)
        .write_all(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    entered
        .recv_timeout(TIMEOUT)
        .expect("the slow view started");

    let stopper = server.handle().shutdown_handle();
    let shutting = std::thread::spawn(move || stopper.shutdown());
    assert_eq!(ws.recv(), None, "the WebSocket is closed by the server");
    assert_eq!(ws.close_code(), Some(1001));
    assert!(
        read_to_close(&idle).is_empty(),
        "the idle keep-alive connection is closed"
    );

    release.send(()).unwrap();
    let mut busy_reader = BufReader::new(&busy);
    assert_eq!(
        read_response(&mut busy_reader, false).unwrap().text(),
        "finished"
    );
    let report = shutting.join().unwrap();
    assert_eq!(
        (report.websockets_closed, report.idle_closed, report.cut_off),
        (1, 1, 0)
    );
    assert!(
        std::net::TcpStream::connect(server.addr()).is_err()
            || server.handle().connection_count() == 0
    );
}

#[test]
fn connections_past_the_deadline_are_cut_off() {
    init_test_log();
    let (entered_tx, entered) = bounded(1);
    let (_release, release_rx) = bounded::<()>(1);
    let config = ServerConfig::default().shutdown_timeout(Duration::from_millis(200));
    let server = TestServer::start_with_config(urls(entered_tx, release_rx), config);
    let stream = raw_websocket(server.addr(), "/stubborn");
    entered.recv_timeout(TIMEOUT).expect("the view started");
    let report = server.shutdown();
    assert_eq!((report.websockets_closed, report.cut_off), (1, 1));
    assert_eq!(read_close_code(&stream), Some(1001));
    assert!(read_to_close(&stream).is_empty());
}
