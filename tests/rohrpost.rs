//! rohrpost over real sockets: every error string and reply shape byte for
//! byte, ids, handler failures, close, ping and registration. Subscriptions
//! and change notifications are in `rohrpost_notify.rs`.
#![cfg(feature = "rohrpost")]

mod support;

#[path = "support/rohrpost_app.rs"]
mod app;

use wsviews::rohrpost::{handlers, Registry};
use wsviews::Message;

use app::{ask, registry, server, split_id};

#[test]
fn malformed_frames_get_rohrposts_errors_and_the_connection_stays_open() {
    let server = server();
    let mut ws = server.websocket("/rohrpost");
    let table: &[(Message, &str)] = &[
        ("".into(), r#"{"error": "Received empty message."}"#),
        (
            vec![1u8, 2].into(),
            r#"{"error": "Received empty message."}"#,
        ),
        (
            "nope".into(),
            r#"{"error": "Could not decode JSON message. Error: expected ident at line 1 column 2"}"#,
        ),
        (
            "{\"id\": 1,".into(),
            r#"{"error": "Could not decode JSON message. Error: EOF while parsing a value at line 1 column 9"}"#,
        ),
        (
            "[1, 2, 3]".into(),
            r#"{"error": "Expected a JSON object as message."}"#,
        ),
        (
            "42".into(),
            r#"{"error": "Expected a JSON object as message."}"#,
        ),
        (
            "{}".into(),
            r#"{"error": "Missing required field 'type'."}"#,
        ),
        (
            r#"{"id": 1, "data": {}}"#.into(),
            r#"{"error": "Missing required field 'type'."}"#,
        ),
        (
            r#"{"type": "ping"}"#.into(),
            r#"{"error": "Missing required field 'id'."}"#,
        ),
        (
            r#"{"id": 12, "type": "handler_not_known"}"#.into(),
            r#"{"id": 12, "type": "handler_not_known", "error": "Unknown message type 'handler_not_known'."}"#,
        ),
        (
            r#"{"id": "a", "type": "pïng"}"#.into(),
            r#"{"id": "a", "type": "p\u00efng", "error": "Unknown message type 'p\u00efng'."}"#,
        ),
        (
            r#"{"id": 0, "type": 3.5}"#.into(),
            r#"{"id": 0, "type": 3.5, "error": "Unknown message type '3.5'."}"#,
        ),
    ];
    for (frame, reply) in table {
        assert_eq!(ask(&mut ws, frame), *reply, "{frame:?}");
    }
    assert_eq!(
        ask(&mut ws, r#"{"id": 1, "type": "ping"}"#),
        r#"{"id": 1, "type": "pong"}"#
    );
    assert_eq!(ws.close(), Some(1000));
}

#[test]
fn ids_of_every_json_kind_are_echoed_as_sent() {
    let server = server();
    let mut ws = server.websocket("/rohrpost");
    let ids = [
        "0",
        "\"\"",
        "1",
        "-17",
        "18446744073709551615",
        "1.5",
        "0.0",
        "1e+16",
        "\"abc\"",
        "\"\\u00e9\"",
        "true",
        "false",
        "null",
        "[1, 2]",
        "{\"k\": \"v\"}",
    ];
    for id in ids {
        let frame = format!(r#"{{"id": {id}, "type": "ping"}}"#);
        let reply = format!(r#"{{"id": {id}, "type": "pong"}}"#);
        assert_eq!(ask(&mut ws, frame), reply);
    }
    // Compact input comes back in rohrpost's spacing.
    assert_eq!(
        ask(&mut ws, r#"{"type":"ping","id":1E2}"#),
        r#"{"id": 100.0, "type": "pong"}"#
    );
}

#[test]
fn ping_echoes_object_data_wraps_other_data_and_omits_missing_data() {
    let server = server();
    let mut ws = server.websocket("/rohrpost");
    let table = [
        (
            r#"{"id": 1, "type": "ping"}"#,
            r#"{"id": 1, "type": "pong"}"#,
        ),
        (
            r#"{"id": 2, "type": "ping", "data": {"z": 1, "a": {"é": [true, null, 2.50]}}}"#,
            r#"{"id": 2, "type": "pong", "data": {"z": 1, "a": {"\u00e9": [true, null, 2.5]}}}"#,
        ),
        (
            r#"{"id": 3, "type": "ping", "data": [1, 2, 3, 4]}"#,
            r#"{"id": 3, "type": "pong", "data": {"data": [1, 2, 3, 4]}}"#,
        ),
        (
            r#"{"id": 4, "type": "ping", "data": "x"}"#,
            r#"{"id": 4, "type": "pong", "data": {"data": "x"}}"#,
        ),
        (
            r#"{"id": 5, "type": "ping", "data": 0}"#,
            r#"{"id": 5, "type": "pong", "data": {"data": 0}}"#,
        ),
        (
            r#"{"id": 6, "type": "ping", "data": null}"#,
            r#"{"id": 6, "type": "pong", "data": {"data": null}}"#,
        ),
        // rohrpost leaves out empty data.
        (
            r#"{"id": 7, "type": "ping", "data": {}}"#,
            r#"{"id": 7, "type": "pong"}"#,
        ),
        // "handler" is accepted for a missing "type".
        (
            r#"{"id": 8, "handler": "ping"}"#,
            r#"{"id": 8, "type": "pong"}"#,
        ),
    ];
    for (frame, reply) in table {
        assert_eq!(ask(&mut ws, frame), reply);
    }
}

#[test]
fn failing_handlers_get_an_error_reply_with_the_request_id() {
    let server = server();
    let mut ws = server.websocket("/rohrpost");
    assert_eq!(
        ask(&mut ws, r#"{"id": 5, "type": "fail"}"#),
        r#"{"id": 5, "type": "fail", "error": "Something went wrong."}"#
    );
    assert_eq!(
        ask(&mut ws, r#"{"id": 0, "type": "panic"}"#),
        r#"{"id": 0, "type": "panic", "error": "Internal server error."}"#
    );
    assert_eq!(
        ask(&mut ws, r#"{"id": "", "type": "subscribe", "data": {}}"#),
        r#"{"id": "", "type": "subscribe", "error": "Missing field 'group' in data."}"#
    );
    let bad_group = ask(
        &mut ws,
        r#"{"id": 9, "type": "subscribe", "data": {"group": "no spaces"}}"#,
    );
    assert!(
        bad_group.starts_with(
            r#"{"id": 9, "type": "subscribe", "error": "invalid channel or group name"#
        ),
        "{bad_group}"
    );
    assert_eq!(
        ask(&mut ws, r#"{"id": 6, "type": "ping"}"#),
        r#"{"id": 6, "type": "pong"}"#
    );
    assert_eq!(ws.close(), Some(1000));
}

#[test]
fn replies_without_an_id_get_a_random_one_and_errors_keep_their_shape() {
    let server = server();
    let mut ws = server.websocket("/rohrpost");
    for frame in [
        r#"{"id": 1, "type": "no_id"}"#,
        r#"{"id": 1, "type": "no_id_alias"}"#,
    ] {
        let reply = ask(&mut ws, frame);
        let (id, rest) = split_id(&reply);
        assert!(
            id.as_u64().is_some_and(|id| (1..=1000).contains(&id)),
            "{reply}"
        );
        assert_eq!(rest, r#", "type": "random", "data": {"a": 1}}"#);
    }
    assert_eq!(
        ask(&mut ws, r#"{"id": 2, "type": "refuse"}"#),
        r#"{"id": 2, "type": "refused", "error": {"code": 7}, "data": [0]}"#
    );
}

#[test]
fn close_true_closes_after_the_reply() {
    let server = server();
    let mut ws = server.websocket("/rohrpost");
    assert_eq!(
        ask(&mut ws, r#"{"id": 1, "type": "bye"}"#),
        r#"{"id": 1, "type": "bye", "data": {"see": "you"}}"#
    );
    assert_eq!(ws.recv(), None);
    assert_eq!(ws.close_code(), Some(1000));
}

#[test]
fn registering_a_name_twice_is_an_error() {
    let err = Registry::new().with("ping", handlers::ping).unwrap_err();
    assert_eq!(err.to_string(), r#"Handler for "ping" is already defined."#);
    let err = registry()
        .with(["new", "whoami"], handlers::ping)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"Handler for "whoami" is already defined."#
    );
    let registry = Registry::empty()
        .with(["a", "b"], handlers::ping)
        .expect("fresh names");
    assert_eq!(registry.names(), ["a", "b"]);
}
