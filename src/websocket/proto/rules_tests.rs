//! RFC 6455 over byte slices, as Autobahn's cases 6, 7, 9 and 10 exercise
//! it: UTF-8 (failing fast), close frames, limits.

use super::test_support::*;
use super::{Event, Limits};

const ROOMY: Limits = Limits {
    max_message: 1 << 20,
    max_frame: 1 << 20,
};

/// Autobahn 6.*: valid text in any split, invalid text closed with 1007 as
/// soon as the bad bytes arrive, even mid-frame or mid-message.
#[test]
fn utf8() {
    let kosme = "κόσμε".as_bytes();
    let long_bad = [&b"ab\xff"[..], &[b'c'; 500]].concat();
    let cases: Vec<Case> = vec![
        (
            "valid",
            frame(TEXT, "Hello-µ@ßöäüàá-UTF-8!!".as_bytes()),
            vec![text("Hello-µ@ßöäüàá-UTF-8!!")],
            None,
        ),
        (
            "split inside a character",
            frames(&[
                (TEXT_MORE, &kosme[..1]),
                (CONTINUE_MORE, &kosme[1..4]),
                (CONTINUE, &kosme[4..]),
            ]),
            vec![text("κόσμε")],
            None,
        ),
        (
            "euro completed",
            frames(&[(TEXT_MORE, b"\xe2\x82"), (CONTINUE, b"\xac")]),
            vec![text("€")],
            None,
        ),
        ("invalid byte", frame(TEXT, b"ok\xff"), vec![], Some(1007)),
        (
            "surrogate",
            frame(TEXT, b"\xed\xa0\x80"),
            vec![],
            Some(1007),
        ),
        (
            "above U+10FFFF",
            frame(TEXT, b"\xf4\x90\x80\x80"),
            vec![],
            Some(1007),
        ),
        ("overlong", frame(TEXT, b"\xc0\xaf"), vec![], Some(1007)),
        (
            "cut at the end",
            frame(TEXT, b"\xe2\x82"),
            vec![],
            Some(1007),
        ),
        (
            "cut at the end of the last fragment",
            frames(&[(TEXT_MORE, b"a"), (CONTINUE, b"\xe2\x82")]),
            vec![],
            Some(1007),
        ),
        (
            "completed wrongly",
            frames(&[(TEXT_MORE, b"\xe2"), (CONTINUE, b"\x28")]),
            vec![],
            Some(1007),
        ),
        // Failing fast: the rest of the message never arrives.
        (
            "bad first fragment",
            frame(TEXT_MORE, b"\xff"),
            vec![],
            Some(1007),
        ),
        (
            "bad middle fragment",
            frames(&[(TEXT_MORE, b"ok"), (CONTINUE_MORE, b"\xc0")]),
            vec![],
            Some(1007),
        ),
        (
            "bad bytes mid-frame",
            frame(TEXT, &long_bad)[..12].to_vec(),
            vec![],
            Some(1007),
        ),
        (
            "bad bytes mid-continuation",
            [
                frame(TEXT_MORE, b"\xe2"),
                frame(CONTINUE, &[b'\x28'; 300])[..9].to_vec(),
            ]
            .concat(),
            vec![],
            Some(1007),
        ),
        (
            "binary is not text",
            frame(BINARY, b"\xff\xfe"),
            vec![binary(b"\xff\xfe")],
            None,
        ),
        (
            "pings are not text",
            frame(PING, b"\xff"),
            vec![Event::Ping(b"\xff".to_vec())],
            None,
        ),
    ];
    check(ROOMY, &cases);
}

/// Autobahn 7.*: close frames, their codes and reasons (every code is in
/// `close_tests`).
#[test]
fn close_frames() {
    let reason = "r".repeat(123);
    let mut cases: Vec<Case> = vec![
        ("empty", frame(CLOSE, b""), vec![Event::Close(None)], None),
        (
            "1000",
            frame(CLOSE, &close(1000, "")),
            vec![closed(1000, "")],
            None,
        ),
        (
            "with a reason",
            frame(CLOSE, &close(1000, "Hello World!")),
            vec![closed(1000, "Hello World!")],
            None,
        ),
        (
            "longest reason",
            frame(CLOSE, &close(1001, &reason)),
            vec![closed(1001, &reason)],
            None,
        ),
        ("one byte", frame(CLOSE, b"\x03"), vec![], Some(1002)),
        (
            "126 bytes",
            frame(CLOSE, &close(1000, &"r".repeat(124))),
            vec![],
            Some(1002),
        ),
        (
            "invalid reason",
            frame(CLOSE, b"\x03\xe8\xce\xba\xff"),
            vec![],
            Some(1007),
        ),
        (
            "after a message",
            frames(&[(TEXT, b"bye"), (CLOSE, &close(4000, "done"))]),
            vec![text("bye"), closed(4000, "done")],
            None,
        ),
    ];
    for code in [
        0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535,
    ] {
        cases.push((
            "invalid code",
            frame(CLOSE, &close(code, "")),
            vec![],
            Some(1002),
        ));
    }
    for code in [
        1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000,
        4999,
    ] {
        cases.push((
            "valid code",
            frame(CLOSE, &close(code, "")),
            vec![closed(code, "")],
            None,
        ));
    }
    check(ROOMY, &cases);
}

/// Autobahn 9.* with small limits: a frame over `max_frame`, or a message
/// whose buffered bytes and next frame's declared length are over
/// `max_message`, is refused with 1009 from its head, before any payload.
#[test]
fn limits() {
    let small = Limits {
        max_message: 150,
        max_frame: 100,
    };
    let hundred = [b'a'; 100];
    let cases: Vec<Case> = vec![
        (
            "a frame at the limit",
            frame(TEXT, &hundred),
            vec![text(&"a".repeat(100))],
            None,
        ),
        (
            "a frame's head over the limit",
            head(BINARY, 101),
            vec![],
            Some(1009),
        ),
        (
            "a huge declared length",
            head(BINARY, usize::MAX >> 1),
            vec![],
            Some(1009),
        ),
        (
            "a message at the limit",
            frames(&[(TEXT_MORE, &hundred), (CONTINUE, &[b'a'; 50])]),
            vec![text(&"a".repeat(150))],
            None,
        ),
        (
            "a continuation's head over the message limit",
            [frame(TEXT_MORE, &hundred), head(CONTINUE, 51)].concat(),
            vec![],
            Some(1009),
        ),
        (
            "many small continuations",
            [
                frame(BINARY_MORE, &[0; 60]),
                frame(CONTINUE_MORE, &[0; 60]),
                head(CONTINUE, 31),
            ]
            .concat(),
            vec![],
            Some(1009),
        ),
        (
            "control frames between fragments do not count",
            frames(&[
                (TEXT_MORE, &hundred),
                (PING, &[0; 100]),
                (CONTINUE, &[b'a'; 50]),
            ]),
            vec![Event::Ping(vec![0; 100]), text(&"a".repeat(150))],
            None,
        ),
        (
            "a control frame over max_frame",
            head(PING, 101),
            vec![],
            Some(1009),
        ),
    ];
    check(small, &cases);
}
