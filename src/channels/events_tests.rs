//! The reply-channel mapping, as tables.

use serde_json::{json, Value};

use super::*;

fn map(value: Value) -> layers::Message {
    value.as_object().cloned().unwrap_or_default()
}

fn text(s: &str) -> Frame {
    Frame::Text(s.into())
}

fn binary(b: &[u8]) -> Frame {
    Frame::Binary(b.to_vec())
}

#[test]
fn frames_and_closes() {
    let cases = [
        // wsviews' (Channels 1) messages, as before.
        (json!({"content": "hi"}), vec![text("hi")]),
        (
            json!({"content": "hi", "close": true}),
            vec![text("hi"), Frame::Close(1000)],
        ),
        (json!({"close": 4001}), vec![Frame::Close(4001)]),
        (
            json!({"content": "AAEC", "binary": true}),
            vec![binary(&[0, 1, 2])],
        ),
        (json!({"content": 5, "close": false}), vec![]),
        // Channels 4 events, whatever their type.
        (
            json!({"type": "chat.message", "text": "T"}),
            vec![text("T")],
        ),
        (
            json!({"type": "websocket.send", "bytes": {"$bytes": "AP8="}}),
            vec![binary(&[0, 255])],
        ),
        (
            json!({"type": "x", "text": "a", "bytes": {"$bytes": ""}}),
            vec![text("a"), binary(&[])],
        ),
        (
            json!({"type": "x", "text": "bye", "close": true}),
            vec![text("bye"), Frame::Close(1000)],
        ),
        (
            json!({"type": "x", "close": 4000}),
            vec![Frame::Close(4000)],
        ),
        (
            json!({"type": "websocket.close", "code": 4002}),
            vec![Frame::Close(4002)],
        ),
        (json!({"type": "websocket.close"}), vec![Frame::Close(1000)]),
        (
            json!({"type": "x", "close": 1005}),
            vec![Frame::Close(1000)],
        ),
        (
            json!({"type": "x", "close": 70000}),
            vec![Frame::Close(1000)],
        ),
        (
            json!({"type": "x", "text": null, "bytes": {"$bytes": "AA=="}}),
            vec![binary(&[0])],
        ),
        // Malformed frames are dropped with a warning, not offered to the view.
        (json!({"type": "x", "text": 5}), vec![]),
        (json!({"type": "x", "bytes": "not tagged"}), vec![]),
    ];
    for (message, expected) in cases {
        let mapped = inbound(&map(message.clone()));
        assert_eq!(mapped.frames, expected, "{message}");
        assert!(!mapped.for_view, "{message}");
    }
}

#[test]
fn other_events_are_for_the_view() {
    let cases = [
        json!({"type": "chat.join", "user": "ann"}),
        json!({"type": "x", "text": null}),
        json!({}),
    ];
    for message in cases {
        let mapped = inbound(&map(message.clone()));
        assert_eq!(
            mapped,
            Inbound {
                frames: vec![],
                for_view: true
            },
            "{message}"
        );
    }
}

#[test]
fn outbound_messages_come_back_as_the_same_frame() {
    let frames = [
        text("x"),
        binary(&[9, 8, 0]),
        binary(&[]),
        Frame::Close(4000),
    ];
    for frame in frames {
        for event_type in [None, Some("chat.message")] {
            let sent = outbound(&frame, event_type);
            assert_eq!(
                inbound(&sent).frames,
                std::slice::from_ref(&frame),
                "{sent:?}"
            );
        }
    }
    let cases = [
        (
            text("T"),
            Some("chat.message"),
            json!({"type": "chat.message", "text": "T"}),
        ),
        (
            binary(&[1]),
            Some("t"),
            json!({"type": "t", "bytes": {"$bytes": "AQ=="}}),
        ),
        (
            Frame::Close(1000),
            Some("t"),
            json!({"type": "t", "close": 1000}),
        ),
        (text("T"), None, json!({"content": "T"})),
        (
            binary(&[1]),
            None,
            json!({"binary": true, "content": "AQ=="}),
        ),
    ];
    for (frame, event_type, expected) in cases {
        assert_eq!(Value::Object(outbound(&frame, event_type)), expected);
    }
}
