//! The plainest thread-per-connection WebSocket echo server: the baseline wsviews is
//! measured against.
//!
//! ```text
//! cargo run --release --example baseline_echo -- 127.0.0.1:9001
//! ```
//!
//! A std `TcpListener`, one named thread per connection (128 KiB stack, `TCP_NODELAY`),
//! `tungstenite::accept_with_config` with a 16 KiB read buffer, and a read/send loop that
//! echoes text and binary messages. Every path is accepted (`/echo`, `/anything`), except
//! that `/chat/<room>` is the plainest possible chat room, the fan-out baseline: every
//! text message is sent to all members of the room, sender included, by the sender's
//! own thread, writing to each member's socket in turn (a clone of the stream, behind
//! a mutex). There is no connection cap: the point is to measure the raw cost of a
//! thread and a tungstenite socket per connection.

use std::collections::HashMap;
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use std::{env, io, thread};

use tungstenite::handshake::server::{Request, Response};
use tungstenite::protocol::{Role, WebSocketConfig};
use tungstenite::{Error, Message, WebSocket};

/// Stack size of each connection thread.
const STACK_SIZE: usize = 128 * 1024;
/// tungstenite's read buffer per connection (its default is 128 KiB, allocated eagerly).
const READ_BUFFER_SIZE: usize = 16 * 1024;

fn main() {
    let addr = env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9001".to_owned());
    let listener = match TcpListener::bind(&addr) {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("baseline_echo: cannot bind {addr}: {err}");
            std::process::exit(1);
        }
    };
    eprintln!("baseline_echo: listening on ws://{addr}/");
    accept_loop(&listener, &Rooms::default());
}

/// Accepts forever; an accept error (EMFILE, ...) is reported and backed off, never fatal.
fn accept_loop(listener: &TcpListener, rooms: &Rooms) {
    loop {
        match listener.accept() {
            Ok((stream, _)) => spawn_connection(stream, rooms.clone()),
            Err(err) => {
                eprintln!("baseline_echo: accept: {err}");
                thread::sleep(Duration::from_millis(10));
            }
        }
    }
}

fn spawn_connection(stream: TcpStream, rooms: Rooms) {
    let spawned = thread::Builder::new()
        .name("ws-conn".to_owned())
        .stack_size(STACK_SIZE)
        .spawn(move || {
            if let Err(err) = serve(stream, &rooms) {
                eprintln!("baseline_echo: connection: {err}");
            }
        });
    if let Err(err) = spawned {
        eprintln!("baseline_echo: cannot spawn a thread: {err}");
    }
}

/// A WebSocket over a TCP stream.
type Ws = WebSocket<TcpStream>;

/// One connection's life: handshake, then echo (or chat) until the peer closes.
// The handshake callback's error type is tungstenite's `ErrorResponse`, not ours to shrink.
#[allow(clippy::result_large_err)]
fn serve(stream: TcpStream, rooms: &Rooms) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let config = WebSocketConfig::default().read_buffer_size(READ_BUFFER_SIZE);
    let mut path = String::new();
    let remember_path = |request: &Request, response: Response| {
        request.uri().path().clone_into(&mut path);
        Ok(response)
    };
    let ws = tungstenite::accept_hdr_with_config(stream, remember_path, Some(config))
        .map_err(|err| io::Error::other(err.to_string()))?;
    match path.strip_prefix("/chat/") {
        Some(room) => rooms.chat(ws, room),
        None => echo(ws),
    }
}

/// Sends every text and binary message back.
fn echo(mut ws: Ws) -> io::Result<()> {
    loop {
        let reply = match next_message(&mut ws)? {
            Some(msg) => msg,
            None => return Ok(()),
        };
        match ws.send(reply) {
            Ok(()) => {}
            Err(Error::ConnectionClosed | Error::AlreadyClosed) => return Ok(()),
            Err(err) => return Err(io::Error::other(err.to_string())),
        }
    }
}

/// The next text or binary message; `None` once the peer has closed.
fn next_message(ws: &mut Ws) -> io::Result<Option<Message>> {
    loop {
        match ws.read() {
            Ok(msg @ (Message::Text(_) | Message::Binary(_))) => return Ok(Some(msg)),
            // Pings are answered by tungstenite; a close is answered on the next read.
            Ok(_) => continue,
            Err(Error::ConnectionClosed | Error::AlreadyClosed) => return Ok(None),
            Err(err) => return Err(io::Error::other(err.to_string())),
        }
    }
}

/// The members of each chat room: an id and a writer on a clone of the member's stream.
type Members = Vec<(u64, Arc<Mutex<Ws>>)>;

/// Chat rooms by name, shared by all connection threads.
#[derive(Clone, Default)]
struct Rooms(Arc<Mutex<HashMap<String, Members>>>);

/// Ids of chat members.
static NEXT_ID: AtomicU64 = AtomicU64::new(0);

impl Rooms {
    /// Joins `room`, broadcasts every text message to it, leaves when the peer closes.
    fn chat(&self, mut ws: Ws, room: &str) -> io::Result<()> {
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let config = WebSocketConfig::default().read_buffer_size(1024);
        let stream = ws.get_ref().try_clone()?;
        let writer = WebSocket::from_raw_socket(stream, Role::Server, Some(config));
        self.lock()
            .entry(room.to_owned())
            .or_default()
            .push((id, Arc::new(Mutex::new(writer))));
        let result = loop {
            match next_message(&mut ws) {
                Ok(Some(msg @ Message::Text(_))) => self.broadcast(room, &msg),
                Ok(Some(_)) => {}
                Ok(None) => break Ok(()),
                Err(err) => break Err(err),
            }
        };
        if let Some(members) = self.lock().get_mut(room) {
            members.retain(|(member, _)| *member != id);
        }
        result
    }

    /// Writes `msg` to every member in turn; a member whose write fails is skipped.
    fn broadcast(&self, room: &str, msg: &Message) {
        let members: Vec<Arc<Mutex<Ws>>> = match self.lock().get(room) {
            Some(members) => members.iter().map(|(_, w)| Arc::clone(w)).collect(),
            None => return,
        };
        for member in members {
            let mut writer = member.lock().unwrap_or_else(PoisonError::into_inner);
            let _ = writer.send(msg.clone());
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Members>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
