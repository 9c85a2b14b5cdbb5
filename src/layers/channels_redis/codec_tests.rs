//! Tables for the msgpack codec, and golden bodies made by Python's msgpack
//! (tests/data/channels_redis_golden.jsonl; see the script named there).

use serde_json::{json, Value};

use super::{decode, encode};
use crate::layers::{bytes_value, Message};
use crate::Error;

fn message(value: Value) -> Message {
    value.as_object().cloned().expect("a JSON object")
}

#[test]
fn golden_bodies_from_python_decode_and_encode_byte_for_byte() {
    let golden = include_str!("../../../tests/data/channels_redis_golden.jsonl");
    let mut cases = 0;
    for line in golden.lines().filter(|line| !line.trim().is_empty()) {
        let case: Value = serde_json::from_str(line).expect("a JSON line");
        let name = case["name"].as_str().expect("a name");
        let body = data_encoding::HEXLOWER
            .decode(case["hex"].as_str().expect("hex").as_bytes())
            .expect("valid hex");
        let expected = message(case["message"].clone());
        let decoded = decode(&body).unwrap_or_else(|e| panic!("{name}: {e}"));
        if name == "special floats" {
            // NaN is not equal to itself: compare the encodings instead.
            assert_eq!(
                decoded["v"],
                json!([{"$float": "NaN"}, {"$float": "Infinity"}, {"$float": "-Infinity"}])
            );
        } else {
            assert_eq!(decoded, expected, "{name}");
        }
        assert_eq!(encode(&expected).expect("encodes"), body, "{name}");
        cases += 1;
    }
    assert!(cases >= 16, "only {cases} golden cases");
}

#[test]
fn binary_survives_both_ways() {
    let bytes: Vec<u8> = (0..=255).collect();
    let mut m = Message::new();
    m.insert("type".into(), json!("b"));
    m.insert("bytes".into(), bytes_value(&bytes));
    let body = encode(&m).unwrap();
    // bin 8 marker, length 256 needs bin 16: c5 01 00.
    let at = body.windows(3).position(|w| w == [0xc5, 0x01, 0x00]);
    assert!(at.is_some(), "bytes are stored as msgpack bin");
    assert_eq!(decode(&body).unwrap(), m);
}

#[test]
fn json_values_round_trip() {
    let cases = [
        json!({"type": "t"}),
        json!({"a": null, "b": [true, false], "c": {"d": -7, "e": 1.25}}),
        json!({"big": u64::MAX, "small": i64::MIN}),
        json!({"m": {"$map": {"$bytes": "x"}}}),
        json!({"f": {"$float": "Infinity"}}),
        json!({"nested": {"bytes": {"$bytes": "AAEC"}, "list": [{"$bytes": ""}]}}),
    ];
    for case in cases {
        let m = message(case);
        assert_eq!(decode(&encode(&m).unwrap()).unwrap(), m);
    }
}

#[test]
fn bad_bodies_are_refused_with_a_reason() {
    let cases: [(&str, &[u8]); 9] = [
        ("empty", b""),
        ("not a map", &[0x92, 0x01, 0x02]),
        ("int key", &[0x81, 0x01, 0x02]),
        ("bin key", &[0x81, 0xc4, 0x01, 0x61, 0x02]),
        ("ext value", &[0x81, 0xa1, 0x61, 0xd4, 0x01, 0x00]),
        ("truncated", &[0x82, 0xa1, 0x61]),
        ("trailing bytes", &[0x80, 0x00]),
        ("bad utf-8", &[0x81, 0xa1, 0x61, 0xa1, 0xff]),
        ("reserved marker", &[0xc1]),
    ];
    for (name, body) in cases {
        match decode(body) {
            Err(Error::InvalidMessage(why)) => assert!(!why.is_empty(), "{name}"),
            other => panic!("{name}: {other:?}"),
        }
    }
}

#[test]
fn nesting_is_bounded() {
    // 200 nested one-element arrays inside a map: deeper than MAX_DEPTH.
    let mut body = vec![0x81, 0xa1, b'a'];
    body.extend(std::iter::repeat_n(0x91, 200));
    body.push(0xc0);
    assert!(matches!(decode(&body), Err(Error::InvalidMessage(_))));
}

#[test]
fn a_huge_declared_length_does_not_allocate_it() {
    // A map declaring 2^32 - 1 entries, and an array as long, with no data.
    for body in [
        &[0xdf, 0xff, 0xff, 0xff, 0xff][..],
        &[0x81, 0xa1, b'a', 0xdd, 0xff, 0xff, 0xff, 0xff],
    ] {
        assert!(matches!(decode(body), Err(Error::InvalidMessage(_))));
    }
}
