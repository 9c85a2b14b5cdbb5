use super::*;

#[test]
fn every_close_the_server_sends() {
    let cases: &[(CloseCode, u16, &str)] = &[
        (CloseCode::Normal, 1000, ""),
        (CloseCode::GoingAway, 1001, "server shutting down"),
        (
            CloseCode::Protocol("invalid close code"),
            1002,
            "invalid close code",
        ),
        (
            CloseCode::InvalidData("invalid UTF-8 in text message"),
            1007,
            "invalid UTF-8 in text message",
        ),
        (
            CloseCode::TooBig("message too large"),
            1009,
            "message too large",
        ),
        (
            CloseCode::Internal("keepalive ping timeout"),
            1011,
            "keepalive ping timeout",
        ),
        (CloseCode::Internal(""), 1011, ""),
        (
            CloseCode::TryAgainLater("client too slow"),
            1013,
            "client too slow",
        ),
        (CloseCode::Other(1003), 1003, ""),
        (CloseCode::Other(1008), 1008, ""),
        (CloseCode::Other(1010), 1010, ""),
        (CloseCode::Other(1012), 1012, ""),
        (CloseCode::Other(1014), 1014, ""),
        (CloseCode::Other(3000), 3000, ""),
        (CloseCode::Other(4001), 4001, ""),
        (CloseCode::Other(4999), 4999, ""),
    ];
    for &(close, code, reason) in cases {
        assert_eq!((close.code(), close.reason()), (code, reason), "{close:?}");
        assert!(
            is_valid_close_code(code),
            "the server sends only valid codes: {code}"
        );
        assert_eq!(CloseCode::from_code(code).code(), code);
        let payload = close_payload(Some(close.code()), close.reason());
        assert_eq!(payload[..2], code.to_be_bytes(), "{close:?}");
        assert_eq!(&payload[2..], reason.as_bytes(), "{close:?}");
        // A client reading the frame gets back what was sent.
        let parsed = parse_close(&payload).expect("valid").expect("a code");
        assert_eq!((parsed.code, parsed.reason.as_str()), (code, reason));
    }
}

#[test]
fn named_codes_have_their_variant() {
    let cases = [
        (1000, CloseCode::Normal),
        (1001, CloseCode::GoingAway),
        (1002, CloseCode::Protocol("")),
        (1007, CloseCode::InvalidData("")),
        (1009, CloseCode::TooBig("")),
        (1011, CloseCode::Internal("")),
        (1013, CloseCode::TryAgainLater("")),
        (1003, CloseCode::Other(1003)),
        (4000, CloseCode::Other(4000)),
    ];
    for (code, close) in cases {
        assert_eq!(CloseCode::from_code(code), close, "{code}");
    }
    for code in 0..=u16::MAX {
        assert_eq!(CloseCode::from_code(code).code(), code);
    }
}

/// RFC 6455 §7.4: which codes a close frame may carry, for every `u16`.
#[test]
fn every_code_a_client_may_send() {
    let table: &[(std::ops::RangeInclusive<u16>, bool, &str)] = &[
        (0..=999, false, "not a close code"),
        (
            1000..=1003,
            true,
            "normal, going away, protocol error, unsupported data",
        ),
        (1004..=1004, false, "reserved"),
        (
            1005..=1006,
            false,
            "no status / abnormal: never sent in a frame",
        ),
        (1007..=1014, true, "invalid data ... bad gateway"),
        (1015..=1015, false, "TLS handshake: never sent in a frame"),
        (1016..=2999, false, "reserved for the protocol, unassigned"),
        (3000..=3999, true, "registered with IANA"),
        (4000..=4999, true, "private use"),
        (5000..=u16::MAX, false, "not a close code"),
    ];
    let mut covered = 0u32;
    for (range, valid, what) in table {
        for code in range.clone() {
            covered += 1;
            assert_eq!(is_valid_close_code(code), *valid, "{code} ({what})");
            let parsed = parse_close(&code.to_be_bytes());
            if *valid {
                let close = parsed.expect("valid").expect("a code");
                assert_eq!((close.code, close.reason.as_str()), (code, ""));
            } else {
                assert_eq!(
                    parsed,
                    Err(CloseCode::Protocol("invalid close code")),
                    "{code}"
                );
            }
        }
    }
    assert_eq!(covered, 1 << 16, "the table covers every u16 once");
}

#[test]
fn client_close_payloads() {
    let max_reason = "r".repeat(123);
    let max_payload = [&[0x03, 0xe8][..], max_reason.as_bytes()].concat();
    type Case<'a> = (&'a [u8], Result<Option<(u16, &'a str)>, u16>);
    let cases: &[Case<'_>] = &[
        (b"", Ok(None)),
        (b"\x03", Err(1002)),
        (b"\x03\xe8", Ok(Some((1000, "")))),
        (b"\x03\xe8ok", Ok(Some((1000, "ok")))),
        (b"\x0f\xa1\xc3\xa9", Ok(Some((4001, "é")))),
        (b"\x03\xe8\xff", Err(1007)),
        (b"\x03\xe8ok\xc3", Err(1007)),
        (b"\x03\xe8\xed\xa0\x80", Err(1007)),
        (b"\x03\xed", Err(1002)),
        (b"\x03\xedok", Err(1002)),
        (b"\x00\x00", Err(1002)),
        (&max_payload, Ok(Some((1000, &max_reason)))),
    ];
    for (payload, want) in cases {
        let got = parse_close(payload)
            .map(|close| close.map(|c| (c.code, c.reason)))
            .map_err(CloseCode::code);
        let want = want.map(|close| close.map(|(code, reason)| (code, reason.to_owned())));
        assert_eq!(got, want, "{payload:x?}");
    }
}

#[test]
fn close_payloads_cut_reasons_on_char_boundaries() {
    assert_eq!(close_payload(None, "ignored"), b"");
    assert_eq!(close_payload(Some(1000), "ok"), b"\x03\xe8ok");
    let long = "é".repeat(100);
    let cut = close_payload(Some(1000), &long);
    assert_eq!(cut.len(), 2 + 122);
    assert!(std::str::from_utf8(&cut[2..]).is_ok_and(|r| r.chars().all(|c| c == 'é')));
    let ascii = close_payload(Some(1000), &"a".repeat(200));
    assert_eq!(ascii.len(), 125, "a close payload fits a control frame");
}
