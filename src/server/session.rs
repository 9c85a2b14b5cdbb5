//! A WebSocket session on one connection: the view runs with a WebSocket
//! whose handshake completes when the view first uses it (the [`Opener`]
//! writes the `101` then); afterwards the server closes the WebSocket, or
//! sends the view's refusal as a plain HTTP response.

use std::io::{self, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use crate::http::head_writer::{Body, Connection, ResponseHead};
use crate::http::request::Request;
use crate::http::response::HttpResponse;
use crate::net::socket::Socket;
use crate::routing::views::{call_view, View};
use crate::server::registry::Marker;
use crate::server::ServerState;
use crate::websocket::{CloseCode, Open, Opened, OpeningState, Registration};

/// Completes a handshake on the connection's socket when the view first
/// uses its WebSocket.
pub(crate) struct Opener {
    pub state: Arc<ServerState>,
    pub stream: Arc<Socket>,
    /// The `Sec-WebSocket-Accept` value.
    pub accept: String,
    /// The `Sec-WebSocket-Extensions` answer (permessage-deflate), if any.
    pub extensions: Option<String>,
    pub marker: Marker,
    pub peer: SocketAddr,
    /// The request line, for the access log.
    pub line: String,
}

impl Open for Opener {
    fn open(
        self: Box<Self>,
        protocol: Option<&str>,
        registration: Registration,
    ) -> io::Result<Opened> {
        write_switching(
            &self.stream,
            &self.accept,
            protocol,
            self.extensions.as_deref(),
        )?;
        log::info!(target: "wsviews::access", "\"{}\" 101 -", self.line);
        if !self.state.config.multithreaded {
            log::warn!(
                "WebSocket opened by {}; other requests wait until it closes (run with --multithreaded to serve them concurrently)",
                self.peer
            );
        }
        let Registration {
            sender, watched, ..
        } = registration;
        self.marker.set_websocket(sender.clone());
        // No reply channel yet: the WebSocket gets one from the server when
        // something needs it (see `WebSocket::reply`); most sessions never do.
        if self.state.stopping() {
            let _ = sender.close_because(CloseCode::GoingAway);
        }
        let watch = self.state.keepalive.as_ref().map(|k| k.watch(watched));
        Ok(Opened { reply: None, watch })
    }
}

/// How a WebSocket session ended.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// The WebSocket opened, and is closed now.
    Closed,
    /// The view did not accept the handshake: answer with this response.
    Refused(HttpResponse),
    /// The client left before the handshake completed.
    Gone,
}

/// Runs a WebSocket view. If it accepted the handshake, closes with 1000
/// (1011 if it panicked or returned a server error) and logs the session.
pub(crate) fn run(mut request: Request, view: &View, state: &ServerState) -> Outcome {
    let started = Instant::now();
    let response = call_view(view, &request);
    let Some(websocket) = request.websocket.take() else {
        return Outcome::Gone;
    };
    match websocket.opening_state() {
        OpeningState::Pending => {
            return Outcome::Refused(
                response.unwrap_or_else(|| HttpResponse::text(500, "Internal Server Error")),
            )
        }
        OpeningState::Refused => {
            return Outcome::Refused(HttpResponse::forbidden("WebSocket connection refused"))
        }
        OpeningState::Failed => return Outcome::Gone,
        OpeningState::Open => {}
    }
    let close = match response {
        Some(response) if response.status() >= 500 => CloseCode::Internal(""),
        Some(_) => CloseCode::Normal,
        None => CloseCode::Internal(""),
    };
    let end = websocket.finish(close, state.config.close_timeout);
    if let Some((_, channel)) = websocket.opened_reply() {
        state.replies.close(channel);
    }
    log::info!(
        target: "wsviews::access",
        "WebSocket {} closed after {:.2}s: {} messages in, {} out, close code {}",
        request.path(),
        started.elapsed().as_secs_f64(),
        end.messages_in,
        end.messages_out,
        end.close_code()
    );
    Outcome::Closed
}

/// Writes the `101 Switching Protocols` that completes a handshake.
fn write_switching(
    stream: &Socket,
    accept: &str,
    protocol: Option<&str>,
    extensions: Option<&str>,
) -> io::Result<()> {
    let mut headers = vec![("Sec-WebSocket-Accept".to_owned(), accept.to_owned())];
    if let Some(protocol) = protocol {
        headers.push(("Sec-WebSocket-Protocol".to_owned(), protocol.to_owned()));
    }
    if let Some(extensions) = extensions {
        headers.push(("Sec-WebSocket-Extensions".to_owned(), extensions.to_owned()));
    }
    let head = ResponseHead {
        minor: 1,
        status: 101,
        headers: &headers,
        body: Body::Length(0),
        head_only: false,
        connection: Connection::Upgrade("websocket"),
    }
    .write(SystemTime::now());
    head.warn_refused();
    let mut out = stream;
    out.write_all(&head.bytes)?;
    out.flush()
}
