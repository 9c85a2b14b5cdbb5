//! HTTP/1.x: request heads and bodies in, responses out.

pub(crate) mod body;
pub(crate) mod cookie;
pub(crate) mod head;
pub(crate) mod query;
pub(crate) mod request;
pub(crate) mod response;
pub(crate) mod stream;

/// The first value of header `name` among `headers`, case-insensitive.
pub(crate) fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}
