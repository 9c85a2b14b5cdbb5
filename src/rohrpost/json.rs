//! JSON text exactly as Python's `json.dumps(value)` writes it with its
//! defaults, so that rohrpost frames are byte-compatible with rohrpost's own
//! implementation: `", "` and `": "` separators, keys in their order (an
//! [`Ordered`] value keeps it), `ensure_ascii` escapes, and floats as
//! Python's `repr`.

use std::fmt::Write;

use serde_json::{Number, Value};

use super::ordered::Ordered;

/// `json.dumps(value)`.
pub(crate) fn dumps(value: &Ordered) -> String {
    let mut out = String::new();
    write_value(&mut out, value);
    out
}

/// Python's `str(value)` for a scalar (`None`, `True`, `1.5`, `text`); the
/// JSON text for an array or object.
pub(crate) fn python_str(value: &Value) -> String {
    match value {
        Value::Null => "None".to_owned(),
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        Value::String(text) => text.clone(),
        Value::Number(number) => number_text(number),
        Value::Array(_) | Value::Object(_) => dumps(&Ordered::from(value.clone())),
    }
}

/// Python's truthiness: `None`, `False`, zero, and empty strings, lists and
/// objects are false.
pub(crate) fn is_truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Object(map) => !map.is_empty(),
    }
}

/// [`is_truthy`] of an [`Ordered`] value.
pub(crate) fn is_truthy_ordered(value: &Ordered) -> bool {
    match value {
        Ordered::Scalar(scalar) => is_truthy(scalar),
        Ordered::Array(items) => !items.is_empty(),
        Ordered::Object(pairs) => !pairs.is_empty(),
    }
}

fn write_value(out: &mut String, value: &Ordered) {
    match value {
        Ordered::Scalar(Value::Null) => out.push_str("null"),
        Ordered::Scalar(Value::Bool(b)) => out.push_str(if *b { "true" } else { "false" }),
        Ordered::Scalar(Value::Number(number)) => out.push_str(&number_text(number)),
        Ordered::Scalar(Value::String(text)) => write_str(out, text),
        Ordered::Scalar(nested) => write_value(out, &Ordered::from(nested.clone())),
        Ordered::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Ordered::Object(pairs) => {
            out.push('{');
            for (i, (key, item)) in pairs.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_str(out, key);
                out.push_str(": ");
                write_value(out, item);
            }
            out.push('}');
        }
    }
}

/// A JSON string with `ensure_ascii`: everything outside `' '..='~'` is
/// escaped, as `\uXXXX` (lower-case, UTF-16) unless it has a short escape.
fn write_str(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
}

fn number_text(number: &Number) -> String {
    match (number.as_i64(), number.as_u64(), number.as_f64()) {
        (Some(i), _, _) => i.to_string(),
        (None, Some(u), _) => u.to_string(),
        (None, None, Some(f)) => float_repr(f),
        (None, None, None) => number.to_string(),
    }
}

/// Python's `repr(float)`: the shortest digits that read back the same,
/// in positional notation for exponents -4 to 15 (always with a `.`), and
/// as `1e+16` / `1.5e-05` outside.
fn float_repr(f: f64) -> String {
    if !f.is_finite() {
        return match (f.is_nan(), f > 0.0) {
            (true, _) => "NaN",
            (false, true) => "Infinity",
            (false, false) => "-Infinity",
        }
        .to_owned();
    }
    // `{:e}` gives the shortest round-trip digits: "-1.2345e-7".
    let scientific = format!("{f:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    format!("{sign}{}", place_point(&digits, exponent))
}

/// Lays out `digits` (d.ddd × 10^exponent) as Python's `repr` does.
fn place_point(digits: &str, exponent: i32) -> String {
    let point = exponent + 1; // digits before the decimal point
    let len = digits.len() as i32;
    if !(-4 < point && point <= 16) {
        let (first, rest) = digits.split_at(1);
        let fraction = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let sign = if exponent < 0 { '-' } else { '+' };
        return format!("{first}{fraction}e{sign}{:02}", exponent.abs());
    }
    if point <= 0 {
        format!("0.{}{digits}", "0".repeat((-point) as usize))
    } else if point < len {
        let (whole, fraction) = digits.split_at(point as usize);
        format!("{whole}.{fraction}")
    } else {
        format!("{digits}{}.0", "0".repeat((point - len) as usize))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn floats_as_python_repr() {
        let table: &[(f64, &str)] = &[
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (0.5, "0.5"),
            (-2.5, "-2.5"),
            (123.456, "123.456"),
            (100.0, "100.0"),
            (0.1 + 0.2, "0.30000000000000004"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (0.000015, "1.5e-05"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (12345678901234567.0, "1.2345678901234568e+16"),
            (1.5e300, "1.5e+300"),
            (5e-324, "5e-324"),
            (f64::MAX, "1.7976931348623157e+308"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
        ];
        for (value, python) in table {
            assert_eq!(float_repr(*value), *python, "{value:e}");
        }
    }

    #[test]
    fn dumps_as_python() {
        let table = [
            (json!(null), "null"),
            (json!(true), "true"),
            (json!(-7), "-7"),
            (json!(u64::MAX), "18446744073709551615"),
            (json!(2.0), "2.0"),
            (json!([]), "[]"),
            (json!({}), "{}"),
            (json!([1, "a", [null]]), r#"[1, "a", [null]]"#),
            (json!("q\"b\\n\n\r\t\u{8}\u{c}"), r#""q\"b\\n\n\r\t\b\f""#),
            (json!("\u{1}\u{1f}\u{7f}"), r#""\u0001\u001f\u007f""#),
            (json!("é€😀"), r#""\u00e9\u20ac\ud83d\ude00""#),
        ];
        for (value, python) in table {
            assert_eq!(dumps(&value.into()), python);
        }
        // Objects keep their keys in order whatever serde_json's features.
        let ordered = Ordered::object([
            ("b", json!(1).into()),
            ("a", Ordered::object([("c", json!([]).into())])),
        ]);
        assert_eq!(dumps(&ordered), r#"{"b": 1, "a": {"c": []}}"#);
    }

    #[test]
    fn parsed_text_keeps_its_key_order() {
        let value = Ordered::parse(r#"{"z": 1, "a": 2, "m": 3.10}"#).unwrap();
        assert_eq!(dumps(&value), r#"{"z": 1, "a": 2, "m": 3.1}"#);
    }

    #[test]
    fn python_str_of_values() {
        let table = [
            (json!(null), "None"),
            (json!(true), "True"),
            (json!(false), "False"),
            (json!(12), "12"),
            (json!(1e16), "1e+16"),
            (json!("pïng"), "pïng"),
            (json!([1, 2]), "[1, 2]"),
        ];
        for (value, python) in table {
            assert_eq!(python_str(&value), python);
        }
    }

    #[test]
    fn truthiness() {
        for falsy in [
            json!(null),
            json!(false),
            json!(0),
            json!(0.0),
            json!(""),
            json!([]),
            json!({}),
        ] {
            assert!(!is_truthy(&falsy), "{falsy}");
        }
        for truthy in [
            json!(true),
            json!(-1),
            json!(0.5),
            json!(" "),
            json!([0]),
            json!({"a": null}),
        ] {
            assert!(is_truthy(&truthy), "{truthy}");
        }
    }
}
