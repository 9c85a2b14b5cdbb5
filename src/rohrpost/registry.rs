//! The handler registry: names to handlers, a value you build and pass.

use std::collections::HashMap;
use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

use super::context::Context;
use super::handlers;
use super::protocol::Request;

/// What a handler returns. An `Err` is answered with an error reply carrying
/// the request's id and type and the error's text; the connection stays
/// open. Any error converts with `?`, and a string with `.into()`.
pub type HandlerResult = Result<(), Box<dyn StdError + Send + Sync>>;

/// A registered handler.
type Handler = Arc<dyn Fn(&Context<'_>, &Request) -> HandlerResult + Send + Sync>;

/// rohrpost's handler registry: which function handles each message `type`.
///
/// [`Registry::new`] starts with the built-in [`ping`](handlers::ping);
/// [`Registry::empty`] with nothing. Share one registry between connections
/// behind an `Arc`.
///
/// ```
/// use wsviews::rohrpost::{handlers, Context, HandlerResult, Reply, Registry, Request};
///
/// fn whoami(context: &Context<'_>, request: &Request) -> HandlerResult {
///     Reply::for_request(request, "whoami")
///         .data(serde_json::json!({"channel": context.reply_channel()}))
///         .send(context)?;
///     Ok(())
/// }
///
/// let registry = Registry::new()
///     .with(["subscribe", "watch"], handlers::subscribe)?
///     .with("unsubscribe", handlers::unsubscribe)?
///     .with("whoami", whoami)?;
/// assert!(registry.contains("ping") && registry.contains("watch"));
///
/// let err = registry.with("ping", whoami).unwrap_err();
/// assert_eq!(err.to_string(), r#"Handler for "ping" is already defined."#);
/// # Ok::<(), wsviews::rohrpost::AlreadyDefined>(())
/// ```
#[derive(Clone)]
pub struct Registry {
    handlers: HashMap<String, Handler>,
}

impl Registry {
    /// A registry with the built-in `ping` handler.
    pub fn new() -> Self {
        let mut registry = Registry::empty();
        registry
            .handlers
            .insert("ping".to_owned(), Arc::new(handlers::ping));
        registry
    }

    /// A registry with no handlers at all.
    pub fn empty() -> Self {
        Registry {
            handlers: HashMap::new(),
        }
    }

    /// Registers `handler` under `names`: one name (`"subscribe"`) or
    /// several (`["subscribe", "watch"]`), as rohrpost's
    /// `@rohrpost_handler(name_or_list)`.
    ///
    /// # Errors
    /// [`AlreadyDefined`] if a name is taken (or given twice); the registry
    /// is then unchanged.
    pub fn register<F>(
        &mut self,
        names: impl HandlerNames,
        handler: F,
    ) -> Result<(), AlreadyDefined>
    where
        F: Fn(&Context<'_>, &Request) -> HandlerResult + Send + Sync + 'static,
    {
        let names = names.into_names();
        for (i, name) in names.iter().enumerate() {
            if self.handlers.contains_key(name) || names[..i].contains(name) {
                return Err(AlreadyDefined { name: name.clone() });
            }
        }
        let handler: Handler = Arc::new(handler);
        for name in names {
            self.handlers.insert(name, Arc::clone(&handler));
        }
        Ok(())
    }

    /// [`register`](Self::register), for building a registry in one
    /// expression.
    ///
    /// # Errors
    /// As [`register`](Self::register).
    pub fn with<F>(mut self, names: impl HandlerNames, handler: F) -> Result<Self, AlreadyDefined>
    where
        F: Fn(&Context<'_>, &Request) -> HandlerResult + Send + Sync + 'static,
    {
        self.register(names, handler)?;
        Ok(self)
    }

    /// Whether a handler is registered under `name`.
    pub fn contains(&self, name: &str) -> bool {
        self.handlers.contains_key(name)
    }

    /// The registered names, sorted.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.handlers.keys().map(String::as_str).collect();
        names.sort_unstable();
        names
    }

    pub(crate) fn get(&self, name: &str) -> Option<&Handler> {
        self.handlers.get(name)
    }
}

impl Default for Registry {
    /// [`Registry::new`]: `ping` only.
    fn default() -> Self {
        Registry::new()
    }
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field("handlers", &self.names())
            .finish()
    }
}

/// The names a handler is registered under: a string, or an array, slice or
/// `Vec` of them.
pub trait HandlerNames {
    /// The names, in order.
    fn into_names(self) -> Vec<String>;
}

impl HandlerNames for &str {
    fn into_names(self) -> Vec<String> {
        vec![self.to_owned()]
    }
}

impl HandlerNames for String {
    fn into_names(self) -> Vec<String> {
        vec![self]
    }
}

impl<const N: usize> HandlerNames for [&str; N] {
    fn into_names(self) -> Vec<String> {
        self.iter().map(|name| (*name).to_owned()).collect()
    }
}

impl HandlerNames for &[&str] {
    fn into_names(self) -> Vec<String> {
        self.iter().map(|name| (*name).to_owned()).collect()
    }
}

impl HandlerNames for Vec<&str> {
    fn into_names(self) -> Vec<String> {
        self.as_slice().into_names()
    }
}

impl HandlerNames for Vec<String> {
    fn into_names(self) -> Vec<String> {
        self
    }
}

/// A handler name registered twice: `Handler for "x" is already defined.`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlreadyDefined {
    name: String,
}

impl AlreadyDefined {
    /// The name that was already taken.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Display for AlreadyDefined {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Handler for \"{}\" is already defined.", self.name)
    }
}

impl StdError for AlreadyDefined {}

#[cfg(test)]
mod tests {
    use super::*;

    fn nothing(_: &Context<'_>, _: &Request) -> HandlerResult {
        Ok(())
    }

    #[test]
    fn names_and_duplicates() {
        let mut registry = Registry::new();
        assert_eq!(registry.names(), ["ping"]);
        registry.register(["a", "b"], nothing).unwrap();
        registry.register(String::from("c"), nothing).unwrap();
        registry.register(vec!["d"], nothing).unwrap();
        assert_eq!(registry.names(), ["a", "b", "c", "d", "ping"]);
        let err = registry.register(["e", "b"], nothing).unwrap_err();
        assert_eq!(err.to_string(), r#"Handler for "b" is already defined."#);
        assert_eq!(err.name(), "b");
        assert!(
            !registry.contains("e"),
            "a failed registration registers nothing"
        );
        let err = registry.register(["f", "f"], nothing).unwrap_err();
        assert_eq!(err.to_string(), r#"Handler for "f" is already defined."#);
        assert!(Registry::empty().names().is_empty());
        assert_eq!(
            format!("{:?}", Registry::default()),
            r#"Registry { handlers: ["ping"] }"#
        );
    }
}
