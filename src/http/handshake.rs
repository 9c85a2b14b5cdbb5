//! The server side of the WebSocket opening handshake (RFC 6455 §4.2), as
//! pure functions over a parsed request head.

use crate::http::head::Head;

/// A valid opening handshake, ready to be answered with `101`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Handshake {
    /// The `Sec-WebSocket-Accept` value.
    pub accept: String,
    /// The subprotocols the client offered, in its order of preference.
    pub offered_protocols: Vec<String>,
    /// The `Sec-WebSocket-Extensions` values the client sent, in order.
    pub extensions: Vec<String>,
}

/// Why a handshake was refused: the status and a one-line reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rejection {
    pub status: u16,
    pub reason: &'static str,
}

fn reject(status: u16, reason: &'static str) -> Rejection {
    Rejection { status, reason }
}

/// Whether the request asks to upgrade to WebSocket at all. Such a request is
/// then validated in full; a plain request never is.
pub(crate) fn is_upgrade_request(head: &Head) -> bool {
    head.has_token("Upgrade", "websocket")
}

/// Checks an opening handshake against RFC 6455 §4.2.1.
///
/// A failure is `400` with its reason, except an unsupported
/// `Sec-WebSocket-Version`, which is `426` (answered with
/// `Sec-WebSocket-Version: 13`).
pub(crate) fn validate_handshake(head: &Head) -> Result<Handshake, Rejection> {
    if head.method != "GET" {
        return Err(reject(400, "WebSocket handshake must be a GET request"));
    }
    if head.minor_version < 1 {
        return Err(reject(
            400,
            "WebSocket handshake requires HTTP/1.1 or later",
        ));
    }
    if head.header("Host").is_none() {
        return Err(reject(
            400,
            "WebSocket handshake is missing the Host header",
        ));
    }
    if !is_upgrade_request(head) {
        return Err(reject(
            400,
            "WebSocket handshake requires 'Upgrade: websocket'",
        ));
    }
    if !head.has_token("Connection", "upgrade") {
        return Err(reject(
            400,
            "WebSocket handshake requires 'Connection: Upgrade'",
        ));
    }
    match head.header("Sec-WebSocket-Version").map(str::trim) {
        None => {
            return Err(reject(
                400,
                "WebSocket handshake is missing Sec-WebSocket-Version",
            ))
        }
        Some("13") => {}
        Some(_) => {
            return Err(reject(
                426,
                "Unsupported WebSocket version; this server speaks 13",
            ))
        }
    }
    let keys = head
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("Sec-WebSocket-Key"))
        .count();
    if keys > 1 {
        return Err(reject(400, "several Sec-WebSocket-Key headers"));
    }
    let key = head
        .header("Sec-WebSocket-Key")
        .map(str::trim)
        .unwrap_or("");
    if !is_valid_key(key) {
        return Err(reject(
            400,
            "Sec-WebSocket-Key must be 16 bytes, base64-encoded",
        ));
    }
    Ok(Handshake {
        accept: tungstenite::handshake::derive_accept_key(key.as_bytes()),
        offered_protocols: offered_protocols(head),
        extensions: head
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("Sec-WebSocket-Extensions"))
            .map(|(_, v)| v.clone())
            .collect(),
    })
}

fn is_valid_key(key: &str) -> bool {
    data_encoding::BASE64
        .decode(key.as_bytes())
        .is_ok_and(|bytes| bytes.len() == 16)
}

fn offered_protocols(head: &Head) -> Vec<String> {
    head.headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("Sec-WebSocket-Protocol"))
        .flat_map(|(_, v)| v.split(','))
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect()
}

/// The subprotocol to answer with: the first one the client offers that the
/// view supports, or none (the handshake still succeeds).
pub(crate) fn select_protocol(offered: &[String], supported: &[String]) -> Option<String> {
    offered.iter().find(|p| supported.contains(p)).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::head::parse_head;

    const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";

    fn head(lines: &[&str]) -> Head {
        let raw = format!("{}\r\n\r\n", lines.join("\r\n"));
        parse_head(raw.as_bytes(), 32).unwrap().unwrap().0
    }

    fn good() -> Vec<&'static str> {
        vec![
            "GET /chat HTTP/1.1",
            "Host: server.example.com",
            "Upgrade: websocket",
            "Connection: Upgrade",
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
            "Sec-WebSocket-Version: 13",
        ]
    }

    fn with(replace: &str, by: Option<&'static str>) -> Vec<&'static str> {
        let mut lines = good();
        let i = lines.iter().position(|l| l.starts_with(replace)).unwrap();
        match by {
            Some(line) => lines[i] = line,
            None => drop(lines.remove(i)),
        }
        lines
    }

    #[test]
    fn rfc_example_is_accepted() {
        let hs = validate_handshake(&head(&good())).unwrap();
        assert_eq!(hs.accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
        assert!(hs.offered_protocols.is_empty());
    }

    #[test]
    fn tokens_are_case_insensitive_lists() {
        let lines = with("Connection", Some("connection: keep-alive, Upgrade"));
        assert!(validate_handshake(&head(&lines)).is_ok());
        let lines = with("Upgrade", Some("UPGRADE: WebSocket"));
        assert!(validate_handshake(&head(&lines)).is_ok());
    }

    #[test]
    fn rejections() {
        let mut cases: Vec<(Vec<&str>, u16)> = vec![
            (with("GET", Some("POST /chat HTTP/1.1")), 400),
            (with("GET", Some("GET /chat HTTP/1.0")), 400),
            (with("Host", None), 400),
            (with("Upgrade", Some("Upgrade: h2c")), 400),
            (with("Connection", Some("Connection: keep-alive")), 400),
            (with("Connection", None), 400),
            (with("Sec-WebSocket-Key", None), 400),
            (
                with("Sec-WebSocket-Key", Some("Sec-WebSocket-Key: c2hvcnQ=")),
                400,
            ),
            (
                with("Sec-WebSocket-Key", Some("Sec-WebSocket-Key: !!!!")),
                400,
            ),
            (with("Sec-WebSocket-Version", None), 400),
            (
                with("Sec-WebSocket-Version", Some("Sec-WebSocket-Version: 8")),
                426,
            ),
        ];
        let mut two_keys = good();
        two_keys.push("Sec-WebSocket-Key: AQIDBAUGBwgJCgsMDQ4PEA==");
        cases.push((two_keys, 400));
        for (lines, status) in cases {
            let got = validate_handshake(&head(&lines)).unwrap_err();
            assert_eq!(got.status, status, "{lines:?}: {}", got.reason);
        }
    }

    #[test]
    fn extension_offers_are_kept_in_order() {
        let mut lines = good();
        lines.push("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits");
        lines.push("sec-websocket-extensions: x-webkit-deflate-frame");
        let hs = validate_handshake(&head(&lines)).unwrap();
        assert_eq!(
            hs.extensions,
            [
                "permessage-deflate; client_max_window_bits",
                "x-webkit-deflate-frame"
            ]
        );
    }

    #[test]
    fn subprotocols() {
        let mut lines = good();
        lines.push("Sec-WebSocket-Protocol: chat.v2, chat.v1");
        lines.push("Sec-WebSocket-Protocol: rohrpost");
        let hs = validate_handshake(&head(&lines)).unwrap();
        assert_eq!(hs.offered_protocols, ["chat.v2", "chat.v1", "rohrpost"]);
        assert!(hs.extensions.is_empty());
        let supported = |s: &[&str]| s.iter().map(|p| p.to_string()).collect::<Vec<_>>();
        let pick = |s: &[&str]| select_protocol(&hs.offered_protocols, &supported(s));
        assert_eq!(pick(&["chat.v1", "chat.v2"]), Some("chat.v2".into()));
        assert_eq!(pick(&["rohrpost"]), Some("rohrpost".into()));
        assert_eq!(pick(&["other"]), None);
        assert!(is_valid_key(KEY));
    }
}
