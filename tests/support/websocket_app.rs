//! The views the WebSocket tests share (each reports what it observed on a
//! channel), a server running them, and a raw head reader.
#![allow(dead_code)]

use crossbeam_channel::{unbounded, Receiver, Sender as Tx};
use wsviews::test::TestServer;
use wsviews::{
    accept_websocket, path, require_websocket, Group, HttpResponse, Message, Request, ServerConfig,
    UrlPattern,
};

use super::support::{init_test_log, TIMEOUT};

/// Views that report what they observed to the test on a channel.
pub fn urls(report: Tx<String>) -> Vec<UrlPattern> {
    let r1 = report.clone();
    let r2 = report.clone();
    let r3 = report;
    vec![
        path("echo", require_websocket(echo)),
        path("echo_once", require_websocket(echo_once)),
        path(
            "collect",
            require_websocket(move |request: &Request| {
                let websocket = request.websocket().expect("ws");
                let got: Vec<String> = websocket.iter().map(|m| m.to_string()).collect();
                r1.send(format!(
                    "iterated {got:?}; wait after close {:?}",
                    websocket.wait()
                ))
                .ok();
                r1.send(format!("closed {}", websocket.is_closed())).ok();
            }),
        ),
        path(
            "read",
            require_websocket(move |request: &Request| -> wsviews::Result<()> {
                let websocket = request.websocket().expect("ws");
                websocket.send(format!("empty read {:?}", websocket.read()))?;
                while let Some(message) = websocket.wait() {
                    if message == "count" {
                        let (count, has) = (websocket.count_messages(), websocket.has_messages());
                        let first = websocket.read().map(|m| m.to_string());
                        websocket.send(format!(
                            "count {count} has {has} then {first:?} left {}",
                            websocket.count_messages()
                        ))?;
                    }
                }
                Ok(())
            }),
        ),
        path(
            "types",
            require_websocket(|request: &Request| -> wsviews::Result<()> {
                let websocket = request.websocket().expect("ws");
                websocket.send("str")?;
                websocket.send(String::from("string"))?;
                websocket.send(vec![1u8, 2])?;
                websocket.send(&[3u8][..])?;
                websocket.send(Message::Binary(vec![4]))?;
                websocket.close_with(4000, "done")
            }),
        ),
        path(
            "thread",
            require_websocket(|request: &Request| -> wsviews::Result<()> {
                let websocket = request.websocket().expect("ws");
                let sender = websocket.sender();
                let helper = std::thread::spawn(move || sender.send("from another thread"));
                let message = websocket.wait();
                helper.join().expect("helper thread")?;
                if let Some(message) = message {
                    websocket.send(message)?;
                }
                Ok(())
            }),
        ),
        path(
            "panic",
            require_websocket(|request: &Request| -> () {
                request.websocket().expect("ws").accept().expect("accepted");
                panic!("view bug")
            }),
        ),
        path("plain", |request: &Request| {
            HttpResponse::text(200, format!("is_websocket={}", request.is_websocket()))
        }),
        path(
            "both",
            accept_websocket(move |request: &Request| -> wsviews::Result<HttpResponse> {
                r2.send(format!("is_websocket={}", request.is_websocket()))
                    .ok();
                if let Some(websocket) = request.websocket() {
                    websocket.send(websocket.protocol().unwrap_or("none"))?;
                }
                Ok(HttpResponse::new("http"))
            })
            .protocols(&["chat.v1", "chat.v2"]),
        ),
        path(
            "room/<str:name>",
            require_websocket(move |request: &Request| -> wsviews::Result<()> {
                let websocket = request.websocket().expect("ws");
                let group =
                    Group::new(format!("test-room-{}", request.kwarg("name").unwrap_or("")));
                group.add(websocket)?;
                r3.send("joined".into()).ok();
                for message in websocket {
                    group.send(message)?;
                }
                Ok(())
            }),
        ),
    ]
}

fn echo(request: &Request) -> wsviews::Result<()> {
    let websocket = request.websocket().expect("ws");
    for message in websocket {
        websocket.send(message)?;
    }
    Ok(())
}

fn echo_once(request: &Request) -> wsviews::Result<()> {
    let websocket = request.websocket().expect("ws");
    if let Some(message) = websocket.wait() {
        websocket.send(message)?;
    }
    Ok(())
}

pub fn start() -> (TestServer, Receiver<String>) {
    start_with(ServerConfig::default())
}

pub fn start_with(config: ServerConfig) -> (TestServer, Receiver<String>) {
    init_test_log();
    let (tx, rx) = unbounded();
    (TestServer::start_with_config(urls(tx), config), rx)
}

pub fn recv(rx: &Receiver<String>) -> String {
    rx.recv_timeout(TIMEOUT).expect("the view reports")
}

pub fn read_head(stream: &std::net::TcpStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        std::io::Read::read_exact(&mut &*stream, &mut byte).unwrap();
        head.push(byte[0]);
    }
    String::from_utf8(head).unwrap()
}
