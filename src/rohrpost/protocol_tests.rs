//! The rohrpost wire format, byte for byte.

use super::*;
use serde_json::json;

/// What each malformed frame is answered with, byte for byte.
#[test]
fn rejections() {
    let table: &[(Option<&str>, &str)] = &[
        (None, r#"{"error": "Received empty message."}"#),
        (Some(""), r#"{"error": "Received empty message."}"#),
        (
            Some("{"),
            r#"{"error": "Could not decode JSON message. Error: EOF while parsing an object at line 1 column 1"}"#,
        ),
        (
            Some("[1, 2]"),
            r#"{"error": "Expected a JSON object as message."}"#,
        ),
        (
            Some("\"ping\""),
            r#"{"error": "Expected a JSON object as message."}"#,
        ),
        (
            Some("null"),
            r#"{"error": "Expected a JSON object as message."}"#,
        ),
        (Some("{}"), r#"{"error": "Missing required field 'type'."}"#),
        (
            Some(r#"{"id": 1}"#),
            r#"{"error": "Missing required field 'type'."}"#,
        ),
        (
            Some(r#"{"type": "ping"}"#),
            r#"{"error": "Missing required field 'id'."}"#,
        ),
        (
            Some(r#"{"handler": "ping"}"#),
            r#"{"error": "Missing required field 'id'."}"#,
        ),
    ];
    for (text, reply) in table {
        let rejection = parse(*text).expect_err("refused");
        assert_eq!(rejection.reply(), *reply, "{text:?}");
    }
}

#[test]
fn requests() {
    let request = parse(Some(
        r#"{"data": {"b": 1, "a": 2}, "type": "ping", "id": 0}"#,
    ))
    .unwrap();
    assert_eq!(request.id(), &json!(0));
    assert_eq!(request.message_type(), "ping");
    assert_eq!(
        dumps(request.ordered_data().unwrap()),
        r#"{"b": 1, "a": 2}"#
    );
    assert_eq!(request.data_field("a"), Some(&json!(2)));
    let aliased = parse(Some(r#"{"id": "x", "handler": "ping"}"#)).unwrap();
    assert_eq!(aliased.message_type(), "ping");
    let both = parse(Some(r#"{"id": 1, "handler": "a", "type": "b"}"#)).unwrap();
    assert_eq!(both.message_type(), "b");
    assert_eq!(
        Request::parse("[]"),
        Err("Expected a JSON object as message.".into())
    );
}

#[test]
fn unknown_types() {
    let table = [
        (
            r#"{"id": 1, "type": "nope"}"#,
            r#"{"id": 1, "type": "nope", "error": "Unknown message type 'nope'."}"#,
        ),
        (
            r#"{"type": "é", "id": "a"}"#,
            r#"{"id": "a", "type": "\u00e9", "error": "Unknown message type '\u00e9'."}"#,
        ),
        (
            r#"{"id": 0, "type": 5}"#,
            r#"{"id": 0, "type": 5, "error": "Unknown message type '5'."}"#,
        ),
        (
            r#"{"id": null, "type": true}"#,
            r#"{"id": null, "type": true, "error": "Unknown message type 'True'."}"#,
        ),
        (
            r#"{"id": "", "type": ""}"#,
            r#"{"id": "", "error": "Unknown message type ''."}"#,
        ),
        (
            r#"{"id": 1, "type": null}"#,
            r#"{"id": 1, "error": "Unknown message type 'None'."}"#,
        ),
    ];
    for (text, reply) in table {
        assert_eq!(unknown_type(&parse(Some(text)).unwrap()), reply, "{text}");
    }
}

#[test]
fn encoding_keeps_rohrpost_key_order_and_drops_falsy_fields() {
    let id = json!(3);
    let kind = json!("pong");
    let error = json!("bad").into();
    let data = Ordered::parse(r#"{"z": 1, "a": [1.5]}"#).unwrap();
    assert_eq!(
        encode(Some(&id), Some(&kind), Some(&error), Some(&data)),
        r#"{"id": 3, "type": "pong", "error": "bad", "data": {"z": 1, "a": [1.5]}}"#
    );
    let empty = json!({}).into();
    assert_eq!(
        encode(Some(&id), Some(&kind), None, Some(&empty)),
        r#"{"id": 3, "type": "pong"}"#
    );
    for falsy_id in [json!(0), json!(""), json!(false), json!(null), json!(0.0)] {
        let expected = format!(
            r#"{{"id": {}, "type": "pong"}}"#,
            dumps(&falsy_id.clone().into())
        );
        assert_eq!(encode(Some(&falsy_id), Some(&kind), None, None), expected);
    }
}
