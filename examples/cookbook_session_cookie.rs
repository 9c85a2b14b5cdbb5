//! Cookbook: reading the session cookie, in HTTP views and at a WebSocket
//! handshake.
//!
//! `POST /login` with `name=…` creates a session and sets the `sessionid`
//! cookie with [`Cookie`]; `GET /whoami` reads it back with
//! [`Request::cookies`]; `ws://…/notifications` looks at the same cookie in
//! the handshake (browsers send cookies with WebSocket handshakes) and refuses
//! anonymous sockets; `POST /logout` deletes it.
//!
//! ```text
//! cargo run --example cookbook_session_cookie -- runserver --multithreaded
//! curl -c jar -d name=ada http://127.0.0.1:8000/login
//! curl -b jar http://127.0.0.1:8000/whoami
//! ```

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use wsviews::{accept_websocket, path, Cookie, HttpResponse, Request};

const SESSION_COOKIE: &str = "sessionid";

/// Session key → user name. A real app keeps sessions in a database or
/// Redis, as Django's session framework does.
fn sessions() -> &'static Mutex<HashMap<String, String>> {
    static SESSIONS: OnceLock<Mutex<HashMap<String, String>>> = OnceLock::new();
    SESSIONS.get_or_init(Default::default)
}

/// The user of the request's session, if it has a valid one.
fn user(request: &Request) -> Option<String> {
    let key = request.cookies().get(SESSION_COOKIE)?;
    sessions().lock().unwrap().get(key).cloned()
}

/// A session key. (Use a CSPRNG, e.g. the `getrandom` crate, in a real app:
/// this one is only unique, not unguessable.)
fn new_session_key() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{nanos:x}{:x}", COUNTER.fetch_add(1, Ordering::Relaxed))
}

fn login(request: &Request) -> HttpResponse {
    if request.method() != "POST" {
        return HttpResponse::not_allowed(&["POST"]);
    }
    let Some(name) = request.post().get("name") else {
        return HttpResponse::bad_request("missing name=");
    };
    let key = new_session_key();
    sessions()
        .lock()
        .unwrap()
        .insert(key.clone(), name.to_owned());
    let mut response = HttpResponse::new(format!("hello {name}\n"));
    response.set_cookie(
        Cookie::new(SESSION_COOKIE, key)
            .path("/")
            .http_only(true)
            .same_site("Lax")
            .secure(request.is_secure())
            .max_age(14 * 24 * 3600),
    );
    response
}

fn whoami(request: &Request) -> HttpResponse {
    match user(request) {
        Some(name) => HttpResponse::new(format!("{name}\n")),
        None => HttpResponse::text(401, "not logged in\n"),
    }
}

fn logout(request: &Request) -> HttpResponse {
    if let Some(key) = request.cookies().get(SESSION_COOKIE) {
        sessions().lock().unwrap().remove(key);
    }
    let mut response = HttpResponse::new("bye\n");
    response.delete_cookie(SESSION_COOKIE);
    response
}

/// The handshake carries the cookie: check it before talking.
fn notifications(request: &Request) -> wsviews::Result<HttpResponse> {
    let Some(name) = user(request) else {
        return Ok(HttpResponse::text(401, "not logged in\n"));
    };
    let Some(websocket) = request.websocket() else {
        return Ok(HttpResponse::new(format!(
            "{name}: open me as a WebSocket\n"
        )));
    };
    websocket.send(format!("welcome back, {name}"))?;
    for message in websocket {
        websocket.send(format!("{name} said {message}"))?;
    }
    Ok(HttpResponse::new(""))
}

fn main() {
    wsviews::management::execute_from_command_line(vec![
        path("login", login),
        path("whoami", whoami),
        path("logout", logout),
        path("notifications", accept_websocket(notifications)),
    ]);
}
