use super::*;
use std::path::PathBuf;
use std::time::Duration;

fn run(args: &[&str]) -> RunServer {
    match parse_args(args).unwrap() {
        Command::RunServer(run) => run,
        other => panic!("{other:?}"),
    }
}

#[test]
fn runserver_arguments() {
    let default = run(&["runserver"]);
    assert_eq!(default.addr, "127.0.0.1:8000");
    assert!(!default.multithreaded);
    let full = run(&[
        "runserver",
        "0.0.0.0:9000",
        "--multithreaded",
        "--max-message-size",
        "16777216",
        "--max-connections",
        "20000",
        "--max-connections-per-ip",
        "300",
    ]);
    assert_eq!(full.addr, "0.0.0.0:9000");
    assert!(full.multithreaded);
    assert_eq!(full.config().max_message_size, 16 << 20);
    assert_eq!(full.config().max_connections, 20_000);
    assert_eq!(full.config().max_connections_per_ip, 300);
    assert_eq!(default.config().max_connections_per_ip, 1_000);
    assert_eq!(run(&["runserver", "[::1]:80"]).addr, "[::1]:80");
    let seconds = Duration::from_secs;
    assert_eq!(default.config().ping_interval, Some(seconds(20)));
    assert_eq!(default.config().ping_timeout, seconds(20));
    let pings = run(&["runserver", "--ping-interval", "0.5", "--ping-timeout", "3"]);
    assert_eq!(
        pings.config().ping_interval,
        Some(Duration::from_millis(500))
    );
    assert_eq!(pings.config().ping_timeout, seconds(3));
    let off = run(&["runserver", "--ping-interval", "0"]);
    assert_eq!(off.config().ping_interval, None);
    let channels = run(&[
        "runserver",
        "--channel-layer",
        "redis://h:1/0",
        "--noworker",
    ]);
    assert_eq!(channels.channel_layer.as_deref(), Some("redis://h:1/0"));
    assert!(channels.noworker && !default.noworker);
    assert_eq!(default.workers, 2);
    assert_eq!(run(&["runserver", "--workers", "8"]).workers, 8);
    for bad in ["0", "x"] {
        assert!(parse_args(["runserver", "--workers", bad]).is_err());
    }
    let deflate = run(&["runserver", "--permessage-deflate"]);
    assert!(deflate.permessage_deflate && !default.permessage_deflate);
    let settings = deflate.config().permessage_deflate;
    assert_eq!(settings, Some(crate::PerMessageDeflate::default()));
    assert_eq!(default.config().permessage_deflate, None);
}

#[test]
fn tls_static_and_verbosity_arguments() {
    let default = run(&["runserver"]);
    assert_eq!((default.cert.clone(), default.verbosity), (None, 1));
    assert_eq!(default.static_url, "/static/");
    assert_eq!(default.static_dir, PathBuf::from("static"));
    assert!(!default.nostatic);
    let full = run(&[
        "runserver",
        "--cert",
        "c.pem",
        "--key",
        "k.pem",
        "--static-url",
        "/assets/",
        "--static-dir",
        "public",
        "--nostatic",
        "-v",
        "3",
    ]);
    assert_eq!(full.cert, Some(PathBuf::from("c.pem")));
    assert_eq!(full.key, Some(PathBuf::from("k.pem")));
    assert_eq!(full.static_url, "/assets/");
    assert_eq!(full.static_dir, PathBuf::from("public"));
    assert!(full.nostatic);
    assert_eq!(full.verbosity, 3);
    for (arg, level) in [("0", 0), ("1", 1), ("2", 2), ("3", 3)] {
        assert_eq!(run(&["runserver", "--verbosity", arg]).verbosity, level);
    }
}

#[test]
fn usage_errors_and_help() {
    assert_eq!(parse_args(Vec::<String>::new()), Ok(Command::Help));
    assert_eq!(parse_args(["runserver", "--help"]), Ok(Command::Help));
    for bad in [
        &["migrate"][..],
        &["runserver", "--nope"],
        &["runserver", "1", "2"],
        &["runserver", "--max-message-size"],
        &["runserver", "--max-message-size", "x"],
        &["runserver", "--max-connections-per-ip", "0"],
        &["runserver", "--max-connections"],
        &["runserver", "--cert", "c.pem"],
        &["runserver", "--key", "k.pem"],
        &["runserver", "--cert"],
        &["runserver", "-v", "4"],
        &["runserver", "-v", "x"],
        &["runserver", "--verbosity"],
        &["runserver", "--static-dir"],
        &["runserver", "--channel-layer"],
        &["runserver", "--ping-interval", "soon"],
        &["runserver", "--ping-interval", "-1"],
        &["runserver", "--ping-timeout", "0"],
        &["runserver", "--ping-timeout"],
    ] {
        assert!(parse_args(bad).is_err(), "{bad:?}");
    }
}
