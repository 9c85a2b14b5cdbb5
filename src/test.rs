//! Testing views, as `django.test.Client` and Channels' `WebsocketCommunicator`
//! do: start the app on an ephemeral port inside a test and talk to it in one
//! line.
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

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::stream::MaybeTlsStream;

use crate::channels::groups::Group;
use crate::layers::{ChannelLayer, InMemoryLayer};
use crate::routing::urls::URLPattern;
use crate::server::config::ServerConfig;
use crate::server::{Server, ServerHandle};
use crate::websocket::Message;

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
    pub fn start(urlpatterns: Vec<URLPattern>) -> Self {
        TestServer::start_with_config(urlpatterns, ServerConfig::default())
    }

    /// Starts a server with `config`. Unless `config` names a channel layer,
    /// the server gets its own in-memory layer, so test servers in one test
    /// binary never hear each other's groups.
    ///
    /// # Panics
    /// If the server cannot start: the test fails.
    pub fn start_with_config(urlpatterns: Vec<URLPattern>, mut config: ServerConfig) -> Self {
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
    /// The handshake's failure: for a refused handshake,
    /// `tungstenite::Error::Http` carries the response status.
    pub fn websocket_with(
        &self,
        path: &str,
        headers: &[(&str, &str)],
    ) -> Result<TestWebSocket, tungstenite::Error> {
        use tungstenite::client::IntoClientRequest;
        let mut request = format!("ws://{}{path}", self.addr()).into_client_request()?;
        for (name, value) in headers {
            let name = tungstenite::http::HeaderName::from_bytes(name.as_bytes())
                .map_err(tungstenite::http::Error::from)?;
            let value = tungstenite::http::HeaderValue::from_str(value)
                .map_err(tungstenite::http::Error::from)?;
            request.headers_mut().append(name, value);
        }
        let stream = TcpStream::connect(self.addr())?;
        stream.set_read_timeout(Some(DEFAULT_TIMEOUT))?;
        let (socket, response) = tungstenite::client(request, MaybeTlsStream::Plain(stream))
            .map_err(|e| match e {
                tungstenite::HandshakeError::Failure(e) => e,
                tungstenite::HandshakeError::Interrupted(_) => {
                    tungstenite::Error::Io(io::ErrorKind::TimedOut.into())
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

/// A response as a test sees it.
#[derive(Debug, Clone)]
pub struct TestResponse {
    /// The status code.
    pub status: u16,
    /// Headers in order, names as sent.
    pub headers: Vec<(String, String)>,
    /// The body, de-chunked.
    pub body: Vec<u8>,
}

impl TestResponse {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        crate::http::find_header(&self.headers, name)
    }

    /// The body as text (lossy UTF-8).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Reads one HTTP/1.x response from `reader` (a test's raw socket, say).
///
/// # Errors
/// An I/O error, or `InvalidData` for a malformed response.
pub fn read_response(reader: &mut impl BufRead, head_only: bool) -> io::Result<TestResponse> {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        if reader.read_until(b'\n', &mut head)? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
    }
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut response = httparse::Response::new(&mut headers);
    let invalid = |e: String| io::Error::new(io::ErrorKind::InvalidData, e);
    response.parse(&head).map_err(|e| invalid(e.to_string()))?;
    let status = response.code.ok_or_else(|| invalid("no status".into()))?;
    let headers = crate::http::owned_headers(response.headers);
    let mut result = TestResponse {
        status,
        headers,
        body: Vec::new(),
    };
    if head_only || status < 200 || status == 204 || status == 304 {
        return Ok(result);
    }
    if result
        .header("Transfer-Encoding")
        .is_some_and(|te| te.eq_ignore_ascii_case("chunked"))
    {
        chunked_transfer::Decoder::new(reader).read_to_end(&mut result.body)?;
    } else if let Some(length) = result.header("Content-Length") {
        let length: u64 = length
            .trim()
            .parse()
            .map_err(|_| invalid("bad Content-Length".into()))?;
        reader.take(length).read_to_end(&mut result.body)?;
    } else {
        reader.read_to_end(&mut result.body)?;
    }
    Ok(result)
}

/// A blocking WebSocket client for tests; every receive times out after
/// [`DEFAULT_TIMEOUT`], so a broken view fails the test instead of hanging it.
#[derive(Debug)]
pub struct TestWebSocket {
    socket: tungstenite::WebSocket<MaybeTlsStream<TcpStream>>,
    protocol: Option<String>,
    close_code: Option<u16>,
}

impl TestWebSocket {
    /// Sends a message (`&str` as text, `Vec<u8>` as binary).
    ///
    /// # Panics
    /// If the connection is broken.
    pub fn send(&mut self, message: impl Into<Message>) {
        let message = match message.into() {
            Message::Text(text) => tungstenite::Message::text(text),
            Message::Binary(bytes) => tungstenite::Message::binary(bytes),
        };
        self.socket
            .send(message)
            .expect("send on the test WebSocket");
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
    pub fn close(mut self) -> Option<u16> {
        if self.close_code.is_none() {
            let frame = tungstenite::protocol::CloseFrame {
                code: CloseCode::Normal,
                reason: "".into(),
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

    /// The underlying tungstenite client, for frame-level tests.
    pub fn inner(&mut self) -> &mut tungstenite::WebSocket<MaybeTlsStream<TcpStream>> {
        &mut self.socket
    }
}
