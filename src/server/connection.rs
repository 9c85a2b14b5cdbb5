//! One connection's life: requests in a keep-alive loop, each routed to its
//! view, or a WebSocket session after a valid handshake.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use super::exchange::Exchange;
use crate::http::body::{read_body, BodyError};
use crate::http::handshake::{select_protocol, validate_handshake, Handshake, Rejection};
use crate::http::head::Head;
use crate::http::head_writer::Connection as After;
use crate::http::request::Request;
use crate::http::response::HttpResponse;
use crate::http::stream::{ConnReader, HeadFailure, HeadLimits};
use crate::net::socket::{Socket, INHERITS_LISTENER_OPTIONS};
use crate::routing::views::{call_view, View, WebSocketPolicy};
use crate::server::registry::Ticket;
use crate::server::session::{self, Opener, Outcome};
use crate::server::ServerState;
use crate::websocket::{self as ws, WebSocket};

/// Serves one accepted connection until it closes.
pub(crate) fn serve_connection(
    stream: Arc<Socket>,
    peer: SocketAddr,
    state: &Arc<ServerState>,
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
        return crate::net::socket::log_handshake_failure(peer, &e);
    }
    let _serving = crate::channels::replies::enter(&state.replies);
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
    state: &'a Arc<ServerState>,
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
                let response = HttpResponse::text(status, reason);
                let _ = response.write_to(&mut &*self.stream(), 1, false, After::Close);
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
        crate::http::proxy::identify_client(&mut request, &config.trusted_proxies, stream.is_tls());
        let Some((pattern, kwargs)) = self.state.urls.resolve(request.path()) else {
            let response = HttpResponse::not_found(format!("Not Found: {}", request.path()));
            return self.respond(&exchange, response, true);
        };
        request.set_kwargs(kwargs);
        let view = &pattern.view;
        match handshake {
            Some(handshake) => self.websocket(&exchange, request, view, handshake),
            None if view.policy == WebSocketPolicy::Require => self.respond(
                &exchange,
                HttpResponse::bad_request("This view requires a WebSocket connection"),
                true,
            ),
            None => {
                request.connection = Some(stream);
                let response = call_view(view, &request)
                    .unwrap_or_else(|| HttpResponse::text(500, "Internal Server Error"));
                self.respond(&exchange, response, true)
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
            let _ = response.write_to(&mut &*stream, head.minor_version, false, After::Close);
        } else if let BodyError::Io(e) = &error {
            log::debug!("{}: request body not received: {e}", self.peer);
        }
        None
    }

    /// Sends `response`; returns whether to keep the connection open: if
    /// `reusable`, the client wants it and the response's end can be told.
    fn respond(&self, exchange: &Exchange, response: HttpResponse, reusable: bool) -> bool {
        let status = response.status();
        let size = response
            .content()
            .map_or_else(|| "-".to_owned(), |c| c.len().to_string());
        log::info!(target: "wsviews::access", "\"{}\" {status} {size}", exchange.line);
        // One connection at a time: an idle keep-alive client would hold
        // every other one back, so close after each response, as Django's
        // runserver does.
        let after = if reusable && exchange.keep_alive && self.state.config.multithreaded {
            After::KeepAlive
        } else {
            After::Close
        };
        let stream = self.stream();
        match response.write_to(&mut &*stream, exchange.minor, exchange.head_only, after) {
            Ok(keep_alive) => keep_alive,
            Err(e) => {
                log::debug!("{}: response not sent: {e}", self.peer);
                false
            }
        }
    }

    /// Runs a WebSocket view; the handshake completes when the view uses
    /// the socket. Returns whether to keep the connection open: only after a
    /// refused handshake answered as plain HTTP.
    fn websocket(
        &mut self,
        exchange: &Exchange,
        mut request: Request,
        view: &View,
        handshake: Result<Handshake, Rejection>,
    ) -> bool {
        let handshake = match self.check_handshake(&request, view, handshake) {
            Ok(handshake) => handshake,
            Err(refusal) => return self.respond(exchange, refusal, false),
        };
        let buffered = self.reader.take_buffered();
        // Bytes sent before the handshake's answer: frames or a pipelined
        // request, no way to tell; a refusal closes the connection then.
        let pipelined = !buffered.is_empty();
        request.websocket = Some(self.pending_websocket(exchange, view, handshake, buffered));
        match session::run(request, view, self.state) {
            Outcome::Refused(response) => self.respond(exchange, response, !pipelined),
            Outcome::Closed | Outcome::Gone => false,
        }
    }

    /// The WebSocket a view gets, to be opened when it uses the socket.
    fn pending_websocket(
        &self,
        exchange: &Exchange,
        view: &View,
        handshake: Handshake,
        buffered: Vec<u8>,
    ) -> WebSocket {
        let deflate = self.state.config.permessage_deflate.and_then(|settings| {
            ws::negotiate(
                &settings,
                &ws::parse_offers(handshake.extensions.iter().map(String::as_str)),
            )
        });
        if let Some(agreed) = &deflate {
            log::debug!(
                "{}: permessage-deflate agreed: {}",
                self.peer,
                agreed.response()
            );
        }
        let opener = Opener {
            state: Arc::clone(self.state),
            stream: self.stream(),
            accept: handshake.accept,
            extensions: deflate.map(|agreed| agreed.response()),
            marker: self.ticket.marker(),
            peer: self.peer,
            line: exchange.line.clone(),
        };
        let handshake = ws::Handshake {
            buffered,
            default_protocol: select_protocol(&handshake.offered_protocols, &view.protocols),
            offered: handshake.offered_protocols,
            opener: Box::new(opener),
            policy: Arc::clone(&self.state.write_policy),
            hub: Some(Arc::clone(&self.state.replies) as Arc<dyn ws::ReplyHub>),
            deflate,
        };
        WebSocket::new(self.stream(), self.state.config.read_limits(), handshake)
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
}
