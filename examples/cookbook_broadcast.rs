//! Cookbook: broadcast to a room from blocking views.
//!
//! Every WebSocket on `/chat/<room>` keeps its [`Sender`] in a shared map;
//! a message from one member, or a `POST /announce/<room>` from any plain
//! HTTP view, goes to every member of the room. (The channel layer's groups do
//! this across processes; this recipe needs nothing but `Sender`s.)
//!
//! ```text
//! cargo run --example cookbook_broadcast -- runserver --multithreaded
//! websocat ws://127.0.0.1:8000/chat/lobby          # in two terminals
//! curl -d 'text=hello' http://127.0.0.1:8000/announce/lobby
//! ```

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

use wsviews::{path, require_websocket, HttpResponse, Message, Request, Sender};

/// Room name → (member id, sender).
type Rooms = Mutex<HashMap<String, Vec<(u64, Sender)>>>;

fn rooms() -> &'static Rooms {
    static ROOMS: OnceLock<Rooms> = OnceLock::new();
    ROOMS.get_or_init(Rooms::default)
}

/// Sends `message` to every member of `room`; members whose socket is gone
/// are dropped. The senders are cloned out of the lock first, so a slow
/// client never holds up joins and leaves (each send is bounded by the
/// server's `send_timeout`).
fn broadcast(room: &str, message: &str) -> usize {
    let members: Vec<(u64, Sender)> = rooms()
        .lock()
        .unwrap()
        .get(room)
        .cloned()
        .unwrap_or_default();
    let gone: Vec<u64> = members
        .iter()
        .filter(|(_, sender)| sender.send(message).is_err())
        .map(|(id, _)| *id)
        .collect();
    if !gone.is_empty() {
        leave(room, &gone);
    }
    members.len() - gone.len()
}

fn leave(room: &str, ids: &[u64]) {
    let mut rooms = rooms().lock().unwrap();
    if let Some(members) = rooms.get_mut(room) {
        members.retain(|(id, _)| !ids.contains(id));
        if members.is_empty() {
            rooms.remove(room);
        }
    }
}

/// `ws://…/chat/<room>`: join, relay every text message to the room, leave.
fn chat(request: &Request) -> wsviews::Result<()> {
    static NEXT_ID: AtomicU64 = AtomicU64::new(1);
    let websocket = request.websocket().expect("require_websocket gives one");
    let room = request.kwarg("room").unwrap_or("lobby");
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    rooms()
        .lock()
        .unwrap()
        .entry(room.to_owned())
        .or_default()
        .push((id, websocket.sender()));
    broadcast(room, &format!("* member {id} joined"));
    for message in websocket {
        if let Message::Text(text) = message {
            broadcast(room, &format!("{id}: {text}"));
        }
    }
    leave(room, &[id]);
    broadcast(room, &format!("* member {id} left"));
    Ok(())
}

/// `POST /announce/<room>` with `text=…`: a plain view broadcasting.
fn announce(request: &Request) -> HttpResponse {
    let room = request.kwarg("room").unwrap_or("lobby");
    let Some(text) = request.post().get("text") else {
        return HttpResponse::bad_request("missing text=");
    };
    let reached = broadcast(room, &format!("announcement: {text}"));
    HttpResponse::new(format!("sent to {reached} member(s)\n"))
}

fn main() {
    wsviews::management::execute_from_command_line(vec![
        path("chat/<str:room>", require_websocket(chat)),
        path("announce/<str:room>", announce),
    ]);
}
