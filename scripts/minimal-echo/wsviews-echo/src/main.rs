//! A WebSocket echo on `ws://ADDR/echo` with wsviews built without its
//! default features: a view, a route and `Server::serve`.
//!
//! ```text
//! cargo run --release -- 127.0.0.1:9001
//! ```

use wsviews::{path, require_websocket, Request, Server};

fn echo(request: &Request) -> wsviews::Result<()> {
    let Some(websocket) = request.websocket() else {
        return Ok(());
    };
    for message in websocket {
        websocket.send(message)?;
    }
    Ok(())
}

fn main() -> wsviews::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9001".to_owned());
    Server::bind(addr, vec![path("echo", require_websocket(echo))])?.serve()
}
