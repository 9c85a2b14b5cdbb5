//! Parsing `Sec-WebSocket-Extensions` (RFC 6455 §9.1) into permessage-deflate
//! offers (RFC 7692 §7): pure functions over the header values.
//!
//! Every offer is parsed on its own: one that is malformed, names an unknown
//! parameter, repeats one or gives an invalid value is declined (an `Err`
//! with the reason), and the others are still considered.

/// The parameters of one `permessage-deflate` offer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Offer {
    /// The client asks us not to carry our LZ77 window across messages.
    pub server_no_context_takeover: bool,
    /// The client says it will not carry its window across messages.
    pub client_no_context_takeover: bool,
    /// The largest window the client lets us compress with.
    pub server_max_window_bits: Option<u8>,
    /// `None`: not offered (the client may use any window); `Some(None)`:
    /// offered bare (we may choose the client's window); `Some(Some(n))`:
    /// the client will use at most `n`, and we may choose a smaller one.
    pub client_max_window_bits: Option<Option<u8>>,
}

/// The extension's name in the header.
pub(crate) const NAME: &str = "permessage-deflate";

/// Every `permessage-deflate` offer in the header values, in the client's
/// order of preference; other extensions are skipped.
pub(crate) fn parse_offers<'a>(
    values: impl IntoIterator<Item = &'a str>,
) -> Vec<Result<Offer, &'static str>> {
    let mut offers = Vec::new();
    for value in values {
        for element in split_outside_quotes(value, ',') {
            let mut parts = split_outside_quotes(element, ';').into_iter();
            let name = parts.next().map(str::trim).unwrap_or("");
            if name.eq_ignore_ascii_case(NAME) {
                offers.push(parse_params(parts));
            }
        }
    }
    offers
}

/// The parameters of one offer.
fn parse_params<'a>(params: impl Iterator<Item = &'a str>) -> Result<Offer, &'static str> {
    let mut offer = Offer::default();
    let mut seen = [false; 4];
    for param in params {
        let (name, value) = split_param(param)?;
        let index = match name.to_ascii_lowercase().as_str() {
            "server_no_context_takeover" => {
                no_value(value)?;
                offer.server_no_context_takeover = true;
                0
            }
            "client_no_context_takeover" => {
                no_value(value)?;
                offer.client_no_context_takeover = true;
                1
            }
            "server_max_window_bits" => {
                let value = value.ok_or("server_max_window_bits needs a value")?;
                offer.server_max_window_bits = Some(window_bits(&value)?);
                2
            }
            "client_max_window_bits" => {
                offer.client_max_window_bits = Some(value.map(|v| window_bits(&v)).transpose()?);
                3
            }
            _ => return Err("unknown permessage-deflate parameter"),
        };
        if std::mem::replace(&mut seen[index], true) {
            return Err("repeated permessage-deflate parameter");
        }
    }
    Ok(offer)
}

/// `name` or `name=value`, the value a token or a quoted string (unquoted).
fn split_param(param: &str) -> Result<(&str, Option<String>), &'static str> {
    let (name, value) = match param.split_once('=') {
        Some((name, value)) => (name.trim(), Some(unquote(value.trim())?)),
        None => (param.trim(), None),
    };
    if !is_token(name) {
        return Err("malformed permessage-deflate parameter");
    }
    Ok((name, value))
}

fn no_value(value: Option<String>) -> Result<(), &'static str> {
    match value {
        None => Ok(()),
        Some(_) => Err("a no_context_takeover parameter takes no value"),
    }
}

/// A window size exponent: a decimal 8 to 15, without leading zeros.
fn window_bits(value: &str) -> Result<u8, &'static str> {
    let bits = match value.parse::<u8>() {
        Ok(bits) if !value.starts_with('0') && value.bytes().all(|b| b.is_ascii_digit()) => bits,
        _ => return Err("window bits must be a number from 8 to 15"),
    };
    if (8..=15).contains(&bits) {
        Ok(bits)
    } else {
        Err("window bits must be a number from 8 to 15")
    }
}

/// A token as is, or a quoted string's content (RFC 7692 §7: it must then
/// be a token too).
fn unquote(value: &str) -> Result<String, &'static str> {
    let inner = match value.strip_prefix('"') {
        Some(rest) => rest.strip_suffix('"').ok_or("unterminated quoted string")?,
        None => value,
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        let c = if c == '\\' && value.starts_with('"') {
            chars.next().ok_or("unterminated quoted string")?
        } else {
            c
        };
        out.push(c);
    }
    if is_token(&out) {
        Ok(out)
    } else {
        Err("malformed permessage-deflate parameter value")
    }
}

/// A token (RFC 9110 §5.6.2): visible ASCII but separators.
fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_graphic() && !b"\"(),/:;<=>?@[\\]{}".contains(&b))
}

/// Splits on `sep` outside double quotes (a backslash escapes inside them).
fn split_outside_quotes(s: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            c if c == sep && !quoted => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer(
        snct: bool,
        cnct: bool,
        smwb: Option<u8>,
        cmwb: Option<Option<u8>>,
    ) -> Result<Offer, &'static str> {
        Ok(Offer {
            server_no_context_takeover: snct,
            client_no_context_takeover: cnct,
            server_max_window_bits: smwb,
            client_max_window_bits: cmwb,
        })
    }

    #[test]
    fn offers_table() {
        let plain = offer(false, false, None, None);
        type Case<'a> = (Vec<&'a str>, Vec<Result<Offer, &'a str>>);
        let cases: Vec<Case<'_>> = vec![
            (vec![""], vec![]),
            (vec!["x-webkit-deflate-frame"], vec![]),
            (vec!["permessage-deflate"], vec![plain]),
            (vec!["PerMessage-Deflate ; "], vec![Err("malformed permessage-deflate parameter")]),
            (
                vec!["permessage-deflate; client_max_window_bits"],
                vec![offer(false, false, None, Some(None))],
            ),
            (
                vec!["permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=12"],
                vec![offer(true, true, Some(10), Some(Some(12)))],
            ),
            (
                vec![r#"permessage-deflate; server_max_window_bits="9"; client_max_window_bits = "1\5""#],
                vec![offer(false, false, Some(9), Some(Some(15)))],
            ),
            (
                vec!["permessage-deflate; server_max_window_bits=10, permessage-deflate"],
                vec![offer(false, false, Some(10), None), plain],
            ),
            (
                vec!["foo; a=\"x,y\", permessage-deflate", "permessage-deflate; client_no_context_takeover"],
                vec![plain, offer(false, true, None, None)],
            ),
            (vec!["permessage-deflate; unknown"], vec![Err("unknown permessage-deflate parameter")]),
            (
                vec!["permessage-deflate; server_no_context_takeover; server_no_context_takeover"],
                vec![Err("repeated permessage-deflate parameter")],
            ),
            (
                vec!["permessage-deflate; server_no_context_takeover=1"],
                vec![Err("a no_context_takeover parameter takes no value")],
            ),
            (
                vec!["permessage-deflate; server_max_window_bits"],
                vec![Err("server_max_window_bits needs a value")],
            ),
        ];
        for (values, want) in cases {
            assert_eq!(parse_offers(values.iter().copied()), want, "{values:?}");
        }
    }

    #[test]
    fn window_bits_table() {
        for (value, ok) in [
            ("8", Some(8)),
            ("15", Some(15)),
            ("7", None),
            ("16", None),
            ("08", None),
            ("+9", None),
            ("", None),
            ("1 5", None),
        ] {
            assert_eq!(window_bits(value).ok(), ok, "{value:?}");
        }
    }

    #[test]
    fn an_unterminated_quote_declines_the_rest_of_the_header() {
        let offers =
            parse_offers(["permessage-deflate; server_max_window_bits=\"10, permessage-deflate"]);
        assert_eq!(offers, [Err("unterminated quoted string")]);
    }

    #[test]
    fn invalid_values_decline_only_their_offer() {
        for bad in [
            "permessage-deflate; client_max_window_bits=16",
            "permessage-deflate; server_max_window_bits=\"1 0\"",
            "permessage-deflate; client_max_window_bits=",
            "permessage-deflate; =10",
        ] {
            let header = format!("{bad}, permessage-deflate");
            let offers = parse_offers([header.as_str()]);
            assert_eq!(offers.len(), 2, "{bad}");
            assert!(offers[0].is_err(), "{bad}");
            assert_eq!(offers[1], Ok(Offer::default()), "{bad}");
        }
    }
}
