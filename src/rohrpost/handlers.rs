//! Ready-made handlers: rohrpost's `ping`, and a `subscribe`/`unsubscribe`
//! pair for change notifications.

use serde_json::{Map, Value};

use super::context::Context;
use super::ordered::Ordered;
use super::protocol::Request;
use super::registry::HandlerResult;
use super::reply::Reply;

/// rohrpost's `ping`: answers `{"id": <same id>, "type": "pong", "data":
/// ...}`. Object data is echoed as it came, any other data is wrapped as
/// `{"data": <value>}`, and a request without `data` gets a reply without
/// one (as does an empty object, which rohrpost leaves out).
///
/// ```text
/// → {"id": 1, "type": "ping", "data": {"some": "data"}}
/// ← {"id": 1, "type": "pong", "data": {"some": "data"}}
/// → {"id": 2, "type": "ping", "data": [1, 2]}
/// ← {"id": 2, "type": "pong", "data": {"data": [1, 2]}}
/// → {"id": 3, "type": "ping"}
/// ← {"id": 3, "type": "pong"}
/// ```
///
/// # Errors
/// If the reply cannot be sent.
pub fn ping(context: &Context<'_>, request: &Request) -> HandlerResult {
    let mut reply = Reply::for_request(request, "pong");
    if let Some(data) = request.ordered_data() {
        reply = reply.ordered_data(match data {
            Ordered::Object(_) => data.clone(),
            other => Ordered::object([("data", other.clone())]),
        });
    }
    reply.send(context)?;
    Ok(())
}

/// Adds the connection to the group named in `data.group` and confirms
/// with `{"id": <same id>, "type": <request type>, "data": {"group":
/// <group>}}`. Register it as `subscribe` (or any name).
///
/// ```text
/// → {"id": 1, "type": "subscribe", "data": {"group": "record-7"}}
/// ← {"id": 1, "type": "subscribe", "data": {"group": "record-7"}}
/// ```
///
/// # Errors
/// `Missing field 'group' in data.` without a string `data.group`; an
/// invalid group name; a channel-layer failure. Each is answered as an
/// error reply.
pub fn subscribe(context: &Context<'_>, request: &Request) -> HandlerResult {
    let group = group_of(request)?;
    context.join(group)?;
    confirm(context, request, group)
}

/// Removes the connection from the group named in `data.group`, and
/// confirms as [`subscribe`] does.
///
/// # Errors
/// As [`subscribe`].
pub fn unsubscribe(context: &Context<'_>, request: &Request) -> HandlerResult {
    let group = group_of(request)?;
    context.leave(group)?;
    confirm(context, request, group)
}

fn group_of(request: &Request) -> Result<&str, String> {
    request
        .data_field("group")
        .and_then(Value::as_str)
        .ok_or_else(|| "Missing field 'group' in data.".to_owned())
}

fn confirm(context: &Context<'_>, request: &Request, group: &str) -> HandlerResult {
    let mut data = Map::new();
    data.insert("group".into(), Value::from(group));
    Reply::for_request(request, request.message_type())
        .data(data)
        .send(context)?;
    Ok(())
}
