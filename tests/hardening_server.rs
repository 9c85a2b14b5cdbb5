//! The server against clients that try to hold what others need (issue 12,
//! points 3 and 6): special files in the static root.

mod support;

use std::path::PathBuf;
use std::process::Command;

use support::*;
use wsviews::{path, static_files, HttpResponse, Request};

/// A temporary static directory with `file.txt` and a FIFO, `pipe`.
struct StaticDir(PathBuf);

impl StaticDir {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("wsviews-fifo-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("static dir");
        std::fs::write(dir.join("file.txt"), "regular").expect("file.txt");
        let made = Command::new("mkfifo")
            .arg(dir.join("pipe"))
            .status()
            .expect("run mkfifo");
        assert!(made.success(), "mkfifo failed");
        StaticDir(dir)
    }
}

impl Drop for StaticDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn only_regular_files_are_served_a_fifo_is_404_at_once() {
    init_test_log();
    let dir = StaticDir::new();
    let server = TestServer::start(vec![
        static_files::serve("/static/", &dir.0),
        path("plain", |_: &Request| HttpResponse::text(200, "plain")),
    ]);
    assert_eq!(server.get("/static/file.txt").text(), "regular");
    // Opening a FIFO for reading waits for a writer: today's server never
    // answers, and the client's read timeout fails the test.
    assert_eq!(server.get("/static/pipe").status, 404);
    assert_eq!(server.get("/static/pipe").status, 404, "no thread is stuck");
    assert_eq!(server.get("/plain").status, 200);
}
