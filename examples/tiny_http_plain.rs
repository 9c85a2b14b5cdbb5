//! The HTTP baseline: tiny_http's own server answering `GET /plain` with `200 plain`.
//!
//! ```text
//! cargo run --release --example tiny_http_plain -- 127.0.0.1:8001
//! ```
//!
//! `Server::http(addr)` with [`WORKERS`] (4) worker threads all calling `recv()` on the
//! shared server; tiny_http itself adds one thread per connection to read requests.
//! Four workers keep both cores of the benchmark machine busy while one blocks on a
//! write. `GET /plain` answers `200` with the body `plain` (`text/plain`); anything else
//! is a `404`.

use std::sync::Arc;
use std::{env, thread};

use tiny_http::{Header, Method, Response, Server};

/// Worker threads answering requests.
const WORKERS: usize = 4;

fn main() {
    let addr = env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8001".to_owned());
    let server = match Server::http(&addr) {
        Ok(server) => Arc::new(server),
        Err(err) => {
            eprintln!("tiny_http_plain: cannot bind {addr}: {err}");
            std::process::exit(1);
        }
    };
    eprintln!("tiny_http_plain: listening on http://{addr}/plain with {WORKERS} workers");
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let server = Arc::clone(&server);
            thread::spawn(move || work(&server))
        })
        .collect();
    for worker in workers {
        let _ = worker.join();
    }
}

/// Answers requests until the server is dropped; a failed response is reported only.
fn work(server: &Server) {
    let content_type = Header::from_bytes("Content-Type", "text/plain").ok();
    loop {
        let request = match server.recv() {
            Ok(request) => request,
            Err(err) => {
                eprintln!("tiny_http_plain: recv: {err}");
                continue;
            }
        };
        let response = if *request.method() == Method::Get && request.url() == "/plain" {
            let response = Response::from_string("plain");
            match &content_type {
                Some(header) => response.with_header(header.clone()),
                None => response,
            }
        } else {
            Response::from_string("not found").with_status_code(404)
        };
        if let Err(err) = request.respond(response) {
            eprintln!("tiny_http_plain: respond: {err}");
        }
    }
}
