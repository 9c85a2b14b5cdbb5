//! django-websocket's second README example, line for line:
//!
//! ```python
//! from django.http import HttpResponse
//! from django_websocket import accept_websocket
//!
//! def modify_message(message):
//!     return message.lower()
//!
//! @accept_websocket
//! def lower_case(request):
//!     if not request.is_websocket():
//!         message = request.GET['message']
//!         message = modify_message(message)
//!         return HttpResponse(message)
//!     else:
//!         for message in request.websocket:
//!             message = modify_message(message)
//!             request.websocket.send(message)
//! ```
//!
//! Run: `cargo run --example lower_case -- runserver --multithreaded`, then
//! open `http://127.0.0.1:8000/lower_case?message=HeLLo`.

use wsviews::{accept_websocket, path, HttpResponse, Request};

fn modify_message(message: &str) -> String {
    message.to_lowercase()
}

fn lower_case(request: &Request) -> wsviews::Result<HttpResponse> {
    if !request.is_websocket() {
        let Some(message) = request.get().get("message") else {
            return Ok(HttpResponse::bad_request("missing ?message="));
        };
        let message = modify_message(message);
        Ok(HttpResponse::new(message))
    } else {
        let websocket = request.websocket().expect("is_websocket() is true");
        for message in websocket {
            let message = modify_message(&message.to_string());
            websocket.send(message)?;
        }
        Ok(HttpResponse::new(""))
    }
}

fn main() {
    wsviews::management::execute_from_command_line(vec![path(
        "lower_case",
        accept_websocket(lower_case),
    )]);
}
