//! Why a test client's WebSocket handshake failed, in wsviews' own terms.

use std::fmt;

use super::response::TestResponse;

/// Why [`TestServer::websocket_with`](super::TestServer::websocket_with)
/// got no WebSocket.
#[derive(Debug)]
#[non_exhaustive]
pub enum HandshakeError {
    /// The server answered without switching protocols: its response
    /// (status, headers and body), as a refusing view returned it.
    Refused(TestResponse),
    /// The connection failed, a header could not be sent, or the answer was
    /// not a valid handshake; the text says which.
    Failed(String),
}

impl fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HandshakeError::Refused(response) => {
                write!(f, "WebSocket handshake refused with {}", response.status)
            }
            HandshakeError::Failed(why) => write!(f, "WebSocket handshake failed: {why}"),
        }
    }
}

impl std::error::Error for HandshakeError {}

impl HandshakeError {
    /// The error of tungstenite's client, kept inside this crate.
    pub(super) fn from_client(error: tungstenite::Error) -> Self {
        match error {
            tungstenite::Error::Http(response) => {
                let headers = response
                    .headers()
                    .iter()
                    .map(|(name, value)| {
                        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                        (name.as_str().to_owned(), value)
                    })
                    .collect();
                let status = response.status().as_u16();
                HandshakeError::Refused(TestResponse {
                    status,
                    headers,
                    body: response.into_body().unwrap_or_default(),
                })
            }
            other => HandshakeError::Failed(other.to_string()),
        }
    }
}
