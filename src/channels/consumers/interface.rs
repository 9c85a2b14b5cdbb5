//! The interface server: a path's WebSocket and HTTP traffic as messages on
//! the channel layer, in the Channels message formats.

use std::time::Duration;

use serde_json::{json, Map, Value};

use crate::http::query::QueryDict;
use crate::http::request::Request;
use crate::http::response::HttpResponse;
use crate::layers::{ChannelLayer, Message};
use crate::routing::views::{accept_websocket, IntoResponse, IntoView, View};
use crate::websocket::{self, CloseCode, WebSocket};
use crate::Error;

/// How a path routed to consumers behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct InterfaceOptions {
    /// How long an HTTP request waits for its first `http.response`, and
    /// then for each further chunk, before `504 Gateway Timeout`.
    pub http_timeout: Duration,
}

/// A path's traffic sent to consumers instead of a view; build it with
/// [`to_consumers`] and route it with [`path`](crate::path).
#[derive(Debug, Clone, Copy)]
pub struct ToConsumers {
    options: InterfaceOptions,
}

/// Sends a path's traffic to consumers instead of a view, as Channels'
/// interface server (Daphne) does: a WebSocket becomes `websocket.connect`,
/// one `websocket.receive` per message and `websocket.disconnect`; a plain
/// HTTP request becomes `http.request`, answered by `http.response`
/// messages on its reply channel. See the [module documentation](super) for
/// the keys of each message.
///
/// ```
/// use wsviews::consumers::to_consumers;
/// use wsviews::{path, require_websocket};
///
/// let urlpatterns = vec![
///     path("chat/<str:room>", require_websocket(to_consumers())), // WebSockets only
///     path("api/<path:rest>", to_consumers()),                    // HTTP and WebSockets
/// ];
/// ```
pub fn to_consumers() -> ToConsumers {
    ToConsumers {
        options: InterfaceOptions {
            http_timeout: Duration::from_secs(60),
        },
    }
}

impl ToConsumers {
    /// How long an HTTP request waits for its response (and then for each
    /// further chunk of a streamed one) before the client gets
    /// `504 Gateway Timeout`. Defaults to 60 s.
    #[must_use]
    pub fn http_timeout(mut self, timeout: Duration) -> Self {
        self.options.http_timeout = timeout;
        self
    }
}

impl IntoView for ToConsumers {
    fn into_view(self) -> View {
        let options = self.options;
        accept_websocket(move |request: &Request| {
            if request.websocket().is_none() {
                return http_session(request, options);
            }
            websocket_session(request);
            ().into_response()
        })
    }
}

/// A plain HTTP request routed to consumers: `http.request` out, the
/// response from `http.response` messages (`503` outside a server).
fn http_session(request: &Request, options: InterfaceOptions) -> HttpResponse {
    let Some(replies) = crate::channels::replies::current() else {
        log::error!("http.request for {} outside a server", request.path());
        return HttpResponse::text(503, "Service Unavailable");
    };
    super::http::http_exchange(request, &replies, request.connection.as_deref(), options)
}

/// A WebSocket routed to consumers: connect, one receive per message,
/// disconnect. What consumers send to the reply channel reaches the socket
/// through the server's reply listener. The handshake is accepted at once,
/// before `websocket.connect` is sent, as Channels 1.x's interface servers
/// do.
fn websocket_session(request: &Request) {
    let Some(websocket) = request.websocket() else {
        return;
    };
    if websocket.accept().is_err() {
        return;
    }
    let Some((layer, reply)) = websocket.reply() else {
        log::error!("WebSocket {} has no reply channel; closed", request.path());
        let _ = websocket.close_because(CloseCode::Internal("no reply channel"));
        return;
    };
    let path = request.path();
    let connect = connect_message(request, reply);
    if !forward(layer.as_ref(), websocket, "websocket.connect", &connect) {
        return;
    }
    for message in websocket {
        let receive = receive_message(reply, path, &message);
        if !forward(layer.as_ref(), websocket, "websocket.receive", &receive) {
            break;
        }
    }
    let disconnect = disconnect_message(reply, path);
    let disconnect =
        crate::channels::events::typed(layer.as_ref(), &disconnect, "websocket.disconnect");
    if let Err(e) = layer.send("websocket.disconnect", &disconnect) {
        log::warn!("websocket.disconnect for {path} not sent: {e}");
    }
}

/// Sends a message of the WebSocket to `channel`; if the layer refuses it,
/// closes the WebSocket (1013 when the channel is full, else 1011) and
/// returns false.
fn forward(
    layer: &dyn ChannelLayer,
    websocket: &WebSocket,
    channel: &str,
    message: &Message,
) -> bool {
    let Err(e) = layer.send(
        channel,
        &crate::channels::events::typed(layer, message, channel),
    ) else {
        return true;
    };
    log::warn!("{channel} not sent, WebSocket closed: {e}");
    let close = if matches!(e, Error::ChannelFull(_)) {
        CloseCode::TryAgainLater("try again later")
    } else {
        CloseCode::Internal("try again later")
    };
    let _ = websocket.close_because(close);
    false
}

/// The keys that `http.request` and `websocket.connect` share:
/// `reply_channel`, `path`, `get`, `cookies`, `meta`.
fn request_keys(request: &Request, reply: &str) -> Message {
    let cookies: Map<String, Value> = request
        .cookies()
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    let meta: Map<String, Value> = request
        .meta()
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    let mut message = Message::new();
    message.insert("reply_channel".into(), json!(reply));
    message.insert("path".into(), json!(request.path()));
    message.insert("get".into(), query_dict(request.get()));
    message.insert("cookies".into(), Value::Object(cookies));
    message.insert("meta".into(), Value::Object(meta));
    message
}

/// `{key: [value, ...]}`.
fn query_dict(dict: &QueryDict) -> Value {
    let lists: Map<String, Value> = dict
        .keys()
        .into_iter()
        .map(|key| (key.to_owned(), json!(dict.getlist(key))))
        .collect();
    Value::Object(lists)
}

/// `websocket.connect`: the keys of `http.request` without `post`,
/// `method` and `body`.
pub(crate) fn connect_message(request: &Request, reply: &str) -> Message {
    request_keys(request, reply)
}

/// `http.request`: `reply_channel`, `path`, `get`, `post`, `cookies`,
/// `meta`, `method`, and `body` when there is one (as text; as base64 with
/// `body_base64: true` when it is not UTF-8).
pub(crate) fn http_request_message(request: &Request, reply: &str) -> Message {
    let mut message = request_keys(request, reply);
    message.insert("post".into(), query_dict(request.post()));
    message.insert("method".into(), json!(request.method()));
    let body = request.body();
    if !body.is_empty() {
        match std::str::from_utf8(body) {
            Ok(text) => message.insert("body".into(), json!(text)),
            Err(_) => {
                message.insert("body_base64".into(), json!(true));
                message.insert("body".into(), json!(data_encoding::BASE64.encode(body)))
            }
        };
    }
    message
}

/// `websocket.receive`: `content`, and `binary: true` (content in base64)
/// for a binary message; with `reply_channel` and `path` for routing.
pub(crate) fn receive_message(reply: &str, path: &str, message: &websocket::Message) -> Message {
    let mut out = crate::channels::frames::send_message(message);
    out.insert("reply_channel".into(), json!(reply));
    out.insert("path".into(), json!(path));
    out
}

/// `websocket.disconnect` and `http.disconnect`: `reply_channel`, `path`.
pub(crate) fn disconnect_message(reply: &str, path: &str) -> Message {
    let mut message = Message::new();
    message.insert("reply_channel".into(), json!(reply));
    message.insert("path".into(), json!(path));
    message
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::request::test_request as request;

    fn keys(message: &Message) -> Vec<&str> {
        let mut keys: Vec<&str> = message.keys().map(String::as_str).collect();
        keys.sort_unstable();
        keys
    }

    #[test]
    fn http_request_and_websocket_connect() {
        let r = request(
            "POST /chat/lobby?a=1&a=2 HTTP/1.1\r\nHost: h\r\nCookie: s=x\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\n\r\nname=Jo",
        );
        let http = http_request_message(&r, "reply!1");
        assert_eq!(
            keys(&http),
            [
                "body",
                "cookies",
                "get",
                "meta",
                "method",
                "path",
                "post",
                "reply_channel"
            ]
        );
        assert_eq!(http["get"], json!({"a": ["1", "2"]}));
        assert_eq!(http["post"], json!({"name": ["Jo"]}));
        assert_eq!(http["cookies"], json!({"s": "x"}));
        assert_eq!(http["meta"]["HTTP_HOST"], "h");
        assert_eq!(http["meta"]["REQUEST_METHOD"], "POST");
        assert_eq!(
            (&http["method"], &http["path"]),
            (&json!("POST"), &json!("/chat/lobby"))
        );
        assert_eq!(http["body"], "name=Jo");

        let connect = connect_message(&r, "reply!1");
        assert_eq!(
            keys(&connect),
            ["cookies", "get", "meta", "path", "reply_channel"]
        );
        let get = request("GET / HTTP/1.1\r\n\r\n");
        assert!(!http_request_message(&get, "r").contains_key("body"));
    }

    #[test]
    fn websocket_receive_and_disconnect() {
        let text = receive_message("r!1", "/p", &websocket::Message::Text("hi".into()));
        assert_eq!(
            Value::Object(text),
            json!({"content": "hi", "reply_channel": "r!1", "path": "/p"})
        );
        let binary = receive_message("r!1", "/p", &websocket::Message::Binary(vec![0, 1, 2]));
        assert_eq!(
            (&binary["content"], &binary["binary"]),
            (&json!("AAEC"), &json!(true))
        );
        assert_eq!(
            Value::Object(disconnect_message("r!1", "/p")),
            json!({"reply_channel": "r!1", "path": "/p"})
        );
    }
}
