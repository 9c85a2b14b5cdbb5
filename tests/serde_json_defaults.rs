//! wsviews leaves serde_json's features alone: a user's `json!` object keeps
//! serde_json's default behaviour (keys sorted) in a crate that uses
//! wsviews, while rohrpost still echoes a client's keys in the order sent.
//! Only the `channels-redis` feature turns on `preserve_order` (see the
//! README's feature table), so these tests run without it; `.ci/run` runs
//! them with the default features.
#![cfg(not(feature = "channels-redis"))]

#[test]
fn a_users_json_object_keeps_serde_jsons_default_key_order() {
    let value = serde_json::json!({"b": 1, "a": 2});
    assert_eq!(value.to_string(), r#"{"a":2,"b":1}"#);
    let keys: Vec<&String> = value.as_object().expect("an object").keys().collect();
    assert_eq!(keys, ["a", "b"]);
}

#[cfg(feature = "rohrpost")]
#[test]
fn rohrpost_echoes_the_clients_key_order_all_the_same() {
    use wsviews::rohrpost::{self, Registry};
    use wsviews::{path, test::TestServer, Message};

    let server = TestServer::start(vec![path("rohrpost", rohrpost::view(Registry::new()))]);
    let mut ws = server.websocket("/rohrpost");
    ws.send(r#"{"id": 1, "type": "ping", "data": {"b": 1, "a": {"z": [], "y": 2}}}"#);
    assert_eq!(
        ws.recv(),
        Some(Message::from(
            r#"{"id": 1, "type": "pong", "data": {"b": 1, "a": {"z": [], "y": 2}}}"#
        ))
    );
    assert_eq!(ws.close(), Some(1000));
}
