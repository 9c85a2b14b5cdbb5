//! HTTP/1.x: request heads and bodies in, responses out.

pub(crate) mod body;
mod chunk_reader;
mod chunked;
pub(crate) mod cookie;
mod framing;
pub(crate) mod handshake;
pub(crate) mod head;
pub(crate) mod head_writer;
mod meta;
pub(crate) mod proxy;
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

/// Parsed headers as owned `(name, value)` pairs, values decoded lossily as
/// UTF-8.
pub(crate) fn owned_headers(headers: &[httparse::Header<'_>]) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|h| {
            (
                h.name.to_owned(),
                String::from_utf8_lossy(h.value).into_owned(),
            )
        })
        .collect()
}
