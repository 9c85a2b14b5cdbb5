//! Between a WebSocket's messages and the frames of [`events`]: what a view
//! sends becomes a standard message, and what a reply channel brings
//! becomes a delivery to the socket.

use crate::channels::events;
use crate::layers;
use crate::websocket::{CloseCode, Delivery, Message};

/// The standard message that sends `message` to a WebSocket.
pub(crate) fn send_message(message: &Message) -> layers::Message {
    events::outbound(&frame(message), None)
}

/// `message` as a frame for [`events::outbound`].
pub(crate) fn frame(message: &Message) -> events::Frame {
    match message {
        Message::Text(text) => events::Frame::Text(text.clone()),
        Message::Binary(bytes) => events::Frame::Binary(bytes.clone()),
    }
}

/// What a frame a reply channel brought does to the WebSocket.
pub(crate) fn delivery(frame: events::Frame) -> Delivery {
    match frame {
        events::Frame::Text(text) => Delivery::Message(Message::Text(text)),
        events::Frame::Binary(bytes) => Delivery::Message(Message::Binary(bytes)),
        events::Frame::Close(code) => Delivery::Close(CloseCode::from_code(code)),
    }
}
