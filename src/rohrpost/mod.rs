//! rohrpost: a small JSON protocol over WebSockets, byte-compatible with
//! rohrpost's own (Python, Django Channels) implementation, so its clients
//! (rohrpost-js, say) talk to wsviews unchanged.
//!
//! # The protocol
//!
//! A client sends text frames holding a JSON object with an `id` (any JSON
//! value, echoed in the reply), a `type` naming the handler, and optional
//! `data`:
//!
//! ```text
//! → {"id": 1234, "type": "ping", "data": {"some": "data"}}
//! ← {"id": 1234, "type": "pong", "data": {"some": "data"}}
//! ```
//!
//! Malformed frames are answered with an error, and the connection stays
//! open:
//!
//! | frame | reply |
//! | --- | --- |
//! | empty (or binary) | `{"error": "Received empty message."}` |
//! | not JSON | `{"error": "Could not decode JSON message. Error: <detail>"}` |
//! | not an object | `{"error": "Expected a JSON object as message."}` |
//! | no `type` | `{"error": "Missing required field 'type'."}` |
//! | no `id` | `{"error": "Missing required field 'id'."}` |
//! | unknown type | `{"id": <id>, "type": "<type>", "error": "Unknown message type '<type>'."}` |
//!
//! Frames are written as Python's `json.dumps` writes them (`", "` and
//! `": "` separators, non-ASCII escaped as `\uXXXX`, floats as Python's
//! `repr`), keys in rohrpost's order (`id`, `type`, `error`, `data`), and
//! client data echoed with its keys in the order sent.
//!
//! # Differences from rohrpost
//!
//! - **Falsy ids are kept.** An id of `0`, `""` (or `false`, `null`) is
//!   echoed; rohrpost dropped it, so such a client could not match the reply.
//! - **A failing handler answers, not kills.** A handler that returns an
//!   error or panics gets an error reply with the request's id and type
//!   (`error` is the error's text, or `Internal server error.` for a
//!   panic), and the connection stays open.
//! - **`"handler"` is accepted as an alias of `"type"`** when `type` is
//!   missing (rohrpost's docs showed `"handler"` for a while in 2017).
//! - The `<detail>` of a decoding error is serde_json's wording, not
//!   Python's; `NaN`/`Infinity` and integers beyond 64 bits, which Python
//!   reads, are refused or read as floats.
//!
//! # Serving it
//!
//! Build a [`Registry`] (it starts with [`handlers::ping`]), then serve it
//! from a blocking view with [`view`] or [`serve`], or from a Channels-style
//! consumer with [`consume`]:
//!
//! ```no_run
//! use wsviews::{path, rohrpost};
//! use wsviews::rohrpost::{Context, HandlerResult, Reply, Request};
//!
//! fn add(context: &Context<'_>, request: &Request) -> HandlerResult {
//!     let numbers = request.data_field("numbers").and_then(|n| n.as_array()).ok_or("no numbers")?;
//!     let sum: f64 = numbers.iter().filter_map(|n| n.as_f64()).sum();
//!     Reply::for_request(request, "sum").data(serde_json::json!({"sum": sum})).send(context)?;
//!     Ok(())
//! }
//!
//! let registry = rohrpost::Registry::new()
//!     .with("add", add)?
//!     .with("subscribe", rohrpost::handlers::subscribe)?
//!     .with("unsubscribe", rohrpost::handlers::unsubscribe)?;
//! wsviews::management::execute_from_command_line(vec![
//!     path("rohrpost", rohrpost::view(registry)),
//! ]);
//! # Ok::<(), rohrpost::AlreadyDefined>(())
//! ```
//!
//! # Change notifications
//!
//! Implement [`Notify`] for a type and call [`notify_created`],
//! [`notify_updated`] or [`notify_deleted`]: every client subscribed to the
//! object's group (`record-7`), on any server sharing the channel layer, gets
//!
//! ```text
//! {"id": 512, "type": "subscription-update", "data": {"group": "record-7", "type": "update", "object": {"id": 7, "updated_fields": ["title"]}}}
//! ```

mod context;
pub mod handlers;
mod json;
mod notify;
mod ordered;
mod protocol;
mod registry;
mod reply;
mod serve;

pub use context::Context;
pub use notify::{notify, notify_created, notify_deleted, notify_updated, Change, Notify};
pub use protocol::Request;
pub use registry::{AlreadyDefined, HandlerNames, HandlerResult, Registry};
pub use reply::{send_error, send_message, Reply, ReplyChannel, ReplyTarget};
pub use serve::{consume, handle_message, serve, view};
