//! The channels-redis layer under the server, on a real redis-server: the
//! demo's chat rooms and the consumers' chat as Channels groups, and
//! channel-layer events that are not frames offered to the view.
#![cfg(all(feature = "channels-redis", feature = "consumers"))]

#[path = "support/examples.rs"]
mod examples;
#[path = "support/processes.rs"]
mod processes;
#[allow(dead_code)]
#[path = "support/redis.rs"]
mod redis_server;
#[allow(dead_code)]
#[path = "support/channels_redis_setup.rs"]
mod setup;

use std::time::Duration;

use serde_json::{json, Value};
use wsviews::layers::ChannelLayer;

use processes::{App, Client};
use setup::{event, receive, setup};

#[test]
fn demo_chat_rooms_are_channels_groups() {
    let s = setup();
    let app = App::runserver("demo", &["--channel-layer", &s.url]);
    let layer = s.layer("");
    layer.group_add("chat-lobby", "observer").unwrap();
    let mut ann = Client::connect(app.addr(), "/chat/lobby");
    let mut bob = Client::connect(app.addr(), "/chat/lobby");
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while layer.group_channels("chat-lobby").unwrap().len() < 3 {
        assert!(
            std::time::Instant::now() < deadline,
            "the clients never joined"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let members = layer.group_channels("chat-lobby").unwrap();
    // Reply channels look like channels_redis' own: specific.<hex>!<hex>.
    let replies: Vec<&String> = members.iter().filter(|c| c.contains('!')).collect();
    assert_eq!(replies.len(), 2, "{members:?}");
    for reply in replies {
        let (inbox, local) = reply
            .strip_prefix("specific.")
            .unwrap()
            .split_once('!')
            .unwrap();
        assert_eq!((inbox.len(), local.len()), (32, 32), "{reply}");
        assert!(
            reply.len() < 100
                && (inbox.to_owned() + local)
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit())
        );
    }
    layer
        .send_group(
            "chat-lobby",
            &event(json!({"type": "chat.message", "text": "from Django"})),
        )
        .unwrap();
    assert_eq!(ann.recv(), "from Django");
    assert_eq!(bob.recv(), "from Django");
    ann.send("from ann");
    assert_eq!(bob.recv(), "from ann");
    assert_eq!(ann.recv(), "from ann");
    for text in ["from Django", "from ann"] {
        let (_, heard) = receive(&layer, "observer").expect("the group sends");
        assert_eq!(heard, event(json!({"type": "chat.message", "text": text})));
    }
}

/// wsviews' Channels 1 style consumers run on the channels-redis layer too:
/// their messages travel typed by their channel (`websocket.receive`, ...).
#[test]
fn consumers_chat_over_channels_redis() {
    let s = setup();
    let app = App::runserver("channels_chat", &["--channel-layer", &s.url]);
    let layer = s.layer("");
    let mut ann = Client::connect(app.addr(), "/chat/lobby");
    let mut bob = Client::connect(app.addr(), "/chat/lobby");
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while layer.group_channels("chat-lobby").unwrap().len() < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "the consumers never joined"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    ann.send("hello");
    assert_eq!(bob.recv(), "hello");
    assert_eq!(ann.recv(), "hello");
    let (status, body) = processes::get(app.addr(), "/hello?name=Ann");
    assert_eq!((status, body.as_str()), (200, "Hello, Ann!"));
}

/// `/hooked` says its reply channel, then turns each event for the view into
/// a text `event:<type>:<user>`; `/polled` answers each client message with
/// the next waiting event, or `none`.
fn event_views() -> Vec<wsviews::UrlPattern> {
    fn hooked(request: &wsviews::Request) -> wsviews::Result<()> {
        let websocket = request.websocket().expect("a WebSocket");
        let sender = websocket.sender();
        websocket.on_event(move |event| {
            let _ = sender.send(format!("event:{}:{}", event["type"], event["user"]));
        });
        websocket.send(websocket.reply_channel().unwrap_or("none").to_owned())?;
        for _ in websocket {}
        Ok(())
    }
    fn polled(request: &wsviews::Request) -> wsviews::Result<()> {
        let websocket = request.websocket().expect("a WebSocket");
        websocket.send(websocket.reply_channel().unwrap_or("none").to_owned())?;
        for _ in websocket {
            let next = websocket.next_event();
            websocket.send(next.map_or("none".into(), |e| Value::Object(e).to_string()))?;
        }
        Ok(())
    }
    vec![
        wsviews::path("hooked", wsviews::require_websocket(hooked)),
        wsviews::path("polled", wsviews::require_websocket(polled)),
    ]
}

#[test]
fn events_that_are_not_frames_go_to_the_view() {
    let s = setup();
    let layer: std::sync::Arc<dyn ChannelLayer> = std::sync::Arc::new(s.layer(""));
    let config = wsviews::ServerConfig::default().channel_layer(std::sync::Arc::clone(&layer));
    let server = wsviews::test::TestServer::start_with_config(event_views(), config);
    let join = event(json!({"type": "chat.join", "user": "ann"}));

    let mut hooked = server.websocket("/hooked");
    let Some(wsviews::Message::Text(reply)) = hooked.recv() else {
        panic!("no reply channel")
    };
    layer.send(&reply, &join).unwrap();
    layer
        .send(
            &reply,
            &event(json!({"type": "chat.message", "text": "a frame"})),
        )
        .unwrap();
    assert_eq!(
        hooked.recv(),
        Some(wsviews::Message::Text("event:\"chat.join\":\"ann\"".into()))
    );
    assert_eq!(
        hooked.recv(),
        Some(wsviews::Message::Text("a frame".into()))
    );

    let mut polled = server.websocket("/polled");
    let Some(wsviews::Message::Text(reply)) = polled.recv() else {
        panic!("no reply channel")
    };
    layer.send(&reply, &join).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        polled.send("poll");
        let Some(wsviews::Message::Text(answer)) = polled.recv() else {
            panic!("closed")
        };
        if answer != "none" {
            assert_eq!(
                serde_json::from_str::<Value>(&answer).unwrap(),
                Value::Object(join)
            );
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the event never came");
        std::thread::sleep(Duration::from_millis(5));
    }
}
