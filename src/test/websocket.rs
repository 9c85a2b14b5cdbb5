//! A blocking WebSocket client for tests.

use std::net::TcpStream;

use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::stream::MaybeTlsStream;

use super::DEFAULT_TIMEOUT;
use crate::websocket::Message;

/// A blocking WebSocket client for tests; every receive times out after
/// [`DEFAULT_TIMEOUT`], so a broken view fails the test instead of hanging it.
#[derive(Debug)]
pub struct TestWebSocket {
    pub(super) socket: tungstenite::WebSocket<MaybeTlsStream<TcpStream>>,
    pub(super) protocol: Option<String>,
    pub(super) close_code: Option<u16>,
}

impl TestWebSocket {
    /// Sends a message (`&str` as text, `Vec<u8>` as binary).
    ///
    /// # Panics
    /// If the connection is broken.
    pub fn send(&mut self, message: impl Into<Message>) {
        self.socket
            .send(frame(message.into()))
            .expect("send on the test WebSocket");
    }

    /// Sends several messages in one write (one TCP segment when they fit),
    /// so that all of them have arrived when the view next looks.
    ///
    /// # Panics
    /// If the connection is broken.
    pub fn send_all<M: Into<Message>>(&mut self, messages: impl IntoIterator<Item = M>) {
        for message in messages {
            self.socket
                .write(frame(message.into()))
                .expect("queue on the test WebSocket");
        }
        self.socket.flush().expect("send on the test WebSocket");
    }

    /// The next message; `None` once the server closed (its close code is
    /// then in [`close_code`](Self::close_code)).
    ///
    /// # Panics
    /// If nothing arrives within [`DEFAULT_TIMEOUT`].
    pub fn recv(&mut self) -> Option<Message> {
        loop {
            match self.socket.read() {
                Ok(tungstenite::Message::Text(text)) => {
                    return Some(Message::Text(text.as_str().to_owned()))
                }
                Ok(tungstenite::Message::Binary(bytes)) => {
                    return Some(Message::Binary(bytes.to_vec()))
                }
                Ok(tungstenite::Message::Close(frame)) => {
                    self.close_code = Some(frame.map_or(1005, |f| u16::from(f.code)));
                }
                Ok(_) => {}
                Err(tungstenite::Error::Io(e)) if crate::net::socket::is_timeout(&e) => {
                    panic!("no WebSocket message within {DEFAULT_TIMEOUT:?}")
                }
                Err(_) => return None,
            }
        }
    }

    /// Closes with 1000 and waits for the server's answer; returns the close
    /// code the server sent (`None` if it sent none).
    pub fn close(self) -> Option<u16> {
        self.close_with(1000, "")
    }

    /// Closes with `code` and `reason` (a client's close, as 4001 "bye")
    /// and waits for the server's answer; returns the close code the server
    /// sent (`None` if it sent none).
    pub fn close_with(mut self, code: u16, reason: &str) -> Option<u16> {
        if self.close_code.is_none() {
            let frame = tungstenite::protocol::CloseFrame {
                code: CloseCode::from(code),
                reason: reason.to_owned().into(),
            };
            let _ = self.socket.close(Some(frame));
        }
        while self.recv().is_some() {}
        self.close_code
    }

    /// The close code the server sent, once it sent one.
    pub fn close_code(&self) -> Option<u16> {
        self.close_code
    }

    /// The subprotocol the server chose.
    pub fn protocol(&self) -> Option<&str> {
        self.protocol.as_deref()
    }
}

/// Our message as the client library's.
fn frame(message: Message) -> tungstenite::Message {
    match message {
        Message::Text(text) => tungstenite::Message::text(text),
        Message::Binary(bytes) => tungstenite::Message::binary(bytes),
    }
}
