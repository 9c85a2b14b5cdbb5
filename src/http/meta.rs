//! `request.META`: the CGI-style variables Django builds from a request.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use super::request::Request;

/// The `META` of `request`, received on `local`: every header as
/// `HTTP_<NAME>` (`CONTENT_TYPE`, `CONTENT_LENGTH` as they are; repeated
/// headers joined with commas), and the client, server and request line.
pub(crate) fn build(request: &Request, local: SocketAddr) -> BTreeMap<String, String> {
    let mut meta = BTreeMap::new();
    for (name, value) in request.headers() {
        let key = match name.to_ascii_uppercase().replace('-', "_") {
            k if k == "CONTENT_TYPE" || k == "CONTENT_LENGTH" => k,
            k => format!("HTTP_{k}"),
        };
        meta.entry(key)
            .and_modify(|v: &mut String| {
                v.push(',');
                v.push_str(value);
            })
            .or_insert_with(|| value.clone());
    }
    let host = request.header("Host").map(|h| strip_port(h).to_owned());
    let fixed = [
        ("REMOTE_ADDR", request.remote_addr().ip().to_string()),
        ("REMOTE_PORT", request.remote_addr().port().to_string()),
        ("QUERY_STRING", request.query_string().to_owned()),
        ("REQUEST_METHOD", request.method().to_owned()),
        ("PATH_INFO", request.path().to_owned()),
        (
            "SERVER_NAME",
            host.unwrap_or_else(|| local.ip().to_string()),
        ),
        ("SERVER_PORT", local.port().to_string()),
        ("SERVER_PROTOCOL", request.protocol().to_owned()),
    ];
    meta.extend(fixed.map(|(k, v)| (k.to_owned(), v)));
    meta.entry("CONTENT_TYPE".into()).or_default();
    meta.entry("CONTENT_LENGTH".into()).or_default();
    meta
}

/// The host of a `Host` header, without its port.
fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host
            .split_once(']')
            .map_or(host, |(h, _)| &host[..=h.len()]);
    }
    host.rsplit_once(':').map_or(host, |(h, _)| h)
}

#[cfg(test)]
mod tests {
    use super::strip_port;

    #[test]
    fn hosts() {
        assert_eq!(strip_port("[::1]:80"), "[::1]");
        assert_eq!(strip_port("example.com:8000"), "example.com");
        assert_eq!(strip_port("h"), "h");
    }
}
