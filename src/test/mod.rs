//! Testing views, as `django.test.Client` and Channels' `WebsocketCommunicator`
//! do: start the app on an ephemeral port inside a test and talk to it in one
//! line.
//!
//! Always built (it needs no crate the server does not): the WebSocket
//! client inside is tungstenite's, but nothing here shows its types:
//! messages are wsviews' [`Message`](crate::Message), a refused handshake is
//! a [`HandshakeError`] carrying the response, so a tungstenite upgrade is
//! not a breaking change for your tests.
//!
//! ```
//! use wsviews::test::TestServer;
//! use wsviews::{path, require_websocket, HttpResponse, Request};
//!
//! fn echo(request: &Request) -> wsviews::Result<()> {
//!     let websocket = request.websocket().expect("require_websocket gives one");
//!     for message in websocket {
//!         websocket.send(message)?;
//!     }
//!     Ok(())
//! }
//!
//! let server = TestServer::start(vec![
//!     path("plain", |_: &Request| HttpResponse::new("plain")),
//!     path("echo", require_websocket(echo)),
//! ]);
//! let response = server.get("/plain");
//! assert_eq!((response.status, response.text()), (200, "plain".to_owned()));
//!
//! let mut ws = server.websocket("/echo");
//! ws.send("hello");
//! assert_eq!(ws.recv().unwrap(), "hello");
//! assert_eq!(ws.close(), Some(1000));
//! ```

use std::io::{self, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use tungstenite::stream::MaybeTlsStream;

use crate::channels::groups::Group;
use crate::layers::{ChannelLayer, InMemoryLayer};
use crate::routing::urls::UrlPattern;
use crate::server::config::ServerConfig;
use crate::server::{Server, ServerHandle};

mod error;
mod response;
mod websocket;

pub use error::HandshakeError;
pub use response::{read_response, TestResponse};
pub use websocket::TestWebSocket;

/// How long a test client waits for an answer before the test fails.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// A server running `urlpatterns` on `127.0.0.1` on a free port, shut down
/// when dropped.
#[derive(Debug)]
pub struct TestServer {
    handle: ServerHandle,
}

impl TestServer {
    /// Starts a server with the default configuration.
    ///
    /// # Panics
    /// If the server cannot start (a bad route, no free port): the test fails.
    pub fn start(urlpatterns: Vec<UrlPattern>) -> Self {
        TestServer::start_with_config(urlpatterns, ServerConfig::default())
    }

    /// Starts a server with `config`. Unless `config` names a channel layer,
    /// the server gets its own in-memory layer, so test servers in one test
    /// binary never hear each other's groups.
    ///
    /// # Panics
    /// If the server cannot start: the test fails.
    pub fn start_with_config(urlpatterns: Vec<UrlPattern>, mut config: ServerConfig) -> Self {
        if config.channel_layer.is_none() {
            config = config.channel_layer(Arc::new(InMemoryLayer::new()));
        }
        let server = Server::bind_with_config("127.0.0.1:0", urlpatterns, config)
            .expect("test server binds");
        TestServer {
            handle: server.spawn().expect("test server starts"),
        }
    }

    /// The server's channel layer.
    pub fn channel_layer(&self) -> Arc<dyn ChannelLayer> {
        self.handle.channel_layer()
    }

    /// The group `name` on the server's channel layer.
    pub fn group(&self, name: impl Into<String>) -> Group {
        Group::with_layer(name, self.channel_layer())
    }

    /// The server's address.
    pub fn addr(&self) -> SocketAddr {
        self.handle.local_addr()
    }

    /// `http://ADDR{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr())
    }

    /// The running server (for its connection count or a shutdown).
    pub fn handle(&self) -> &ServerHandle {
        &self.handle
    }

    /// Stops the server gracefully and returns what it did.
    pub fn shutdown(self) -> crate::ShutdownReport {
        self.handle.shutdown()
    }

    /// `GET path` on a new connection.
    ///
    /// # Panics
    /// If the server does not answer within [`DEFAULT_TIMEOUT`].
    pub fn get(&self, path: &str) -> TestResponse {
        self.request("GET", path, &[], b"")
    }

    /// `POST path` with `body` of `content_type`.
    ///
    /// # Panics
    /// If the server does not answer within [`DEFAULT_TIMEOUT`].
    pub fn post(&self, path: &str, content_type: &str, body: impl AsRef<[u8]>) -> TestResponse {
        self.request(
            "POST",
            path,
            &[("Content-Type", content_type)],
            body.as_ref(),
        )
    }

    /// Any request, with extra headers, on a new connection.
    ///
    /// # Panics
    /// If the server does not answer within [`DEFAULT_TIMEOUT`].
    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> TestResponse {
        let stream = TcpStream::connect(self.addr()).expect("connect to the test server");
        stream
            .set_read_timeout(Some(DEFAULT_TIMEOUT))
            .expect("set a read timeout");
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
            self.addr()
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
        (&stream)
            .write_all(head.as_bytes())
            .expect("send the request head");
        (&stream).write_all(body).expect("send the request body");
        let mut reader = BufReader::new(stream);
        read_response(&mut reader, method == "HEAD").expect("a well-formed HTTP response")
    }

    /// Opens a WebSocket to `path`.
    ///
    /// # Panics
    /// If the handshake fails: the test fails.
    pub fn websocket(&self, path: &str) -> TestWebSocket {
        self.websocket_with(path, &[])
            .expect("WebSocket handshake succeeds")
    }

    /// Opens a WebSocket to `path` with extra handshake headers (an `Origin`,
    /// `Sec-WebSocket-Protocol`, ...).
    ///
    /// # Errors
    /// [`HandshakeError::Refused`] with the server's response when it does
    /// not switch protocols; [`HandshakeError::Failed`] otherwise.
    pub fn websocket_with(
        &self,
        path: &str,
        headers: &[(&str, &str)],
    ) -> Result<TestWebSocket, HandshakeError> {
        let request = client_request(&format!("ws://{}{path}", self.addr()), headers)
            .map_err(HandshakeError::from_client)?;
        let failed = |e: io::Error| HandshakeError::Failed(e.to_string());
        let stream = TcpStream::connect(self.addr()).map_err(failed)?;
        stream
            .set_read_timeout(Some(DEFAULT_TIMEOUT))
            .map_err(failed)?;
        let (socket, response) = tungstenite::client(request, MaybeTlsStream::Plain(stream))
            .map_err(|e| match e {
                tungstenite::HandshakeError::Failure(e) => HandshakeError::from_client(e),
                tungstenite::HandshakeError::Interrupted(_) => {
                    failed(io::ErrorKind::TimedOut.into())
                }
            })?;
        let protocol = response
            .headers()
            .get("Sec-WebSocket-Protocol")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Ok(TestWebSocket {
            socket,
            protocol,
            close_code: None,
        })
    }
}

/// The client's handshake request for `url` with `headers` added.
fn client_request(
    url: &str,
    headers: &[(&str, &str)],
) -> Result<tungstenite::handshake::client::Request, tungstenite::Error> {
    use tungstenite::client::IntoClientRequest;
    let mut request = url.into_client_request()?;
    for (name, value) in headers {
        let name = tungstenite::http::HeaderName::from_bytes(name.as_bytes())
            .map_err(tungstenite::http::Error::from)?;
        let value = tungstenite::http::HeaderValue::from_str(value)
            .map_err(tungstenite::http::Error::from)?;
        request.headers_mut().append(name, value);
    }
    Ok(request)
}
