//! Who the client is behind a reverse proxy: `X-Forwarded-For` and
//! `X-Forwarded-Proto`, believed only from the proxies the server trusts
//! (see `ServerConfig::trusted_proxies`).

use std::net::{IpAddr, SocketAddr};

use crate::http::request::Request;

/// Sets the request's client address and scheme from the connection (`tls`)
/// and, when the peer is a trusted proxy, from its forwarding headers.
pub(crate) fn identify_client(request: &mut Request, trusted: &[IpAddr], tls: bool) {
    let peer = request.remote_addr();
    if !is_trusted(peer.ip(), trusted) {
        if tls {
            request.set_client(peer, true);
        }
        return;
    }
    let client = header_list(request, "X-Forwarded-For")
        .and_then(|list| forwarded_client(&list, trusted))
        .map_or(peer, |ip| SocketAddr::new(ip, 0));
    let secure = header_list(request, "X-Forwarded-Proto")
        .and_then(|list| forwarded_proto(&list))
        .unwrap_or(tls);
    request.set_client(client, secure);
}

fn is_trusted(ip: IpAddr, trusted: &[IpAddr]) -> bool {
    let ip = ip.to_canonical();
    trusted.iter().any(|t| t.to_canonical() == ip)
}

/// Every value of header `name`, joined with commas as one list.
fn header_list(request: &Request, name: &str) -> Option<String> {
    let values: Vec<&str> = request
        .headers()
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
        .collect();
    (!values.is_empty()).then(|| values.join(","))
}

/// The rightmost address of an `X-Forwarded-For` list that is not a trusted
/// proxy (each proxy appends the peer it saw, so everything left of the first
/// untrusted hop could be forged); the leftmost if every hop is trusted.
/// `None` if an entry on the way is not an address.
fn forwarded_client(list: &str, trusted: &[IpAddr]) -> Option<IpAddr> {
    let mut leftmost = None;
    for entry in list.rsplit(',') {
        let ip = parse_ip(entry.trim())?;
        if !is_trusted(ip, trusted) {
            return Some(ip);
        }
        leftmost = Some(ip);
    }
    leftmost
}

/// `1.2.3.4`, `::1`, `[::1]`, `1.2.3.4:5678` or `[::1]:5678`.
fn parse_ip(entry: &str) -> Option<IpAddr> {
    entry
        .parse()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|a| a.ip()))
        .or_else(|| entry.strip_prefix('[')?.strip_suffix(']')?.parse().ok())
        .map(|ip: IpAddr| ip.to_canonical())
}

/// Whether the nearest proxy says the client used HTTPS: the rightmost
/// entry of `X-Forwarded-Proto`. `None` if it is empty.
fn forwarded_proto(list: &str) -> Option<bool> {
    let proto = list.rsplit(',').next()?.trim();
    (!proto.is_empty())
        .then(|| proto.eq_ignore_ascii_case("https") || proto.eq_ignore_ascii_case("wss"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::head::parse_head;

    const PROXY: &str = "10.0.0.1";

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_client_table() {
        let trusted = [ip(PROXY), ip("10.0.0.2")];
        let table: &[(&str, Option<&str>)] = &[
            ("203.0.113.7", Some("203.0.113.7")),
            ("1.1.1.1, 203.0.113.7", Some("203.0.113.7")),
            ("203.0.113.7, 10.0.0.2", Some("203.0.113.7")),
            ("spoofed, 203.0.113.7", Some("203.0.113.7")),
            ("10.0.0.2,10.0.0.1", Some("10.0.0.2")),
            ("[2001:db8::1]:443", Some("2001:db8::1")),
            ("[2001:db8::1]", Some("2001:db8::1")),
            ("::ffff:203.0.113.7", Some("203.0.113.7")),
            ("203.0.113.7:5000", Some("203.0.113.7")),
            ("203.0.113.7, garbage", None),
            ("", None),
        ];
        for (list, want) in table {
            assert_eq!(forwarded_client(list, &trusted), want.map(ip), "{list:?}");
        }
    }

    #[test]
    fn forwarded_proto_table() {
        let table = [
            ("https", Some(true)),
            ("HTTPS", Some(true)),
            ("http", Some(false)),
            ("http, https", Some(true)),
            ("https, http", Some(false)),
            ("", None),
        ];
        for (list, want) in table {
            assert_eq!(forwarded_proto(list), want, "{list:?}");
        }
    }

    fn request(peer: &str, headers: &str) -> Request {
        let raw = format!("GET / HTTP/1.1\r\nHost: h\r\n{headers}\r\n");
        let (head, _) = parse_head(raw.as_bytes(), 32).unwrap().unwrap();
        let peer = SocketAddr::new(ip(peer), 4000);
        Request::new(head, Vec::new(), peer, "127.0.0.1:80".parse().unwrap())
    }

    #[test]
    fn only_trusted_peers_are_believed() {
        let trusted = [ip(PROXY)];
        let headers = "X-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\n";
        let mut behind = request(PROXY, headers);
        identify_client(&mut behind, &trusted, false);
        assert_eq!(behind.remote_addr(), "203.0.113.7:0".parse().unwrap());
        assert_eq!(behind.meta()["REMOTE_ADDR"], "203.0.113.7");
        assert!(behind.is_secure());
        assert_eq!(behind.scheme(), "https");

        let mut direct = request("198.51.100.9", headers);
        identify_client(&mut direct, &trusted, false);
        assert_eq!(direct.remote_addr(), "198.51.100.9:4000".parse().unwrap());
        assert!(!direct.is_secure());
        assert_eq!(direct.scheme(), "http");

        let mut tls = request("198.51.100.9", "X-Forwarded-Proto: http\r\n");
        identify_client(&mut tls, &trusted, true);
        assert!(tls.is_secure());

        let mut no_headers = request(PROXY, "");
        identify_client(&mut no_headers, &trusted, true);
        assert_eq!(no_headers.meta()["REMOTE_ADDR"], PROXY);
        assert!(no_headers.is_secure());
    }
}
