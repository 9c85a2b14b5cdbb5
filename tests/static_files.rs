//! `static_files::serve` over real sockets: content types, 404s, and every
//! path traversal we could think of refused.

mod support;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use support::*;
use wsviews::{path, static_files, HttpResponse, Request};

const SECRET: &str = "top secret outside the static directory";

/// `ROOT/secret.txt` and `ROOT/static/{index.html, css/site.css, app.wasm,
/// out -> ../secret.txt, in -> css/site.css}`.
struct Tree {
    root: PathBuf,
}

impl Tree {
    fn new(name: &str) -> Self {
        let root = std::env::temp_dir().join(format!("wsviews-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        let static_dir = root.join("static");
        fs::create_dir_all(static_dir.join("css")).unwrap();
        fs::write(root.join("secret.txt"), SECRET).unwrap();
        fs::write(static_dir.join("index.html"), "<h1>hi</h1>").unwrap();
        fs::write(static_dir.join("css/site.css"), "body {}").unwrap();
        fs::write(static_dir.join("app.wasm"), b"\0asm").unwrap();
        std::os::unix::fs::symlink(root.join("secret.txt"), static_dir.join("out")).unwrap();
        std::os::unix::fs::symlink("css/site.css", static_dir.join("in")).unwrap();
        Tree { root }
    }

    fn static_dir(&self) -> PathBuf {
        self.root.join("static")
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.root);
    }
}

fn server(dir: &Path) -> TestServer {
    init_test_log();
    TestServer::start(vec![
        static_files::serve("/static/", dir),
        path("home", |_: &Request| HttpResponse::new("home")),
    ])
}

/// Sends a raw request target, as a client that does not normalise it would.
fn get_raw(server: &TestServer, target: &str) -> TestResponse {
    let stream = connect(server.addr());
    let head = format!("GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    (&stream).write_all(head.as_bytes()).unwrap();
    read_response(&mut std::io::BufReader::new(stream), false).unwrap()
}

#[test]
fn files_with_their_content_types() {
    let tree = Tree::new("static-ok");
    let server = server(&tree.static_dir());
    let table = [
        (
            "/static/index.html",
            "text/html; charset=utf-8",
            "<h1>hi</h1>",
        ),
        ("/static/css/site.css", "text/css; charset=utf-8", "body {}"),
        ("/static/in", "application/octet-stream", "body {}"),
        ("/static/app.wasm", "application/wasm", "\0asm"),
    ];
    for (target, content_type, body) in table {
        let response = server.get(target);
        assert_eq!(response.status, 200, "{target}");
        assert_eq!(
            response.header("Content-Type"),
            Some(content_type),
            "{target}"
        );
        assert_eq!(response.text(), body, "{target}");
    }
    assert_eq!(server.get("/home").text(), "home");
    let head = server.request("HEAD", "/static/css/site.css", &[], b"");
    assert_eq!(
        (head.status, head.header("Content-Length")),
        (200, Some("7"))
    );
    assert_eq!(
        server
            .post("/static/css/site.css", "text/plain", "x")
            .status,
        405
    );
}

#[test]
fn missing_files_and_directories_are_404() {
    let tree = Tree::new("static-missing");
    let server = server(&tree.static_dir());
    for target in ["/static/nope.js", "/static/css", "/static/css/", "/static/"] {
        assert_eq!(server.get(target).status, 404, "{target}");
    }
}

#[test]
fn path_traversal_is_refused() {
    let tree = Tree::new("static-traversal");
    let server = server(&tree.static_dir());
    let secret = tree.root.join("secret.txt");
    let absolute = format!("/static/{}", secret.display());
    let absolute_encoded = format!(
        "/static/{}",
        secret.display().to_string().replace('/', "%2F")
    );
    let attacks = [
        "/static/../secret.txt",
        "/static/css/../../secret.txt",
        "/static/%2e%2e/secret.txt",
        "/static/%2E%2E/secret.txt",
        "/static/..%2fsecret.txt",
        "/static/..%2Fsecret.txt",
        "/static/css%2F..%2F..%2Fsecret.txt",
        "/static/%2e%2e%2fsecret.txt",
        "/static/..\\secret.txt",
        "/static/..%5Csecret.txt",
        "/static/css\\..\\..\\secret.txt",
        absolute.as_str(),
        absolute_encoded.as_str(),
        "/static/%2Fetc%2Fpasswd",
        "/static//etc/passwd",
        "/static/css/site.css%00",
        "/static/%00",
        "/static/./css/site.css",
        "/static/out",
        "/static/%252e%252e/secret.txt",
    ];
    for target in attacks {
        let response = get_raw(&server, target);
        assert!(
            matches!(response.status, 400 | 404),
            "{target}: {} {}",
            response.status,
            response.text()
        );
        assert!(
            !response.text().contains(SECRET),
            "{target} leaked the secret"
        );
    }
}
