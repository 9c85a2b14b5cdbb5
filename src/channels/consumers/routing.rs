//! Channel routing: which consumer handles a message, by channel name and,
//! optionally, by the message's `path`.

use std::collections::HashMap;
use std::fmt;

use regex::Regex;

use super::{Consumer, IntoConsumer};
use crate::error::{Error, Result};
use crate::layers::Message;

/// One entry of the channel routing: a channel, a consumer, and optionally a
/// pattern the message's `path` must match. Build it with [`route`].
#[derive(Clone)]
pub struct Route {
    channel: String,
    pub(crate) consumer: Consumer,
    path: Option<std::result::Result<Regex, String>>,
}

/// Routes the messages of `channel` to `consumer`, as Channels'
/// `route("websocket.receive", ws_message)`.
///
/// ```
/// use wsviews::consumers::{route, Context};
/// use wsviews::layers::Message;
///
/// fn echo(message: &Message, context: &Context) -> wsviews::Result<()> {
///     let text = message.get("content").and_then(|c| c.as_str()).unwrap_or_default();
///     context.reply(text)
/// }
///
/// let channel_routing = vec![route("websocket.receive", echo).path("^/echo$")];
/// ```
pub fn route(channel: &str, consumer: impl IntoConsumer) -> Route {
    Route {
        channel: channel.to_owned(),
        consumer: consumer.into_consumer(),
        path: None,
    }
}

impl Route {
    /// Only messages whose `path` matches the regular expression `pattern`
    /// (searched, so anchor it with `^`/`$` as in Channels); its named
    /// groups become the consumer's [`kwarg`](super::Context::kwarg)s.
    /// A malformed pattern makes [`Worker::new`](super::Worker::new) fail.
    #[must_use]
    pub fn path(mut self, pattern: &str) -> Self {
        self.path = Some(Regex::new(pattern).map_err(|e| format!("{pattern:?}: {e}")));
        self
    }

    /// The channel routed.
    pub fn channel(&self) -> &str {
        &self.channel
    }

    /// The captured values if `message` is for this route.
    fn matches(&self, message: &Message) -> Option<HashMap<String, String>> {
        let Some(pattern) = &self.path else {
            return Some(HashMap::new());
        };
        let pattern = pattern.as_ref().ok()?;
        let path = message.get("path")?.as_str()?;
        let captures = pattern.captures(path)?;
        let kwargs = pattern
            .capture_names()
            .flatten()
            .filter_map(|name| Some((name.to_owned(), captures.name(name)?.as_str().to_owned())))
            .collect();
        Some(kwargs)
    }
}

impl fmt::Debug for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path.as_ref().map(|p| match p {
            Ok(regex) => regex.as_str().to_owned(),
            Err(e) => e.clone(),
        });
        f.debug_struct("Route")
            .field("channel", &self.channel)
            .field("path", &path)
            .finish()
    }
}

/// The checked channel routing of a worker.
#[derive(Debug, Clone)]
pub(crate) struct Router {
    routes: Vec<Route>,
}

impl Router {
    /// Checks every route's path pattern.
    pub fn new(routes: Vec<Route>) -> Result<Self> {
        for route in &routes {
            if let Some(Err(e)) = &route.path {
                return Err(Error::Config(format!(
                    "invalid path pattern for {}: {e}",
                    route.channel
                )));
            }
        }
        Ok(Router { routes })
    }

    /// The distinct channels routed, in order.
    pub fn channels(&self) -> Vec<String> {
        let mut channels: Vec<String> = Vec::new();
        for route in &self.routes {
            if !channels.contains(&route.channel) {
                channels.push(route.channel.clone());
            }
        }
        channels
    }

    /// The first route for `message` on `channel`, with what its path
    /// pattern captured.
    pub fn find(
        &self,
        channel: &str,
        message: &Message,
    ) -> Option<(&Route, HashMap<String, String>)> {
        self.routes
            .iter()
            .filter(|route| route.channel == channel)
            .find_map(|route| route.matches(message).map(|kwargs| (route, kwargs)))
    }
}

/// Whether `channel` matches a `--only-channels`/`--exclude-channels`
/// pattern: a name, or a prefix ending in `*` (`websocket.*`).
pub(crate) fn channel_matches(pattern: &str, channel: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => channel.starts_with(prefix),
        None => channel == pattern,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn consumer(_: &Message, _: &super::super::Context) {}

    fn message(path: &str) -> Message {
        json!({ "path": path })
            .as_object()
            .cloned()
            .unwrap_or_default()
    }

    #[test]
    fn routes_by_channel_then_path() {
        let router = Router::new(vec![
            route("websocket.connect", consumer).path(r"^/chat/(?P<room>[^/]+)$"),
            route("websocket.connect", consumer).path("^/echo"),
            route("websocket.receive", consumer),
        ])
        .unwrap();
        assert_eq!(
            router.channels(),
            ["websocket.connect", "websocket.receive"]
        );
        let (_, kwargs) = router
            .find("websocket.connect", &message("/chat/lobby"))
            .unwrap();
        assert_eq!(kwargs["room"], "lobby");
        assert!(router
            .find("websocket.connect", &message("/echo/x"))
            .is_some());
        assert!(router
            .find("websocket.connect", &message("/other"))
            .is_none());
        assert!(router.find("websocket.connect", &Message::new()).is_none());
        assert!(router.find("websocket.receive", &Message::new()).is_some());
        assert!(router.find("http.request", &message("/")).is_none());
    }

    #[test]
    fn bad_patterns_and_channel_globs() {
        let bad = Router::new(vec![route("a", consumer).path("(")]);
        assert!(matches!(bad, Err(Error::Config(_))));
        assert!(channel_matches("websocket.*", "websocket.receive"));
        assert!(channel_matches("http.request", "http.request"));
        assert!(!channel_matches("http.request", "http.request2"));
        assert!(channel_matches("*", "anything"));
    }
}
