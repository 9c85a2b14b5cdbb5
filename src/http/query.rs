//! `QueryDict`: Django's multi-value dictionary for query strings and forms.

use std::fmt;

/// A multi-value dictionary, as Django's `QueryDict`: the parsed query string
/// (`request.get()`, Django's `request.GET`) or urlencoded form body
/// (`request.post()`, Django's `request.POST`).
///
/// A key may appear several times; [`get`](Self::get) returns the last value,
/// as Django's `QueryDict.get`/`__getitem__` do, and [`getlist`](Self::getlist)
/// returns all of them.
///
/// ```
/// use wsviews::QueryDict;
///
/// let q = QueryDict::from_query("a=1&a=2&b=hello+world&c=%C3%A9");
/// assert_eq!(q.get("a"), Some("2"));
/// assert_eq!(q.getlist("a"), ["1", "2"]);
/// assert_eq!(q.get("b"), Some("hello world"));
/// assert_eq!(q.get("c"), Some("é"));
/// assert_eq!(q.get("missing"), None);
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct QueryDict {
    pairs: Vec<(String, String)>,
}

impl QueryDict {
    /// An empty dictionary.
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses a query string (without the leading `?`).
    pub fn from_query(query: &str) -> Self {
        Self::from_urlencoded(query.as_bytes())
    }

    /// Parses an `application/x-www-form-urlencoded` body.
    pub fn from_urlencoded(bytes: &[u8]) -> Self {
        let pairs = form_urlencoded::parse(bytes)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        QueryDict { pairs }
    }

    /// The last value for `key`, as Django's `QueryDict.get(key)`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every value for `key`, in order, as Django's `QueryDict.getlist(key)`.
    pub fn getlist(&self, key: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Whether `key` is present (Django's `key in request.GET`).
    pub fn contains_key(&self, key: &str) -> bool {
        self.pairs.iter().any(|(k, _)| k == key)
    }

    /// Adds a value for `key`, as Django's `QueryDict.appendlist`.
    pub fn appendlist(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.pairs.push((key.into(), value.into()));
    }

    /// The distinct keys, in first-seen order.
    pub fn keys(&self) -> Vec<&str> {
        let mut keys: Vec<&str> = Vec::new();
        for (k, _) in &self.pairs {
            if !keys.contains(&k.as_str()) {
                keys.push(k);
            }
        }
        keys
    }

    /// Every `(key, value)` pair, in order, repeats included.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The number of pairs, repeats included.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Whether there are no pairs.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// Encodes the pairs back into a query string (`QueryDict.urlencode()`).
    pub fn urlencode(&self) -> String {
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(self.pairs.iter())
            .finish()
    }
}

impl fmt::Debug for QueryDict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<QueryDict: ")?;
        f.debug_map()
            .entries(self.keys().into_iter().map(|k| (k, self.getlist(k))))
            .finish()?;
        write!(f, ">")
    }
}

/// Parses a `Cookie` request header into `(name, value)` pairs.
///
/// Malformed pieces (no `=`) are skipped, as browsers and Django do; quoted
/// values lose their quotes.
pub(crate) fn parse_cookies(header: &str) -> impl Iterator<Item = (String, String)> + '_ {
    header.split(';').filter_map(|piece| {
        let (name, value) = piece.split_once('=')?;
        let name = name.trim();
        if name.is_empty() {
            return None;
        }
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        Some((name.to_owned(), value.to_owned()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_values_and_decoding() {
        let q = QueryDict::from_query("x=1&y=&x=3&z&%26=%3D");
        assert_eq!(q.getlist("x"), ["1", "3"]);
        assert_eq!(q.get("y"), Some(""));
        assert_eq!(q.get("z"), Some(""));
        assert_eq!(q.get("&"), Some("="));
        assert_eq!(q.keys(), ["x", "y", "z", "&"]);
        assert_eq!(q.len(), 5);
        assert_eq!(QueryDict::from_query(&q.urlencode()), q);
        assert!(QueryDict::from_query("").is_empty());
    }

    #[test]
    fn cookies() {
        let got: Vec<_> = parse_cookies("a=1; b=\"two\";junk; =x; c=d=e").collect();
        let want = [("a", "1"), ("b", "two"), ("c", "d=e")];
        assert_eq!(got.len(), want.len());
        for ((n, v), (wn, wv)) in got.iter().zip(want) {
            assert_eq!((n.as_str(), v.as_str()), (wn, wv));
        }
    }
}
