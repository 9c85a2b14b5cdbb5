//! `Request`: what a view receives, as Django's `HttpRequest`.

use std::cell::OnceCell;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;

use super::head::Head;
use super::query::{parse_cookies, QueryDict};
use crate::net::socket::Socket;
use crate::websocket::WebSocket;

/// An HTTP request (or WebSocket handshake), as Django's `HttpRequest`.
///
/// Django's attribute names map to methods: `request.GET` is
/// [`get()`](Self::get), `request.POST` is [`post()`](Self::post),
/// `request.COOKIES` is [`cookies()`](Self::cookies), `request.META` is
/// [`meta()`](Self::meta), and `request.websocket` is
/// [`websocket()`](Self::websocket).
///
/// ```
/// use wsviews::{HttpResponse, Request};
///
/// fn lower_case(request: &Request) -> HttpResponse {
///     match request.get().get("message") {
///         Some(message) => HttpResponse::new(message.to_lowercase()),
///         None => HttpResponse::bad_request("missing ?message="),
///     }
/// }
/// ```
pub struct Request {
    method: String,
    path: String,
    query_string: String,
    protocol: String,
    get: QueryDict,
    post: QueryDict,
    cookies: HashMap<String, String>,
    /// Built on first use: most views never read it.
    meta: OnceCell<BTreeMap<String, String>>,
    local_addr: SocketAddr,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    kwargs: HashMap<String, String>,
    remote_addr: SocketAddr,
    secure: bool,
    pub(crate) websocket: Option<WebSocket>,
    /// The connection the request came on (`None` in unit tests): views
    /// that wait long on something else check that the client is still
    /// there.
    pub(crate) connection: Option<Arc<Socket>>,
}

impl Request {
    /// Builds a request from its parsed head and body.
    pub(crate) fn new(
        head: Head,
        body: Vec<u8>,
        remote_addr: SocketAddr,
        local_addr: SocketAddr,
    ) -> Self {
        let (path, query_string) = split_target(&head.target);
        let content_type = head.header("Content-Type").unwrap_or("");
        let post = if mime_is(content_type, "application/x-www-form-urlencoded") {
            QueryDict::from_urlencoded(&body)
        } else {
            QueryDict::new()
        };
        let cookies = head
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("Cookie"))
            .flat_map(|(_, v)| parse_cookies(v).collect::<Vec<_>>())
            .collect();
        Request {
            method: head.method.to_ascii_uppercase(),
            get: QueryDict::from_query(&query_string),
            path,
            query_string,
            protocol: head.protocol(),
            post,
            cookies,
            meta: OnceCell::new(),
            local_addr,
            headers: head.headers,
            body,
            kwargs: HashMap::new(),
            remote_addr,
            secure: false,
            websocket: None,
            connection: None,
        }
    }

    /// The upper-case method: `GET`, `POST`, ... (Django's `request.method`).
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The percent-decoded path, without query string (`request.path`).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The path as the URL patterns see it (`request.path_info`); the same as
    /// [`path`](Self::path), as wsviews has no script prefix.
    pub fn path_info(&self) -> &str {
        &self.path
    }

    /// The raw query string, without `?`.
    pub fn query_string(&self) -> &str {
        &self.query_string
    }

    /// The query-string parameters (Django's `request.GET`).
    pub fn get(&self) -> &QueryDict {
        &self.get
    }

    /// The urlencoded form fields of the body (Django's `request.POST`); empty
    /// for other content types.
    pub fn post(&self) -> &QueryDict {
        &self.post
    }

    /// The cookies sent (Django's `request.COOKIES`).
    pub fn cookies(&self) -> &HashMap<String, String> {
        &self.cookies
    }

    /// Headers and server information (Django's `request.META`): `HTTP_*` for
    /// each header, `REMOTE_ADDR`, `QUERY_STRING`, `CONTENT_TYPE`,
    /// `CONTENT_LENGTH`, `REQUEST_METHOD`, `SERVER_NAME`, `SERVER_PORT`, ...
    pub fn meta(&self) -> &BTreeMap<String, String> {
        self.meta
            .get_or_init(|| super::meta::build(self, self.local_addr))
    }

    /// The first value of header `name`, case-insensitive (Django's
    /// `request.headers[name]`).
    pub fn header(&self, name: &str) -> Option<&str> {
        crate::http::find_header(&self.headers, name)
    }

    /// Every header, in the order sent.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The raw body (Django's `request.body`).
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The values captured by the URL pattern, by name (the view's keyword
    /// arguments in Django).
    pub fn kwargs(&self) -> &HashMap<String, String> {
        &self.kwargs
    }

    /// One captured URL value: `request.kwarg("room")` for
    /// `path("chat/<str:room>", ...)`.
    pub fn kwarg(&self, name: &str) -> Option<&str> {
        self.kwargs.get(name).map(String::as_str)
    }

    /// The client's address: the peer's, or behind a trusted proxy the one
    /// it forwarded (see [`ServerConfig::trusted_proxies`](crate::ServerConfig::trusted_proxies())),
    /// with port 0.
    pub fn remote_addr(&self) -> SocketAddr {
        self.remote_addr
    }

    /// Whether the client connected over HTTPS / `wss://` (Django's
    /// `request.is_secure()`): this server's TLS, or a trusted proxy's
    /// `X-Forwarded-Proto: https`.
    pub fn is_secure(&self) -> bool {
        self.secure
    }

    /// `"https"` or `"http"` (Django's `request.scheme`).
    pub fn scheme(&self) -> &'static str {
        if self.secure {
            "https"
        } else {
            "http"
        }
    }

    /// Sets who the client is, once proxy headers are weighed.
    pub(crate) fn set_client(&mut self, remote_addr: SocketAddr, secure: bool) {
        self.remote_addr = remote_addr;
        self.secure = secure;
        self.meta = OnceCell::new();
    }

    /// The protocol of the request line: `HTTP/1.1` or `HTTP/1.0`.
    pub fn protocol(&self) -> &str {
        &self.protocol
    }

    /// Whether this request has an open WebSocket (django-websocket's
    /// `request.is_websocket()`): the handshake was valid and the view accepts
    /// WebSockets.
    pub fn is_websocket(&self) -> bool {
        self.websocket.is_some()
    }

    /// The WebSocket (django-websocket's `request.websocket`); `None` for a
    /// plain HTTP request.
    pub fn websocket(&self) -> Option<&WebSocket> {
        self.websocket.as_ref()
    }

    pub(crate) fn set_kwargs(&mut self, kwargs: HashMap<String, String>) {
        self.kwargs = kwargs;
    }
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<Request: {} {:?}>", self.method, self.path)
    }
}

/// Splits a request target into its decoded path and raw query string.
fn split_target(target: &str) -> (String, String) {
    let without_authority = ["http://", "https://"]
        .iter()
        .find_map(|scheme| target.strip_prefix(scheme))
        .map(|rest| rest.find('/').map_or("/", |i| &rest[i..]))
        .unwrap_or(target);
    let (path, query) = without_authority
        .split_once('?')
        .unwrap_or((without_authority, ""));
    let path = percent_encoding::percent_decode_str(path)
        .decode_utf8_lossy()
        .into_owned();
    (path, query.to_owned())
}

/// Whether a `Content-Type` value is the MIME type `mime` (parameters ignored).
pub(crate) fn mime_is(content_type: &str, mime: &str) -> bool {
    content_type
        .split(';')
        .next()
        .is_some_and(|t| t.trim().eq_ignore_ascii_case(mime))
}

/// A request parsed from `raw` (head and body), from client 10.0.0.1:5000
/// to 127.0.0.1:8000, for unit tests.
#[cfg(test)]
pub(crate) fn test_request(raw: &str) -> Request {
    let (head, len) = crate::http::head::parse_head(raw.as_bytes(), 32)
        .expect("a valid head")
        .expect("a complete head");
    let body = raw.as_bytes()[len..].to_vec();
    Request::new(
        head,
        body,
        "10.0.0.1:5000".parse().expect("an address"),
        "127.0.0.1:8000".parse().expect("an address"),
    )
}

#[cfg(test)]
#[path = "request_tests.rs"]
mod tests;
