//! msgpack bodies ↔ [`Message`]s, as channels_redis stores them (Python's
//! `msgpack.packb`/`unpackb` with their defaults).
//!
//! The mapping, both ways lossless for what Python sends:
//!
//! | msgpack | [`Message`] value |
//! |---|---|
//! | nil, bool, int, str, array | null, bool, number, string, array |
//! | float64 (float32 read as float64) | number |
//! | NaN, +inf, -inf | `{"$float": "NaN"}`, `{"$float": "Infinity"}`, `{"$float": "-Infinity"}` |
//! | bin | `{"$bytes": "<standard base64>"}` (see [`bytes_value`](crate::layers::bytes_value)) |
//! | map with string keys | object, in the same key order |
//! | a map whose only key is `$bytes`, `$float` or `$map` | `{"$map": <that map>}` |
//!
//! A body must be a map with string keys at every level; anything else
//! (extension types, other keys, invalid UTF-8, nesting deeper than
//! [`MAX_DEPTH`]) is refused as [`Error::InvalidMessage`], as Python's
//! `unpackb` refuses non-string keys. Integers go out in their shortest
//! form and floats as float64, as Python writes them, so a message that came
//! from Python is written back byte for byte.

use rmpv::Value as Pack;
use serde_json::{Map, Number, Value};

use crate::layers::binary::{bytes_value, value_bytes, BYTES_TAG};
use crate::layers::Message;
use crate::{Error, Result};

/// The tag of a float JSON cannot hold (NaN and the infinities).
const FLOAT_TAG: &str = "$float";
/// The tag that wraps a genuine map that would read as a tag.
const MAP_TAG: &str = "$map";
/// The deepest nesting of maps and arrays a body may have.
pub const MAX_DEPTH: usize = 100;

/// Encodes `message` as a msgpack map.
pub fn encode(message: &Message) -> Result<Vec<u8>> {
    let mut body = Vec::new();
    rmpv::encode::write_value(&mut body, &map_to_pack(message))
        .map_err(|e| Error::InvalidMessage(format!("cannot encode as msgpack: {e}")))?;
    Ok(body)
}

/// Decodes a msgpack body, which must be one map with string keys and
/// nothing after it.
pub fn decode(mut body: &[u8]) -> Result<Message> {
    let value = rmpv::decode::read_value_with_max_depth(&mut body, MAX_DEPTH)
        .map_err(|e| Error::InvalidMessage(format!("not msgpack: {e}")))?;
    if !body.is_empty() {
        return Err(Error::InvalidMessage(format!(
            "{} bytes after the msgpack map",
            body.len()
        )));
    }
    match value {
        Pack::Map(entries) => entries_to_map(entries),
        other => Err(Error::InvalidMessage(format!(
            "a message is a msgpack map, not {}",
            kind(&other)
        ))),
    }
}

fn map_to_pack(map: &Map<String, Value>) -> Pack {
    let entries = map
        .iter()
        .map(|(key, value)| (Pack::from(key.as_str()), to_pack(value)))
        .collect();
    Pack::Map(entries)
}

fn to_pack(value: &Value) -> Pack {
    match value {
        Value::Null => Pack::Nil,
        Value::Bool(b) => Pack::Boolean(*b),
        Value::Number(n) => number_to_pack(n),
        Value::String(s) => Pack::from(s.as_str()),
        Value::Array(items) => Pack::Array(items.iter().map(to_pack).collect()),
        Value::Object(map) => tagged_to_pack(value, map).unwrap_or_else(|| map_to_pack(map)),
    }
}

fn number_to_pack(n: &Number) -> Pack {
    if let Some(i) = n.as_i64() {
        Pack::from(i)
    } else if let Some(u) = n.as_u64() {
        Pack::from(u)
    } else {
        Pack::F64(n.as_f64().unwrap_or(f64::NAN))
    }
}

/// The msgpack value a tagged one-key map stands for, if it is one.
fn tagged_to_pack(value: &Value, map: &Map<String, Value>) -> Option<Pack> {
    let (key, inner) = map.iter().next().filter(|_| map.len() == 1)?;
    match key.as_str() {
        BYTES_TAG => value_bytes(value).map(Pack::Binary),
        FLOAT_TAG => special_float(inner.as_str()?).map(Pack::F64),
        MAP_TAG => inner.as_object().map(map_to_pack),
        _ => None,
    }
}

fn special_float(name: &str) -> Option<f64> {
    match name {
        "NaN" => Some(f64::NAN),
        "Infinity" => Some(f64::INFINITY),
        "-Infinity" => Some(f64::NEG_INFINITY),
        _ => None,
    }
}

fn entries_to_map(entries: Vec<(Pack, Pack)>) -> Result<Map<String, Value>> {
    let mut map = Map::with_capacity(entries.len());
    for (key, value) in entries {
        let Pack::String(key) = key else {
            return Err(Error::InvalidMessage(format!(
                "map keys must be strings, not {}",
                kind(&key)
            )));
        };
        let key = key
            .into_str()
            .ok_or_else(|| Error::InvalidMessage("a map key is not valid UTF-8".into()))?;
        map.insert(key, from_pack(value)?);
    }
    Ok(map)
}

fn from_pack(value: Pack) -> Result<Value> {
    Ok(match value {
        Pack::Nil => Value::Null,
        Pack::Boolean(b) => Value::Bool(b),
        Pack::Integer(i) => match (i.as_i64(), i.as_u64()) {
            (Some(i), _) => Value::from(i),
            (None, Some(u)) => Value::from(u),
            (None, None) => return Err(Error::InvalidMessage("integer out of range".into())),
        },
        Pack::F32(f) => float_value(f64::from(f)),
        Pack::F64(f) => float_value(f),
        Pack::String(s) => Value::String(
            s.into_str()
                .ok_or_else(|| Error::InvalidMessage("a string is not valid UTF-8".into()))?,
        ),
        Pack::Binary(bytes) => bytes_value(&bytes),
        Pack::Array(items) => {
            Value::Array(items.into_iter().map(from_pack).collect::<Result<_>>()?)
        }
        Pack::Map(entries) => wrap_if_tag_like(entries_to_map(entries)?),
        Pack::Ext(kind, _) => {
            return Err(Error::InvalidMessage(format!(
                "msgpack extension type {kind} has no meaning in a message"
            )))
        }
    })
}

fn float_value(f: f64) -> Value {
    match Number::from_f64(f) {
        Some(n) => Value::Number(n),
        None => {
            let name = if f.is_nan() {
                "NaN"
            } else if f > 0.0 {
                "Infinity"
            } else {
                "-Infinity"
            };
            tagged(FLOAT_TAG, Value::String(name.into()))
        }
    }
}

/// A genuine map that would read as a tag is wrapped in `{"$map": ...}`.
fn wrap_if_tag_like(map: Map<String, Value>) -> Value {
    let tag_like = map.len() == 1
        && map
            .keys()
            .all(|key| matches!(key.as_str(), BYTES_TAG | FLOAT_TAG | MAP_TAG));
    if tag_like {
        tagged(MAP_TAG, Value::Object(map))
    } else {
        Value::Object(map)
    }
}

fn tagged(tag: &str, inner: Value) -> Value {
    let mut map = Map::with_capacity(1);
    map.insert(tag.into(), inner);
    Value::Object(map)
}

fn kind(value: &Pack) -> &'static str {
    match value {
        Pack::Nil => "nil",
        Pack::Boolean(_) => "a bool",
        Pack::Integer(_) => "an integer",
        Pack::F32(_) | Pack::F64(_) => "a float",
        Pack::String(_) => "a string",
        Pack::Binary(_) => "bin",
        Pack::Array(_) => "an array",
        Pack::Map(_) => "a map",
        Pack::Ext(..) => "an extension type",
    }
}

#[cfg(test)]
#[path = "codec_tests.rs"]
mod tests;
