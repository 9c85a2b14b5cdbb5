//! Tables for channels_redis' names, keys and routing.

use serde_json::json;

use super::*;

fn message(value: Value) -> Message {
    value.as_object().cloned().expect("a JSON object")
}

#[test]
fn channel_and_group_names() {
    let longest = "a".repeat(NAME_LIMIT - 1);
    let too_long = "a".repeat(NAME_LIMIT);
    let cases: &[(&str, bool, bool)] = &[
        // name, valid channel, valid group
        ("chat-lobby", true, true),
        ("a.b_c-D9", true, true),
        ("specific.ab12!cd34", true, false),
        ("specific.ab12!", true, false),
        ("inbox!a.b-c_d", true, false),
        (&longest, true, true),
        (&too_long, false, false),
        ("", false, false),
        ("!abc", false, false),
        ("a!b!c", false, false),
        ("a b", false, false),
        ("a?b", false, false),
        ("a:b", false, false),
        ("é", false, false),
        ("a\n", false, false),
    ];
    for &(name, channel, group) in cases {
        assert_eq!(
            validate_channel(name, false).is_ok(),
            channel,
            "channel {name:?}"
        );
        assert_eq!(validate_group(name).is_ok(), group, "group {name:?}");
    }
    assert!(validate_channel("inbox!", true).is_ok());
    assert!(validate_channel("plain", true).is_ok());
    assert!(matches!(
        validate_channel("inbox!x", true),
        Err(Error::InvalidName(_))
    ));
}

#[test]
fn keys_as_channels_redis_names_them() {
    assert_eq!(queue_key("asgi", "worker.jobs"), "asgiworker.jobs");
    assert_eq!(queue_key("asgi", "specific.ab!cd"), "asgispecific.ab!");
    assert_eq!(queue_key("asgi", "specific.ab!"), "asgispecific.ab!");
    assert_eq!(group_key("asgi", "chat"), "asgi:group:chat");
    assert_eq!(inflight_key("asgiworker.jobs"), "asgiworker.jobs$inflight");
    assert_eq!(non_local("a!b"), "a!");
}

#[test]
fn new_channels_are_valid_channels_names() {
    let name = new_channel_name("specific.0123abcd!").unwrap();
    assert_eq!(name.len(), "specific.0123abcd!".len() + 32);
    assert!(name[18..].bytes().all(|b| b.is_ascii_hexdigit()));
    assert!(validate_channel(&name, false).is_ok());
    assert_ne!(
        new_channel_name("x.").unwrap(),
        new_channel_name("x.").unwrap()
    );
    assert!(new_channel_name("a!b").is_err());
    assert!(new_channel_name(&"a".repeat(70)).is_err());
}

#[test]
fn members_have_a_random_12_byte_prefix() {
    let a = member(b"body");
    let b = member(b"body");
    assert_eq!(a.len(), 16);
    assert_ne!(a, b);
    assert_eq!(body_of(&a).unwrap(), b"body");
    assert!(body_of(b"short").is_err());
}

#[test]
fn events_need_a_type_and_leave_the_reserved_key_alone() {
    let refused = [
        json!({"text": "hi"}),
        json!({"type": 5, "text": "hi"}),
        json!({"type": "t", ASGI_CHANNEL: "x"}),
    ];
    for case in refused {
        let m = message(case.clone());
        assert!(
            matches!(send_body("c", &m), Err(Error::InvalidMessage(_))),
            "{case}"
        );
        assert!(
            matches!(
                group_bodies("asgi", &[], &m).map(drop),
                Err(Error::InvalidMessage(_))
            ),
            "{case}"
        );
    }
}

#[test]
fn send_names_the_full_channel_of_a_process_inbox() {
    let m = message(json!({"type": "t", "text": "x"}));
    let plain = codec::decode(&send_body("plain", &m).unwrap()).unwrap();
    assert_eq!(plain, m);
    let local = codec::decode(&send_body("in!abc", &m).unwrap()).unwrap();
    assert_eq!(local[ASGI_CHANNEL], json!("in!abc"));
}

#[test]
fn group_bodies_list_the_members_behind_each_queue() {
    let m = message(json!({"type": "t"}));
    let members = ["p1!a", "plain", "p1!b", "p2!c"].map(String::from);
    let bodies: Vec<_> = group_bodies("asgi", &members, &m)
        .unwrap()
        .collect::<Result<_>>()
        .unwrap();
    let keys: Vec<&str> = bodies.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["asgip1!", "asgiplain", "asgip2!"]);
    let first = codec::decode(&bodies[0].1).unwrap();
    assert_eq!(first[ASGI_CHANNEL], json!(["p1!a", "p1!b"]));
    let plain = codec::decode(&bodies[1].1).unwrap();
    assert_eq!(plain[ASGI_CHANNEL], json!(["plain"]));
}

#[test]
fn routing_inside_an_inbox() {
    let body = |routed: Value| message(json!({"type": "t", ASGI_CHANNEL: routed}));
    let bare = message(json!({"type": "t"}));
    let cases = [
        ("in!", body(json!("in!a")), vec!["in!a"], 0),
        (
            "in!",
            body(json!(["in!a", "in!b"])),
            vec!["in!a", "in!b"],
            0,
        ),
        ("in!", body(json!(["in!a", "other!b", 5])), vec!["in!a"], 2),
        ("plain", body(json!(["plain"])), vec!["plain"], 0),
        ("in!", bare.clone(), vec!["in!"], 0),
    ];
    for (queue, m, expected, ignored) in cases {
        let (out, skipped) = route(queue, m);
        let names: Vec<&str> = out.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!((names, skipped), (expected, ignored), "{queue}");
        assert!(out.iter().all(|(_, m)| *m == bare));
    }
}

#[test]
fn the_size_limit_counts_the_encoded_body() {
    // {"type": "t", "text": <str32 of n>}: 1 + 5 + 2 + 5 + 5 + n bytes.
    let fits = MAX_MESSAGE_SIZE - 18;
    let m = |n: usize| message(json!({"type": "t", "text": "x".repeat(n)}));
    assert_eq!(encode_limited(&m(fits)).unwrap().len(), MAX_MESSAGE_SIZE);
    match encode_limited(&m(fits + 1)) {
        Err(Error::MessageTooLarge { size, max }) => {
            assert_eq!((size, max), (MAX_MESSAGE_SIZE + 1, MAX_MESSAGE_SIZE))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_limit_counts_the_message_not_the_routing_list() {
    // 20 000 members behind one inbox: a 1.6 MB list, on a message that fits.
    let members: Vec<String> = (0..20_000)
        .map(|i| format!("specific.{:032x}!{i:032x}", 7))
        .collect();
    let m = message(json!({"type": "t", "text": "x".repeat(MAX_MESSAGE_SIZE - 18)}));
    let bodies: Vec<_> = group_bodies("asgi", &members, &m)
        .unwrap()
        .collect::<Result<_>>()
        .unwrap();
    assert_eq!(bodies.len(), 1);
    assert!(bodies[0].1.len() > MAX_MESSAGE_SIZE + 20_000 * 74);
    let routed = codec::decode(&bodies[0].1).unwrap();
    assert_eq!(routed[ASGI_CHANNEL].as_array().map(Vec::len), Some(20_000));
    let too_big = message(json!({"type": "t", "text": "x".repeat(MAX_MESSAGE_SIZE)}));
    assert!(matches!(
        group_bodies("asgi", &members, &too_big).map(drop),
        Err(Error::MessageTooLarge { .. })
    ));
    assert!(matches!(
        send_body("a!b", &too_big),
        Err(Error::MessageTooLarge { .. })
    ));
}
