//! Bytes in a [`Message`](super::Message): a JSON map cannot hold them, so a
//! byte string is the one-key map `{"$bytes": "<standard base64>"}`.
//!
//! Every layer carries such a value as it is; the Channels-compatible Redis
//! layer stores it as msgpack `bin` (what Python's `bytes` become), and
//! turns `bin` back into it, so binary survives both ways. A WebSocket reply
//! whose `bytes` holds one is sent as a binary frame.

use serde_json::{Map, Value};

/// The key of the one-key map that stands for a byte string.
pub const BYTES_TAG: &str = "$bytes";

/// The JSON value that stands for `bytes` in a [`Message`](super::Message):
/// `{"$bytes": "<standard base64, padded>"}`.
///
/// ```
/// use wsviews::layers::{bytes_value, value_bytes};
///
/// let value = bytes_value(&[0, 159, 255]);
/// assert_eq!(value, serde_json::json!({"$bytes": "AJ//"}));
/// assert_eq!(value_bytes(&value), Some(vec![0, 159, 255]));
/// ```
pub fn bytes_value(bytes: &[u8]) -> Value {
    let mut map = Map::with_capacity(1);
    map.insert(
        BYTES_TAG.into(),
        Value::String(data_encoding::BASE64.encode(bytes)),
    );
    Value::Object(map)
}

/// The bytes that `value` stands for, if it is a [`bytes_value`]: a map
/// whose only key is `"$bytes"`, holding valid standard base64.
pub fn value_bytes(value: &Value) -> Option<Vec<u8>> {
    let map = value.as_object()?;
    if map.len() != 1 {
        return None;
    }
    let encoded = map.get(BYTES_TAG)?.as_str()?;
    data_encoding::BASE64.decode(encoded.as_bytes()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bytes_round_trip_and_near_misses() {
        for bytes in [&b""[..], b"\0", b"hello", &[255; 7]] {
            assert_eq!(value_bytes(&bytes_value(bytes)).as_deref(), Some(bytes));
        }
        let not_bytes = [
            json!("AJ//"),
            json!({"$bytes": 5}),
            json!({"$bytes": "not base64!"}),
            json!({"$bytes": "AJ//", "other": 1}),
            json!({"bytes": "AJ//"}),
            json!(null),
        ];
        for value in not_bytes {
            assert_eq!(value_bytes(&value), None, "{value}");
        }
    }
}
