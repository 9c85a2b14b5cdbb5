//! One `Group` value sending again and again while members come and go:
//! it resolves its members once and keeps them while the layer says the
//! group is unchanged, so each send must still reach exactly the members of
//! that moment, and a member that left must not keep its connection alive.

mod support;

use support::*;
use wsviews::layers::ChannelLayer;
use wsviews::{path, require_websocket, Group, Request, UrlPattern};

/// `/join`: joins `room` and reads until the client leaves.
fn join() -> UrlPattern {
    path(
        "join",
        require_websocket(|request: &Request| -> wsviews::Result<()> {
            let websocket = request.websocket().expect("a WebSocket");
            Group::new("room").add(websocket)?;
            for _ in websocket {}
            Ok(())
        }),
    )
}

fn text(ws: &mut wsviews::test::TestWebSocket) -> String {
    let message = ws.recv().expect("a message");
    message.into_text().expect("text")
}

#[test]
fn each_send_reaches_the_members_of_that_moment() {
    init_test_log();
    let server = TestServer::start(vec![join()]);
    let layer = server.handle().channel_layer();
    let room = Group::with_layer("room", layer.clone());
    let members = || layer.group_channels("room").expect("members").len();

    let mut ann = server.websocket("/join");
    wait_until("ann joined", || members() == 1);
    assert_eq!(room.send("one").expect("sent").delivered, 1);
    assert_eq!(text(&mut ann), "one");
    assert_eq!(room.send("two").expect("sent").delivered, 1, "cached");
    assert_eq!(text(&mut ann), "two");

    let mut bob = server.websocket("/join");
    wait_until("bob joined", || members() == 2);
    assert_eq!(room.send("three").expect("sent").delivered, 2);
    assert_eq!(text(&mut ann), "three");
    assert_eq!(text(&mut bob), "three");

    let _ = ann.close();
    wait_until("ann left", || members() == 1);
    wait_until("ann's connection ended", || {
        server.handle().connection_count() == 1
    });
    assert_eq!(room.send("four").expect("sent").delivered, 1);
    assert_eq!(text(&mut bob), "four");
}

#[test]
fn the_in_memory_layer_versions_a_group_on_each_change() {
    let layer = wsviews::layers::InMemoryLayer::new();
    let first = layer.group_version("g").expect("versioned");
    layer.group_add("g", "a.b").expect("add");
    let joined = layer.group_version("g").expect("versioned");
    assert_ne!(joined, first, "a join");
    layer.group_add("g", "a.b").expect("renew");
    assert_eq!(
        layer.group_version("g"),
        Some(joined),
        "a renewal is no change"
    );
    layer.group_discard("g", "a.b").expect("discard");
    assert_ne!(layer.group_version("g"), Some(joined), "a leave");
}
