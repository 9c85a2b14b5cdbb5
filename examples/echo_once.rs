//! django-websocket's first README example, line for line:
//!
//! ```python
//! from django_websocket import require_websocket
//!
//! @require_websocket
//! def echo_once(request):
//!     message = request.websocket.wait()
//!     request.websocket.send(message)
//! ```
//!
//! Run: `cargo run --example echo_once -- runserver --multithreaded`, then
//! connect to `ws://127.0.0.1:8000/echo_once`.

use wsviews::{path, require_websocket, Request};

fn echo_once(request: &Request) -> wsviews::Result<()> {
    let websocket = request
        .websocket()
        .expect("require_websocket gives a WebSocket");
    if let Some(message) = websocket.wait() {
        websocket.send(message)?;
    }
    Ok(())
}

fn main() {
    wsviews::management::execute_from_command_line(vec![path(
        "echo_once",
        require_websocket(echo_once),
    )]);
}
