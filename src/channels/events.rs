//! What a message on a WebSocket's reply channel means for that WebSocket,
//! and the messages wsviews sends to reply channels: pure functions.
//!
//! Inbound, two shapes are understood, whatever the message's `"type"`:
//!
//! - wsviews' (Channels 1's) "WebSocket Send/Close": `content` (text, or
//!   base64 when `binary` is true), then `close`;
//! - Channels 4 events, as a Django consumer or `group_send` writes them:
//!   `text` → a text frame, `bytes` (a [`bytes_value`](layers::bytes_value))
//!   → a binary frame, `close` (true, or a close code) → a close, and
//!   `{"type": "websocket.close", "code": N}` → a close with N.
//!
//! Anything else (a message with none of these) is an event for the view
//! (see `WebSocket::on_event`), never dropped silently.

use std::borrow::Cow;

use serde_json::Value;

use crate::layers::{self, ChannelLayer};
use crate::websocket::{is_valid_close_code, CloseCode};

/// What to write to a WebSocket (this module depends on the layers only, so
/// the WebSocket types stay out of it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Frame {
    /// A text message.
    Text(String),
    /// A binary message.
    Binary(Vec<u8>),
    /// A close with this code.
    Close(u16),
}

/// What a reply-channel message asks of a WebSocket.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Inbound {
    /// Frames to send, then maybe a close, in order.
    pub frames: Vec<Frame>,
    /// Nothing to send: the message is an event for the view.
    pub for_view: bool,
}

/// Maps a message on a WebSocket's reply channel.
pub(crate) fn inbound(message: &layers::Message) -> Inbound {
    let mut frames = Vec::with_capacity(1);
    let mut understood = legacy_content(message, &mut frames);
    understood |= text_and_bytes(message, &mut frames);
    understood |= close(message, &mut frames);
    Inbound {
        frames,
        for_view: !understood,
    }
}

/// `content` and `binary`; whether `content` was there.
fn legacy_content(message: &layers::Message, out: &mut Vec<Frame>) -> bool {
    let binary = message
        .get("binary")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    match message.get("content") {
        Some(Value::String(content)) if binary => {
            match data_encoding::BASE64.decode(content.as_bytes()) {
                Ok(bytes) => out.push(Frame::Binary(bytes)),
                Err(_) => log::warn!("binary reply content is not base64; dropped"),
            }
        }
        Some(Value::String(content)) => out.push(Frame::Text(content.clone())),
        Some(other) => log::warn!("reply content must be a string, got {other}; dropped"),
        None => return false,
    }
    true
}

/// Channels 4's `text` and `bytes`; whether either was there.
fn text_and_bytes(message: &layers::Message, out: &mut Vec<Frame>) -> bool {
    let mut understood = false;
    match message.get("text") {
        Some(Value::String(text)) => out.push(Frame::Text(text.clone())),
        Some(Value::Null) | None => {}
        Some(other) => log::warn!("reply text must be a string, got {other}; dropped"),
    }
    understood |= message.get("text").is_some_and(|t| !t.is_null());
    match message.get("bytes") {
        Some(Value::Null) | None => {}
        Some(value) => match layers::value_bytes(value) {
            Some(bytes) => out.push(Frame::Binary(bytes)),
            None => log::warn!("reply bytes must be a byte string ({{\"$bytes\": ...}}); dropped"),
        },
    }
    understood | message.get("bytes").is_some_and(|b| !b.is_null())
}

/// `close` (true or a code), or a `websocket.close` event; whether the
/// message asked for a close.
fn close(message: &layers::Message, out: &mut Vec<Frame>) -> bool {
    let is_close_event = message.get("type").and_then(Value::as_str) == Some("websocket.close");
    let code = match message.get("close") {
        Some(Value::Bool(true)) => Some(CloseCode::Normal.code()),
        Some(Value::Number(code)) => Some(close_code(code.as_u64())),
        _ if is_close_event => Some(close_code(message.get("code").and_then(Value::as_u64))),
        _ => None,
    };
    if let Some(code) = code {
        out.push(Frame::Close(code));
    }
    code.is_some() || message.contains_key("close")
}

/// A close code a server may send (RFC 6455 7.4), else 1000.
fn close_code(code: Option<u64>) -> u16 {
    code.and_then(|c| u16::try_from(c).ok())
        .filter(|&c| is_valid_close_code(c))
        .unwrap_or(CloseCode::Normal.code())
}

/// The message that sends `frame` to a WebSocket's reply channel: a
/// Channels 4 event of type `event_type` (`text`, `bytes` or `close`) when
/// there is one, else wsviews' "WebSocket Send/Close" (`content`, `binary`,
/// `close`).
pub(crate) fn outbound(frame: &Frame, event_type: Option<&str>) -> layers::Message {
    let mut out = layers::Message::new();
    if let Some(event_type) = event_type {
        out.insert("type".into(), Value::String(event_type.into()));
    }
    let (key, value) = match (frame, event_type.is_some()) {
        (Frame::Text(text), true) => ("text", Value::String(text.clone())),
        (Frame::Binary(bytes), true) => ("bytes", layers::bytes_value(bytes)),
        (Frame::Text(text), false) => ("content", Value::String(text.clone())),
        (Frame::Binary(bytes), false) => {
            out.insert("binary".into(), Value::Bool(true));
            (
                "content",
                Value::String(data_encoding::BASE64.encode(bytes)),
            )
        }
        (Frame::Close(code), _) => ("close", Value::from(*code)),
    };
    out.insert(key.into(), value);
    out
}

/// `message` with `"type": kind` when `layer` carries Channels 4 events
/// (which refuse a message without a type) and it has none: how wsviews'
/// own Channels 1 messages (`websocket.receive`, `http.request`, ...) travel
/// on the channels-redis layer, typed by their channel as in Channels 4.
#[cfg_attr(
    not(any(feature = "consumers", feature = "rohrpost")),
    allow(dead_code)
)]
pub(crate) fn typed<'a>(
    layer: &dyn ChannelLayer,
    message: &'a layers::Message,
    kind: &str,
) -> Cow<'a, layers::Message> {
    if layer.event_type().is_none() || message.contains_key("type") {
        return Cow::Borrowed(message);
    }
    let mut typed = message.clone();
    typed.insert("type".into(), Value::String(kind.into()));
    Cow::Owned(typed)
}

/// [`typed`] with the layer's own event type: for replies.
#[cfg_attr(
    not(any(feature = "consumers", feature = "rohrpost")),
    allow(dead_code)
)]
pub(crate) fn typed_reply<'a>(
    layer: &dyn ChannelLayer,
    message: &'a layers::Message,
) -> Cow<'a, layers::Message> {
    match layer.event_type() {
        Some(kind) => typed(layer, message, kind),
        None => Cow::Borrowed(message),
    }
}

#[cfg(test)]
#[path = "events_tests.rs"]
mod tests;
