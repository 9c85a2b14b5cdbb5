//! URL routing like Django's `urlpatterns`: `path("chat/<str:room>", view)`.

use std::collections::HashMap;
use std::fmt;

use crate::routing::views::{IntoView, View};

/// A path converter, as Django's `<int:...>`, `<str:...>`, `<slug:...>`,
/// `<path:...>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Converter {
    Int,
    Str,
    Slug,
    Path,
}

impl Converter {
    fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "int" => Converter::Int,
            "str" => Converter::Str,
            "slug" => Converter::Slug,
            "path" => Converter::Path,
            _ => return None,
        })
    }

    fn accepts(self, c: char) -> bool {
        match self {
            Converter::Int => c.is_ascii_digit(),
            Converter::Str => c != '/',
            Converter::Slug => c.is_ascii_alphanumeric() || c == '-' || c == '_',
            Converter::Path => true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Param(String, Converter),
}

/// One entry of `urlpatterns`: a route and the view it calls. Build it with
/// [`path`].
pub struct UrlPattern {
    route: String,
    parts: Result<Vec<Part>, String>,
    pub(crate) view: View,
    /// The pattern's name, if it has one, as Django's `URLPattern.name`; set
    /// with [`name()`](Self::name()).
    pub name: Option<String>,
}

/// The old name of [`UrlPattern`].
#[deprecated(since = "0.2.0", note = "renamed `UrlPattern`")]
pub type URLPattern = UrlPattern;

impl UrlPattern {
    /// Names the pattern, as Django's `path(..., name="chat")`.
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The route as written.
    pub fn route(&self) -> &str {
        &self.route
    }

    /// The pattern's name, if it has one.
    #[deprecated(since = "0.2.0", note = "read the field `name`")]
    pub fn get_name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The route's syntax error, if it has one.
    pub(crate) fn error(&self) -> Option<String> {
        self.parts
            .as_ref()
            .err()
            .map(|e| format!("invalid route {:?}: {e}", self.route))
    }

    /// The captured values if `path` (without its leading `/`) matches.
    fn matches(&self, path: &str) -> Option<HashMap<String, String>> {
        let parts = self.parts.as_ref().ok()?;
        let mut captured = HashMap::new();
        match_parts(parts, path, &mut captured).then_some(captured)
    }
}

impl fmt::Debug for UrlPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<UrlPattern {:?}>", self.route)
    }
}

/// A URL pattern, as Django's `django.urls.path`.
///
/// The route has no leading slash and may capture parts of the path with
/// `<converter:name>`: `int` (digits), `str` (anything but `/`, the default
/// when the converter is left out), `slug` (letters, digits, `-`, `_`) and
/// `path` (anything, `/` included). A view reads them with
/// [`Request::kwarg`](crate::Request::kwarg). A malformed route makes
/// [`Server::bind`](crate::Server::bind) fail.
///
/// ```
/// use wsviews::{path, HttpResponse, Request};
///
/// fn room(request: &Request) -> HttpResponse {
///     HttpResponse::new(format!("room {}", request.kwarg("room").unwrap_or("?")))
/// }
///
/// let urlpatterns = vec![
///     path("", |_: &Request| HttpResponse::new("home")),
///     path("chat/<slug:room>/", room).name("room"),
/// ];
/// ```
pub fn path(route: &str, view: impl IntoView) -> UrlPattern {
    UrlPattern {
        route: route.to_owned(),
        parts: parse_route(route.strip_prefix('/').unwrap_or(route)),
        view: view.into_view(),
        name: None,
    }
}

fn parse_route(route: &str) -> Result<Vec<Part>, String> {
    let mut parts = Vec::new();
    let mut rest = route;
    while let Some(open) = rest.find('<') {
        if open > 0 {
            parts.push(Part::Literal(rest[..open].to_owned()));
        }
        let close = rest[open..].find('>').ok_or("unclosed '<'")? + open;
        let spec = &rest[open + 1..close];
        let (converter, name) = spec.split_once(':').unwrap_or(("str", spec));
        let converter = Converter::parse(converter)
            .ok_or_else(|| format!("unknown converter {converter:?}"))?;
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!("invalid parameter name {name:?}"));
        }
        if matches!(parts.last(), Some(Part::Param(..))) {
            return Err("two parameters need a literal between them".into());
        }
        parts.push(Part::Param(name.to_owned(), converter));
        rest = &rest[close + 1..];
    }
    if rest.contains('>') {
        return Err("unmatched '>'".into());
    }
    if !rest.is_empty() {
        parts.push(Part::Literal(rest.to_owned()));
    }
    Ok(parts)
}

/// Matches `path` against `parts`, greedily, backtracking over parameter
/// lengths as a regular expression would.
fn match_parts(parts: &[Part], path: &str, captured: &mut HashMap<String, String>) -> bool {
    match parts.split_first() {
        None => path.is_empty(),
        Some((Part::Literal(lit), rest)) => path
            .strip_prefix(lit.as_str())
            .is_some_and(|tail| match_parts(rest, tail, captured)),
        Some((Part::Param(name, conv), rest)) => {
            let longest = path.find(|c| !conv.accepts(c)).unwrap_or(path.len());
            let ends = path[..longest]
                .char_indices()
                .map(|(i, c)| i + c.len_utf8())
                .rev();
            for end in ends {
                if match_parts(rest, &path[end..], captured) {
                    captured.insert(name.clone(), path[..end].to_owned());
                    return true;
                }
            }
            false
        }
    }
}

/// The compiled `urlpatterns` of a server.
#[derive(Debug)]
pub(crate) struct UrlResolver {
    patterns: Vec<UrlPattern>,
}

impl UrlResolver {
    /// Checks every route; the first error is reported.
    pub fn new(patterns: Vec<UrlPattern>) -> Result<Self, String> {
        if let Some(error) = patterns.iter().find_map(UrlPattern::error) {
            return Err(error);
        }
        Ok(UrlResolver { patterns })
    }

    /// The first pattern matching `path` (with its leading `/`) and the values
    /// it captured.
    pub fn resolve(&self, path: &str) -> Option<(&UrlPattern, HashMap<String, String>)> {
        let path = path.strip_prefix('/').unwrap_or(path);
        self.patterns
            .iter()
            .find_map(|p| p.matches(path).map(|kw| (p, kw)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::HttpResponse;

    fn pattern(route: &str) -> UrlPattern {
        path(route, |_: &crate::Request| HttpResponse::new(""))
    }

    #[test]
    fn converters() {
        type Case<'a> = (&'a str, &'a str, Option<&'a [(&'a str, &'a str)]>);
        let table: &[Case<'_>] = &[
            ("plain", "plain", Some(&[])),
            ("plain", "plain/", None),
            ("", "", Some(&[])),
            (
                "chat/<str:room>/",
                "chat/lobby/",
                Some(&[("room", "lobby")]),
            ),
            ("chat/<room>", "chat/a b", Some(&[("room", "a b")])),
            ("chat/<str:room>/", "chat/a/b/", None),
            ("post/<int:id>", "post/42", Some(&[("id", "42")])),
            ("post/<int:id>", "post/4x", None),
            ("tag/<slug:s>", "tag/my-tag_1", Some(&[("s", "my-tag_1")])),
            ("tag/<slug:s>", "tag/my.tag", None),
            (
                "files/<path:p>",
                "files/a/b/c.txt",
                Some(&[("p", "a/b/c.txt")]),
            ),
            ("files/<path:p>/raw", "files/a/b/raw", Some(&[("p", "a/b")])),
            (
                "<int:a>-<int:b>",
                "12-34",
                Some(&[("a", "12"), ("b", "34")]),
            ),
            ("files/<path:p>", "files/", None),
        ];
        for (route, path, want) in table {
            let got = pattern(route).matches(path);
            let want = want.map(|kv| {
                kv.iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect()
            });
            assert_eq!(got, want, "{route} ~ {path}");
        }
    }

    #[test]
    fn bad_routes_are_reported() {
        for bad in [
            "a/<int:id",
            "a/<float:x>",
            "a/<int:>",
            "a/<int:id><int:b>",
            "a>",
        ] {
            assert!(pattern(bad).error().is_some(), "{bad}");
        }
        assert!(UrlResolver::new(vec![pattern("ok"), pattern("<bad:x>")]).is_err());
    }

    #[test]
    fn first_match_wins() {
        let resolver = UrlResolver::new(vec![
            pattern("a/<int:x>").name("int"),
            pattern("a/<str:x>").name("str"),
        ])
        .unwrap();
        assert_eq!(
            resolver.resolve("/a/1").unwrap().0.name.as_deref(),
            Some("int")
        );
        assert_eq!(
            resolver.resolve("/a/b").unwrap().0.name.as_deref(),
            Some("str")
        );
        assert!(resolver.resolve("/b").is_none());
    }
}
