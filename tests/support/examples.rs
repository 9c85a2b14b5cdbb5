//! Building the examples that tests run as child processes.
#![allow(dead_code)]

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Mutex, OnceLock};

/// Builds example `name` with the features and profile this test binary was
/// built with (once per test binary; a no-op when it is up to date), and
/// returns the path of its executable. Every test that runs an example
/// goes through here, so no test overwrites the binary another one needs.
pub fn example_binary(name: &str) -> PathBuf {
    static BUILT: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    let mut built = BUILT
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    let deps = std::env::current_exe().expect("test executable");
    let profile_dir = deps
        .parent()
        .and_then(|d| d.parent())
        .expect("target/<profile>");
    let binary = profile_dir.join("examples").join(name);
    if built.insert(name.to_owned()) {
        let mut cargo = Command::new(env!("CARGO"));
        cargo
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["build", "--quiet", "--example", name]);
        if cfg!(feature = "redis") {
            cargo.args(["--features", "redis"]);
        }
        if cfg!(feature = "channels-redis") {
            cargo.args(["--features", "channels-redis"]);
        }
        if cfg!(feature = "tls") {
            cargo.args(["--features", "tls"]);
        }
        // Every feature of the test binary, or each example build after a
        // `cargo test --all-features` compile rebuilds the crate (about 40 s).
        if cfg!(feature = "channels-redis") {
            cargo.args(["--features", "channels-redis"]);
        }
        if !cfg!(debug_assertions) {
            cargo.arg("--release");
        }
        let status = cargo.status().expect("run cargo build");
        assert!(status.success(), "cargo build --example {name} failed");
    }
    binary
}
