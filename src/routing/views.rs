//! Views, and the decorators that let WebSockets through:
//! [`accept_websocket`] and [`require_websocket`].

use std::any::Any;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use crate::http::request::Request;
use crate::http::response::HttpResponse;

/// What a view may return: an [`HttpResponse`], a `&str`/`String` (a 200
/// HTML response), `()` (an empty 204, the natural return of a WebSocket
/// view), or a `Result` of these whose error becomes a logged 500.
pub trait IntoResponse {
    /// Converts into the response to send.
    fn into_response(self) -> HttpResponse;
}

impl IntoResponse for HttpResponse {
    fn into_response(self) -> HttpResponse {
        self
    }
}

impl IntoResponse for () {
    fn into_response(self) -> HttpResponse {
        HttpResponse::new(Vec::new()).with_status(204)
    }
}

impl IntoResponse for &str {
    fn into_response(self) -> HttpResponse {
        HttpResponse::new(self)
    }
}

impl IntoResponse for String {
    fn into_response(self) -> HttpResponse {
        HttpResponse::new(self)
    }
}

/// A view's error is logged at `error`, except a client that went away
/// ([`Error::ConnectionClosed`](crate::Error::ConnectionClosed), or an I/O
/// error saying the connection was reset): that is normal, logged at
/// `debug`.
impl<T: IntoResponse, E: fmt::Display + 'static> IntoResponse for Result<T, E> {
    fn into_response(self) -> HttpResponse {
        match self {
            Ok(value) => value.into_response(),
            Err(error) if is_disconnect(&error) => {
                log::debug!("view returned: {error} (the client went away)");
                HttpResponse::text(500, "Internal Server Error")
            }
            Err(error) => {
                log::error!("view returned an error: {error}");
                HttpResponse::text(500, "Internal Server Error")
            }
        }
    }
}

/// Whether a view's error only says the client went away: our
/// [`Error`](crate::Error), an `io::Error`, or either in a box.
fn is_disconnect(error: &dyn Any) -> bool {
    type Boxed = Box<dyn std::error::Error + Send + Sync>;
    if let Some(error) = error.downcast_ref::<crate::Error>() {
        return error.is_disconnect();
    }
    if let Some(error) = error.downcast_ref::<std::io::Error>() {
        return crate::error::is_disconnect(error);
    }
    let inner: Option<&(dyn std::error::Error + 'static)> = match error.downcast_ref::<Boxed>() {
        Some(boxed) => Some(boxed.as_ref()),
        None => error
            .downcast_ref::<Box<dyn std::error::Error>>()
            .map(|b| b.as_ref()),
    };
    inner.is_some_and(|inner| {
        inner
            .downcast_ref::<crate::Error>()
            .is_some_and(crate::Error::is_disconnect)
            || inner
                .downcast_ref::<std::io::Error>()
                .is_some_and(crate::error::is_disconnect)
    })
}

/// Which requests a view takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WebSocketPolicy {
    /// Plain HTTP only; a WebSocket handshake gets 400 (unless the server
    /// accepts WebSockets on every view).
    Reject,
    /// Both (`accept_websocket`).
    Accept,
    /// WebSockets only; plain HTTP gets 400 (`require_websocket`).
    Require,
}

type Handler = dyn Fn(&Request) -> HttpResponse + Send + Sync;

/// A view: a function from a request to a response, with its WebSocket
/// policy. Plain functions and closures become views by [`IntoView`].
#[derive(Clone)]
pub struct View {
    handler: Arc<Handler>,
    pub(crate) policy: WebSocketPolicy,
    pub(crate) protocols: Vec<String>,
}

impl View {
    /// Declares the WebSocket subprotocols this view speaks, in order of the
    /// server's preference-free list: the first one the client offers that is
    /// listed here is chosen; if none is, the handshake still succeeds with
    /// no subprotocol.
    #[must_use]
    pub fn protocols(mut self, protocols: &[&str]) -> Self {
        self.protocols = protocols.iter().map(|p| (*p).to_owned()).collect();
        self
    }

    /// Calls the view.
    pub(crate) fn call(&self, request: &Request) -> HttpResponse {
        (self.handler)(request)
    }

    fn with_policy(self, policy: WebSocketPolicy) -> Self {
        View { policy, ..self }
    }
}

impl fmt::Debug for View {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("View")
            .field("policy", &self.policy)
            .field("protocols", &self.protocols)
            .finish()
    }
}

/// Anything usable as a view: a [`View`], or a function or closure
/// `Fn(&Request) -> R` where `R:` [`IntoResponse`].
pub trait IntoView {
    /// Converts into a view.
    fn into_view(self) -> View;
}

impl IntoView for View {
    fn into_view(self) -> View {
        self
    }
}

impl<F, R> IntoView for F
where
    F: Fn(&Request) -> R + Send + Sync + 'static,
    R: IntoResponse,
{
    fn into_view(self) -> View {
        View {
            handler: Arc::new(move |request: &Request| self(request).into_response()),
            policy: WebSocketPolicy::Reject,
            protocols: Vec::new(),
        }
    }
}

/// Makes a view of a closure whose parameter type is inferred: where
/// `path("method", |r| ...)` needs `|r: &Request|` (error E0282 without it),
/// `view(|r| ...)` does not. The closure returns anything [`IntoResponse`];
/// one that would return a string borrowed from the request returns an owned
/// one instead (`.to_owned()`).
///
/// ```
/// use wsviews::{path, require_websocket, view};
///
/// let urlpatterns = vec![
///     path("method", view(|r| r.method().to_owned())),
///     path("hello/<str:name>", view(|r| format!("hello {}", r.kwarg("name").unwrap_or("?")))),
///     path(
///         "echo",
///         require_websocket(view(|r| -> wsviews::Result<()> {
///             let websocket = r.websocket().expect("a WebSocket");
///             for message in websocket {
///                 websocket.send(message)?;
///             }
///             Ok(())
///         })),
///     ),
/// ];
/// # assert_eq!(urlpatterns.len(), 3);
/// ```
///
/// Without `view`, the closure's parameter needs its type:
///
/// ```compile_fail,E0282
/// let pattern = wsviews::path("method", |r| r.method().to_owned());
/// ```
pub fn view<F, R>(function: F) -> View
where
    F: Fn(&Request) -> R + Send + Sync + 'static,
    R: IntoResponse,
{
    function.into_view()
}

/// Lets a view take both plain HTTP requests and WebSockets, as
/// django-websocket's `@accept_websocket`. Inside, tell them apart with
/// [`Request::is_websocket`].
///
/// ```
/// use wsviews::{accept_websocket, path, HttpResponse, Request};
///
/// fn lower_case(request: &Request) -> wsviews::Result<HttpResponse> {
///     let Some(websocket) = request.websocket() else {
///         let message = request.get().get("message").unwrap_or("");
///         return Ok(HttpResponse::new(message.to_lowercase()));
///     };
///     for message in websocket {
///         websocket.send(message.to_string().to_lowercase())?;
///     }
///     Ok(HttpResponse::new(""))
/// }
///
/// let urlpatterns = vec![path("lower_case", accept_websocket(lower_case))];
/// ```
pub fn accept_websocket(view: impl IntoView) -> View {
    view.into_view().with_policy(WebSocketPolicy::Accept)
}

/// Lets a view take only WebSockets, as django-websocket's
/// `@require_websocket`: a plain HTTP request gets `400 Bad Request`.
///
/// ```
/// use wsviews::{path, require_websocket, Request};
///
/// fn echo_once(request: &Request) -> wsviews::Result<()> {
///     let websocket = request.websocket().expect("require_websocket gives one");
///     if let Some(message) = websocket.wait() {
///         websocket.send(message)?;
///     }
///     Ok(())
/// }
///
/// let urlpatterns = vec![path("echo_once", require_websocket(echo_once))];
/// ```
pub fn require_websocket(view: impl IntoView) -> View {
    view.into_view().with_policy(WebSocketPolicy::Require)
}

/// Calls a view, catching a panic (logged with the path; `None`).
pub(crate) fn call_view(view: &View, request: &Request) -> Option<HttpResponse> {
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
