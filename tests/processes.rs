//! Several processes sharing one real redis-server: two demo servers share
//! chat rooms; the consumers chat runs on a separate `runworker` process;
//! Redis stops and comes back mid-test without a crash.
#![cfg(all(feature = "redis", feature = "consumers"))]

#[path = "support/examples.rs"]
mod examples;
#[path = "support/processes.rs"]
mod processes;
#[allow(dead_code)]
#[path = "support/redis.rs"]
mod redis_server;

use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use processes::{get, get_status, App, Client};
use redis_server::RedisServer;
use wsviews::layers::{self, ChannelLayer};
use wsviews::Group;

/// Waits until group `name` on `layer` has `count` members.
fn wait_for_members(layer: &Arc<dyn ChannelLayer>, name: &str, count: usize) {
    let group = Group::with_layer(name, Arc::clone(layer));
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let members = group.channels().map(|c| c.len());
        if members.as_ref().ok() == Some(&count) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "group {name} has {members:?} members, not {count}"
        );
        thread::sleep(Duration::from_millis(10));
    }
}

fn demo(redis: &RedisServer) -> App {
    App::runserver("demo", &["--channel-layer", &redis.url()])
}

#[test]
fn two_demo_servers_share_a_room() {
    let redis = RedisServer::start();
    let layer = layers::from_url(&redis.url()).unwrap();
    let (a, b) = (demo(&redis), demo(&redis));
    let mut ann = Client::connect(a.addr(), "/chat/lobby");
    let mut bob = Client::connect(b.addr(), "/chat/lobby");
    wait_for_members(&layer, "chat-lobby", 2);

    ann.send("hello from A");
    assert_eq!(ann.recv(), "hello from A");
    assert_eq!(bob.recv(), "hello from A");
    bob.send("hello from B");
    assert_eq!(ann.recv(), "hello from B");
    assert_eq!(bob.recv(), "hello from B");
}

#[test]
fn the_consumers_chat_runs_on_a_worker_process() {
    let redis = RedisServer::start();
    let layer = layers::from_url(&redis.url()).unwrap();
    let url = redis.url();
    let server_args = ["--noworker", "--channel-layer", &url];
    let a = App::runserver("channels_chat", &server_args);
    let b = App::runserver("channels_chat", &server_args);
    let _worker = App::runworker(
        "channels_chat",
        &["--threads", "2", "--channel-layer", &url],
    );
    let mut ann = Client::connect(a.addr(), "/chat/lobby");
    let mut bob = Client::connect(b.addr(), "/chat/lobby");
    wait_for_members(&layer, "chat-lobby", 2);

    ann.send("consumed");
    assert_eq!(ann.recv(), "consumed");
    assert_eq!(bob.recv(), "consumed");
    assert_eq!(
        get(b.addr(), "/hello?name=bob"),
        (200, "Hello, bob!".into())
    );

    drop(bob);
    wait_for_members(&layer, "chat-lobby", 1);
}

#[test]
fn redis_stops_and_comes_back() {
    let mut redis = RedisServer::start();
    let layer = layers::from_url(&redis.url()).unwrap();
    let (mut a, mut b) = (demo(&redis), demo(&redis));
    let mut ann = Client::connect(a.addr(), "/chat/lobby");
    let _bob = Client::connect(b.addr(), "/chat/lobby");
    wait_for_members(&layer, "chat-lobby", 2);

    redis.stop();
    assert_eq!(get_status(a.addr(), "/plain"), 200);
    assert_eq!(get_status(b.addr(), "/plain"), 200);
    ann.send("into the void");
    a.wait_for_log(
        r#"group "chat-lobby": send failed"#,
        Duration::from_secs(10),
    );
    b.wait_for_log("channel layer receive failed", Duration::from_secs(10));
    assert!(a.is_running() && b.is_running());

    // Redis comes back empty: the rooms are joined again by new connections.
    redis.restart();
    let mut cat = Client::connect(a.addr(), "/chat/lobby");
    let mut dan = Client::connect(b.addr(), "/chat/lobby");
    wait_for_members(&layer, "chat-lobby", 2);
    cat.send("back again");
    assert_eq!(cat.recv(), "back again");
    assert_eq!(dan.recv(), "back again");
    assert_eq!(get_status(a.addr(), "/plain"), 200);
}
