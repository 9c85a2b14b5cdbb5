//! One connection's life: requests in a keep-alive loop, each routed to its
//! view, or a WebSocket session after a valid handshake.

use std::io::{self, BufWriter, Write};
use std::net::SocketAddr;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::Instant;

use crate::consumers;
use crate::handshake::{
    is_upgrade_request, select_protocol, validate_handshake, Handshake, Rejection,
};
use crate::http::body::{read_body, BodyError};
use crate::http::head::Head;
use crate::http::request::Request;
use crate::http::response::HttpResponse;
use crate::http::stream::{ConnReader, HeadFailure, HeadLimits};
use crate::registry::Ticket;
use crate::server::ServerState;
use crate::socket::{Socket, INHERITS_LISTENER_OPTIONS};
use crate::views::{View, WebSocketPolicy};
use crate::websocket::WebSocket;

/// Serves one accepted connection until it closes.
pub(crate) fn serve_connection(
    stream: Arc<Socket>,
    peer: SocketAddr,
    state: &ServerState,
    ticket: Ticket,
) {
    let config = &state.config;
    if !INHERITS_LISTENER_OPTIONS {
        let _ = stream.set_write_timeout(Some(config.send_timeout));
        if let Some(idle) = config.tcp_keepalive {
            let _ = stream.set_keepalive(idle);
        }
    }
    ticket.set_idle();
    // The listener's receive timeout, unless a TLS handshake changed it.
    let inherited_read_timeout =
        (INHERITS_LISTENER_OPTIONS && !stream.is_tls()).then_some(config.head_timeout);
    if let Err(e) = stream.handshake(config.head_timeout) {
        return crate::socket::log_handshake_failure(peer, &e);
    }
    let mut conn = Connection {
        reader: ConnReader::new(stream, inherited_read_timeout),
        peer,
        state,
        ticket,
    };
    let limits = HeadLimits {
        max_size: config.max_head_size,
        max_headers: config.max_headers,
        timeout: config.head_timeout,
    };
    let mut wait = config.head_timeout;
    loop {
        conn.ticket.set_idle();
        if state.stopping() {
            break;
        }
        let head = match conn.reader.read_head(limits, wait) {
            Ok(Some(head)) => head,
            Ok(None) => break,
            Err(failure) => {
                conn.on_bad_head(failure);
                break;
            }
        };
        conn.ticket.set_busy();
        wait = config.idle_timeout;
        if !conn.handle(head) || state.stopping() {
            break;
        }
    }
    log::debug!("{peer}: connection closed");
}

struct Connection<'a> {
    reader: ConnReader,
    peer: SocketAddr,
    state: &'a ServerState,
    ticket: Ticket,
}

impl Connection<'_> {
    fn stream(&self) -> Arc<Socket> {
        Arc::clone(self.reader.stream())
    }

    fn on_bad_head(&self, failure: HeadFailure) {
        match failure {
            HeadFailure::Rejected(error) => {
                let (status, reason) = error.status_and_reason();
                log::warn!("{}: {status} {reason}", self.peer);
                let _ =
                    write_response(&self.stream(), HttpResponse::text(status, reason), 1, false);
            }
            HeadFailure::TimedOut => log::warn!(
                "{}: request head not completed within {:?}; connection closed",
                self.peer,
                self.state.config.head_timeout
            ),
            HeadFailure::Io(e) => log::debug!(
                "{}: connection lost while reading a request: {e}",
                self.peer
            ),
        }
    }

    /// Handles one request; returns whether to keep the connection open.
    fn handle(&mut self, head: Head) -> bool {
        let config = &self.state.config;
        let stream = self.stream();
        let Some(body) = self.read_body(&head) else {
            return false;
        };
        let exchange = Exchange::of(&head);
        let handshake = exchange.upgrade.then(|| validate_handshake(&head));
        let mut request = Request::new(head, body, self.peer, self.state.local_addr);
        crate::proxy::identify_client(&mut request, &config.trusted_proxies, stream.is_tls());
        let Some((pattern, kwargs)) = self.state.urls.resolve(request.path()) else {
            let response = HttpResponse::not_found(format!("Not Found: {}", request.path()));
            return self.respond(&exchange, response);
        };
        request.set_kwargs(kwargs);
        let view = &pattern.view;
        match handshake {
            Some(handshake) => self.websocket(&exchange, request, view, handshake),
            None if view.policy == WebSocketPolicy::Require => self.respond(
                &exchange,
                HttpResponse::bad_request("This view requires a WebSocket connection"),
            ),
            None => {
                let response = match view.interface {
                    Some(options) => {
                        consumers::http_exchange(&request, &self.state.replies, &stream, options)
                    }
                    None => call_view(view, &request)
                        .unwrap_or_else(|| HttpResponse::text(500, "Internal Server Error")),
                };
                self.respond(&exchange, response)
            }
        }
    }

    /// The request's body; `None` (after answering 400/413/501, or losing
    /// the client) ends the connection.
    fn read_body(&mut self, head: &Head) -> Option<Vec<u8>> {
        let stream = self.stream();
        let config = &self.state.config;
        self.reader
            .set_deadline(Some(Instant::now() + config.body_timeout));
        let read = read_body(&mut self.reader, &mut &*stream, head, config.max_body_size);
        self.reader.set_deadline(None);
        let error = match read {
            Ok(body) => return Some(body),
            Err(error) => error,
        };
        if let Some((status, reason)) = error.status_and_reason() {
            let (method, target) = (&head.method, &head.target);
            log::warn!("{}: \"{method} {target}\" {status} {reason}", self.peer);
            let response = HttpResponse::text(status, reason);
            let _ = write_response(&stream, response, head.minor_version, false);
        } else if let BodyError::Io(e) = &error {
            log::debug!("{}: request body not received: {e}", self.peer);
        }
        None
    }

    fn respond(&self, exchange: &Exchange, response: HttpResponse) -> bool {
        let status = response.status();
        let size = response
            .content()
            .map_or_else(|| "-".to_owned(), |c| c.len().to_string());
        log::info!(target: "wsviews::access", "\"{}\" {status} {size}", exchange.line);
        match write_response(&self.stream(), response, exchange.minor, exchange.head_only) {
            Ok(()) => exchange.keep_alive,
            Err(e) => {
                log::debug!("{}: response not sent: {e}", self.peer);
                false
            }
        }
    }

    /// Answers a WebSocket handshake and runs the view's session; the
    /// connection ends with it.
    fn websocket(
        &mut self,
        exchange: &Exchange,
        mut request: Request,
        view: &View,
        handshake: Result<Handshake, Rejection>,
    ) -> bool {
        let handshake = match self.check_handshake(&request, view, handshake) {
            Ok(handshake) => handshake,
            Err(refusal) => {
                self.respond(exchange, refusal);
                return false;
            }
        };
        let protocol = select_protocol(&handshake.offered_protocols, &view.protocols);
        if let Err(e) = write_switching(&self.stream(), &handshake.accept, protocol.as_deref()) {
            log::debug!("{}: handshake reply not sent: {e}", self.peer);
            return false;
        }
        log::info!(target: "wsviews::access", "\"{}\" 101 -", exchange.line);
        if !self.state.config.multithreaded {
            log::warn!(
                "WebSocket opened on {}; other requests wait until it closes (run with --multithreaded to serve them concurrently)",
                request.path()
            );
        }
        let (websocket, reply_channel) = self.open_websocket(protocol);
        request.websocket = Some(websocket);
        run_session(request, view, self.state.config.close_timeout);
        if let Some(channel) = reply_channel {
            self.state.replies.close(&channel);
        }
        false
    }

    /// The handshake, if the view takes WebSockets, the handshake is valid
    /// and its origin allowed; otherwise the response that refuses it.
    fn check_handshake(
        &self,
        request: &Request,
        view: &View,
        handshake: Result<Handshake, Rejection>,
    ) -> Result<Handshake, HttpResponse> {
        let config = &self.state.config;
        if view.policy == WebSocketPolicy::Reject && !config.accept_all_websockets {
            let reason = "This view does not accept WebSocket connections";
            return Err(HttpResponse::bad_request(reason));
        }
        let handshake = handshake.map_err(|rejection| {
            let response =
                HttpResponse::bad_request(rejection.reason).with_status(rejection.status);
            match rejection.status {
                426 => response.with_header("Sec-WebSocket-Version", "13"),
                _ => response,
            }
        })?;
        let origin = request.header("Origin");
        if !config.origin_allowed(origin) {
            log::warn!("{}: WebSocket from origin {origin:?} refused", self.peer);
            return Err(HttpResponse::forbidden("Origin not allowed"));
        }
        Ok(handshake)
    }

    /// The WebSocket over this connection, registered for shutdown and given
    /// a reply channel (returned too, to close after the session).
    fn open_websocket(&mut self, protocol: Option<String>) -> (WebSocket, Option<String>) {
        let limits = self.state.config.read_limits();
        let buffered = self.reader.take_buffered();
        let mut websocket = WebSocket::new(self.stream(), buffered, limits, protocol);
        self.ticket.set_websocket(websocket.sender());
        let replies = &self.state.replies;
        let reply_channel = match replies.open(websocket.sender(), websocket.view_events()) {
            Ok(channel) => {
                websocket.set_reply(Arc::clone(replies.layer()), channel.clone());
                Some(channel)
            }
            Err(e) => {
                log::warn!("{}: no reply channel, so no groups ({e})", self.peer);
                None
            }
        };
        if self.state.stopping() {
            let _ = websocket.close_with(1001, "server shutting down");
        }
        (websocket, reply_channel)
    }
}

/// What the access log and the response writer need from a request head.
struct Exchange {
    line: String,
    minor: u8,
    keep_alive: bool,
    head_only: bool,
    upgrade: bool,
}

impl Exchange {
    fn of(head: &Head) -> Self {
        Exchange {
            line: format!("{} {} {}", head.method, head.target, head.protocol()),
            minor: head.minor_version,
            keep_alive: head.wants_keep_alive(),
            head_only: head.method.eq_ignore_ascii_case("HEAD"),
            upgrade: is_upgrade_request(head),
        }
    }
}

/// Runs a WebSocket view, then closes with 1000 (1011 if it panicked or
/// returned a server error) and logs the session.
fn run_session(mut request: Request, view: &View, close_timeout: std::time::Duration) {
    let started = Instant::now();
    let code = match call_view(view, &request) {
        Some(response) if response.status() >= 500 => 1011,
        Some(_) => 1000,
        None => 1011,
    };
    let Some(websocket) = request.websocket.take() else {
        return;
    };
    let end = websocket.finish(code, close_timeout);
    log::info!(
        target: "wsviews::access",
        "WebSocket {} closed after {:.2}s: {} messages in, {} out, close code {}",
        request.path(),
        started.elapsed().as_secs_f64(),
        end.messages_in,
        end.messages_out,
        end.close_code()
    );
}

/// Calls a view, catching a panic (logged with the path; `None`).
fn call_view(view: &View, request: &Request) -> Option<HttpResponse> {
    match catch_unwind(AssertUnwindSafe(|| view.call(request))) {
        Ok(response) => Some(response),
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a non-string panic".to_owned());
            log::error!(
                "view for {} {} panicked: {what}",
                request.method(),
                request.path()
            );
            None
        }
    }
}

/// Writes a response to the socket.
fn write_response(
    stream: &Socket,
    response: HttpResponse,
    minor: u8,
    head_only: bool,
) -> io::Result<()> {
    let mut out = stream;
    response.write_to(&mut out, minor, head_only)
}

/// Writes the `101 Switching Protocols` that completes a handshake.
fn write_switching(stream: &Socket, accept: &str, protocol: Option<&str>) -> io::Result<()> {
    let mut response = HttpResponse::new(Vec::new())
        .with_status(101)
        .with_header("Sec-WebSocket-Accept", accept);
    if let Some(protocol) = protocol {
        response.set_header("Sec-WebSocket-Protocol", protocol);
    }
    let response = response.without_content_type();
    let mut out = BufWriter::with_capacity(1024, stream);
    response.into_tiny().raw_print(
        &mut out,
        tiny_http::HTTPVersion(1, 1),
        &[],
        true,
        Some("websocket"),
    )?;
    out.flush()
}
