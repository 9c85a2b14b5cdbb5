//! The interface server's HTTP side: an `http.request` out, `http.response`
//! messages in, turned into the response written to the client (streamed,
//! chunked, when the consumer sends `more_content: true`).

use std::io::{self, Cursor, Read};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError};
use serde_json::Value;

use super::interface::{disconnect_message, http_request_message, InterfaceOptions};
use crate::channels::replies::Replies;
use crate::error::Error;
use crate::http::request::Request;
use crate::http::response::HttpResponse;
use crate::layers::Message;
use crate::net::socket::Socket;

/// How often a request waiting for its response checks that the client is
/// still there.
const CLIENT_CHECK: Duration = Duration::from_millis(100);

/// Sends `request` to `http.request` and waits for the response on its
/// reply channel: `504` if none comes within the timeout, `503` if the
/// layer refuses the request. If the client leaves first, consumers get
/// `http.disconnect`.
pub(crate) fn http_exchange(
    request: &Request,
    replies: &Arc<Replies>,
    socket: Option<&Socket>,
    options: InterfaceOptions,
) -> HttpResponse {
    let (reply, responses) = match replies.open_http() {
        Ok(opened) => opened,
        Err(e) => return unavailable(request, &e),
    };
    let mut guard = ReplyGuard {
        replies: Arc::clone(replies),
        reply,
        path: request.path().to_owned(),
        complete: true,
    };
    let message = http_request_message(request, &guard.reply);
    let message =
        crate::channels::events::typed(replies.layer().as_ref(), &message, "http.request");
    if let Err(e) = replies.layer().send("http.request", &message) {
        return unavailable(request, &e);
    }
    let first = match wait_first(&responses, socket, options.http_timeout) {
        Waited::Response(first) => first,
        Waited::ClientLeft => {
            guard.complete = false;
            return HttpResponse::text(499, "Client Closed Request");
        }
        Waited::TimedOut => {
            log::warn!(
                "no http.response for {} {} within {:?}",
                request.method(),
                request.path(),
                options.http_timeout
            );
            return HttpResponse::text(504, "Gateway Timeout");
        }
    };
    if !more_content(&first) {
        return response_from(&first, None);
    }
    // A HEAD response has no body: the client has it all once the head
    // is written, so it did not leave early (no `http.disconnect`).
    guard.complete = request.method().eq_ignore_ascii_case("HEAD");
    let stream = ResponseStream {
        current: Cursor::new(content_of(&first)),
        responses,
        timeout: options.http_timeout,
        done: false,
        guard,
    };
    response_from(&first, Some(stream))
}

fn unavailable(request: &Request, error: &Error) -> HttpResponse {
    log::error!("http.request for {} not sent: {error}", request.path());
    HttpResponse::text(503, "Service Unavailable").with_header("Retry-After", "1")
}

enum Waited {
    Response(Message),
    ClientLeft,
    TimedOut,
}

/// Waits for the first `http.response`, checking now and then whether the
/// client hung up. (A client that sends its next request before this
/// response, HTTP pipelining, is taken as gone.)
fn wait_first(responses: &Receiver<Message>, socket: Option<&Socket>, timeout: Duration) -> Waited {
    let deadline = Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match responses.recv_timeout(left.min(CLIENT_CHECK)) {
            Ok(message) => return Waited::Response(message),
            Err(RecvTimeoutError::Disconnected) => return Waited::TimedOut,
            Err(RecvTimeoutError::Timeout) => {}
        }
        if socket.is_some_and(|socket| !matches!(socket.ready(), Ok(false))) {
            return Waited::ClientLeft;
        }
        if Instant::now() >= deadline {
            return Waited::TimedOut;
        }
    }
}

fn more_content(message: &Message) -> bool {
    message.get("more_content").and_then(Value::as_bool) == Some(true)
}

fn content_of(message: &Message) -> Vec<u8> {
    match message.get("content") {
        Some(Value::String(content)) => content.clone().into_bytes(),
        _ => Vec::new(),
    }
}

/// The response that the first `http.response` message describes: `status`
/// (default 200), `content_type`, `headers`, `cookies`, and `content` (or,
/// streamed, the chunks of `stream`).
fn response_from(first: &Message, stream: Option<ResponseStream>) -> HttpResponse {
    let status = first
        .get("status")
        .and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok())
        .filter(|s| (100..1000).contains(s));
    let mut response = match stream {
        Some(stream) => {
            HttpResponse::from_reader(stream).with_content_type("text/html; charset=utf-8")
        }
        None => HttpResponse::new(content_of(first)),
    };
    response = response.with_status(status.unwrap_or(200));
    if let Some(content_type) = first.get("content_type").and_then(Value::as_str) {
        response.set_header("Content-Type", content_type);
    }
    if let Some(Value::Object(headers)) = first.get("headers") {
        for (name, value) in headers {
            match value.as_str() {
                Some(value) => response.set_header(name.as_str(), value),
                None => log::warn!("http.response header {name:?} is not a string; dropped"),
            }
        }
    }
    if let Some(Value::Array(cookies)) = first.get("cookies") {
        for cookie in cookies.iter().filter_map(Value::as_str) {
            response.append_header("Set-Cookie", cookie);
        }
    }
    response
}

/// The body of a streamed response: the first message's content, then each
/// further `http.response` message's, until one without `more_content`.
struct ResponseStream {
    current: Cursor<Vec<u8>>,
    responses: Receiver<Message>,
    timeout: Duration,
    done: bool,
    guard: ReplyGuard,
}

impl Read for ResponseStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let n = self.current.read(buf)?;
            if n > 0 || buf.is_empty() {
                return Ok(n);
            }
            if self.done {
                self.guard.complete = true;
                return Ok(0);
            }
            let next = self.responses.recv_timeout(self.timeout).map_err(|_| {
                log::warn!(
                    "streamed response for {} stopped: no chunk within {:?}",
                    self.guard.path,
                    self.timeout
                );
                io::Error::new(io::ErrorKind::TimedOut, "no further http.response chunk")
            })?;
            self.done = !more_content(&next);
            self.current = Cursor::new(content_of(&next));
        }
    }
}

/// Forgets the reply channel when the exchange ends, and tells consumers
/// with `http.disconnect` if the client left before the response was
/// complete.
struct ReplyGuard {
    replies: Arc<Replies>,
    reply: String,
    path: String,
    complete: bool,
}

impl Drop for ReplyGuard {
    fn drop(&mut self) {
        self.replies.close(&self.reply);
        if self.complete {
            return;
        }
        let message = disconnect_message(&self.reply, &self.path);
        let layer = self.replies.layer().as_ref();
        let message = crate::channels::events::typed(layer, &message, "http.disconnect");
        if let Err(e) = layer.send("http.disconnect", &message) {
            log::warn!("http.disconnect for {} not sent: {e}", self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(value: Value) -> Message {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn single_shot_response() {
        let response = response_from(
            &map(json!({
                "status": 201,
                "content_type": "application/json",
                "headers": {"X-One": "1", "X-Bad": 2},
                "cookies": ["a=1; Path=/", "b=2"],
                "content": "{}",
            })),
            None,
        );
        assert_eq!(response.status(), 201);
        assert_eq!(response.header("content-type"), Some("application/json"));
        assert_eq!(response.header("x-one"), Some("1"));
        assert_eq!(response.header("x-bad"), None);
        let cookies: Vec<&str> = response
            .headers()
            .iter()
            .filter(|(n, _)| n == "Set-Cookie")
            .map(|(_, v)| v.as_str())
            .collect();
        assert_eq!(cookies, ["a=1; Path=/", "b=2"]);
        assert_eq!(response.content(), Some(&b"{}"[..]));
    }

    #[test]
    fn defaults() {
        let response = response_from(&map(json!({"status": 70000})), None);
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.header("content-type"),
            Some("text/html; charset=utf-8")
        );
        assert_eq!(response.content(), Some(&b""[..]));
        assert!(more_content(&map(json!({"more_content": true}))));
        assert!(!more_content(&map(json!({"more_content": false}))));
    }
}
