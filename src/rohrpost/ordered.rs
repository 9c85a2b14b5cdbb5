//! JSON values whose objects keep their keys in the order written, whatever
//! serde_json's `preserve_order` feature says. rohrpost writes its keys in
//! a fixed order and echoes a client's objects as sent (as Python's dicts
//! keep insertion order) with this type, so wsviews need not turn that
//! feature on for every crate that depends on it.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// A JSON value; objects are key-value pairs in order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Ordered {
    /// `null`, a boolean, a number or a string.
    Scalar(Value),
    /// An array.
    Array(Vec<Ordered>),
    /// An object, its keys in order (each once).
    Object(Vec<(String, Ordered)>),
}

impl Ordered {
    /// Parses JSON text as serde_json does (same errors), keeping key order.
    /// A repeated key keeps its first place and its last value, as Python's
    /// `json.loads` does.
    pub(crate) fn parse(text: &str) -> serde_json::Result<Ordered> {
        serde_json::from_str(text)
    }

    /// An object of `pairs`, in their order.
    pub(crate) fn object<'a>(pairs: impl IntoIterator<Item = (&'a str, Ordered)>) -> Ordered {
        Ordered::Object(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
    }

    /// The value of `key` in an object.
    pub(crate) fn get(&self, key: &str) -> Option<&Ordered> {
        match self {
            Ordered::Object(pairs) => pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// As a serde_json value (whose maps order keys as serde_json's
    /// features say).
    pub(crate) fn to_value(&self) -> Value {
        match self {
            Ordered::Scalar(value) => value.clone(),
            Ordered::Array(items) => Value::Array(items.iter().map(Ordered::to_value).collect()),
            Ordered::Object(pairs) => Value::Object(
                pairs
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_value()))
                    .collect::<Map<_, _>>(),
            ),
        }
    }
}

/// A serde_json value, its maps in their iteration order.
impl From<Value> for Ordered {
    fn from(value: Value) -> Self {
        match value {
            Value::Array(items) => Ordered::Array(items.into_iter().map(Ordered::from).collect()),
            Value::Object(map) => Ordered::Object(
                map.into_iter()
                    .map(|(k, v)| (k, Ordered::from(v)))
                    .collect(),
            ),
            scalar => Ordered::Scalar(scalar),
        }
    }
}

impl<'de> Deserialize<'de> for Ordered {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(OrderedVisitor)
    }
}

struct OrderedVisitor;

impl<'de> Visitor<'de> for OrderedVisitor {
    type Value = Ordered;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Ordered, E> {
        Ok(Ordered::Scalar(Value::Bool(b)))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Ordered, E> {
        Ok(Ordered::Scalar(Value::from(n)))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Ordered, E> {
        Ok(Ordered::Scalar(Value::from(n)))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Ordered, E> {
        // Value::from(f64) is null for NaN and the infinities, which JSON
        // text cannot hold anyway.
        Ok(Ordered::Scalar(Value::from(n)))
    }

    fn visit_str<E>(self, s: &str) -> Result<Ordered, E> {
        Ok(Ordered::Scalar(Value::String(s.to_owned())))
    }

    fn visit_string<E>(self, s: String) -> Result<Ordered, E> {
        Ok(Ordered::Scalar(Value::String(s)))
    }

    fn visit_unit<E>(self) -> Result<Ordered, E> {
        Ok(Ordered::Scalar(Value::Null))
    }

    fn visit_none<E>(self) -> Result<Ordered, E> {
        Ok(Ordered::Scalar(Value::Null))
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Ordered, D::Error> {
        Deserialize::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Ordered, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Ordered::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ordered, A::Error> {
        let mut pairs: Vec<(String, Ordered)> = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, Ordered>()? {
            match pairs.iter_mut().find(|(k, _)| *k == key) {
                Some(pair) => pair.1 = value,
                None => pairs.push((key, value)),
            }
        }
        Ok(Ordered::Object(pairs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parsing_keeps_key_order_and_serde_json_errors() {
        let parsed =
            Ordered::parse(r#"{"z": 1, "a": [true, null, "x"], "m": {"b": 2.5, "a": -1}}"#)
                .unwrap();
        let keys: Vec<&str> = match &parsed {
            Ordered::Object(pairs) => pairs.iter().map(|(k, _)| k.as_str()).collect(),
            other => panic!("not an object: {other:?}"),
        };
        assert_eq!(keys, ["z", "a", "m"]);
        assert_eq!(
            parsed.get("m").and_then(|m| m.get("a")),
            Some(&json!(-1).into())
        );
        let value: Value =
            serde_json::from_str(r#"{"z": 1, "a": [true, null, "x"], "m": {"b": 2.5, "a": -1}}"#)
                .unwrap();
        assert_eq!(parsed.to_value(), value);
        for bad in ["{", "[1,", "tru", r#"{"a" 1}"#, "1 2", ""] {
            let ours = Ordered::parse(bad).unwrap_err().to_string();
            let theirs = serde_json::from_str::<Value>(bad).unwrap_err().to_string();
            assert_eq!(ours, theirs, "{bad:?}");
        }
    }

    #[test]
    fn a_repeated_key_keeps_its_place_and_its_last_value() {
        let parsed = Ordered::parse(r#"{"a": 1, "b": 2, "a": 3}"#).unwrap();
        assert_eq!(
            parsed,
            Ordered::object([("a", json!(3).into()), ("b", json!(2).into())])
        );
    }
}
