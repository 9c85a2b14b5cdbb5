use super::*;
use serde_json::json;

#[test]
fn reply_texts() {
    let table = [
        (Reply::new("pong").id(1), r#"{"id": 1, "type": "pong"}"#),
        (
            Reply::new("pong").id(0).data(json!({"a": [1, 2]})),
            r#"{"id": 0, "type": "pong", "data": {"a": [1, 2]}}"#,
        ),
        (
            Reply::new("x").id("").error("boom").data(json!([1])),
            r#"{"id": "", "type": "x", "error": "boom", "data": [1]}"#,
        ),
        (
            Reply::new("x").id(json!(null)).data(json!({})).error(""),
            r#"{"id": null, "type": "x"}"#,
        ),
        (
            Reply::new("x").id(1.5).error(json!({"code": 4})),
            r#"{"id": 1.5, "type": "x", "error": {"code": 4}}"#,
        ),
    ];
    for (reply, text) in table {
        assert_eq!(reply.to_text(), text);
    }
}

#[test]
fn missing_ids_are_random_from_1_to_1000() {
    let mut seen = std::collections::HashSet::new();
    for _ in 0..200 {
        let text = Reply::new("pong").to_text();
        let value: Value = serde_json::from_str(&text).unwrap();
        let id = value["id"].as_u64().unwrap();
        assert!((1..=1000).contains(&id), "{id}");
        assert_eq!(text, format!(r#"{{"id": {id}, "type": "pong"}}"#));
        seen.insert(id);
    }
    assert!(seen.len() > 50, "ids are not random: {seen:?}");
}

#[test]
fn send_close_messages() {
    assert_eq!(
        Value::Object(send_close("hi".into(), true)),
        json!({"content": "hi", "close": true})
    );
    assert_eq!(
        Value::Object(send_close("hi".into(), false)),
        json!({"content": "hi"})
    );
}
