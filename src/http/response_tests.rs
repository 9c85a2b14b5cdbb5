use super::*;

fn written(response: HttpResponse, minor: u8) -> String {
    let mut out = Vec::new();
    response
        .write_to(&mut out, minor, false, Connection::KeepAlive)
        .unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn fixed_body_has_content_length() {
    let out = written(HttpResponse::new(vec![b'x'; 100_000]), 1);
    assert!(out.starts_with("HTTP/1.1 200 OK\r\n"), "{out:.60}");
    assert!(out.contains("Content-Length: 100000\r\n"));
    assert!(out.contains("Server: wsviews\r\n"));
}

#[test]
fn streaming_body_is_chunked() {
    let out = written(HttpResponse::streaming(["ab", "", "cde"]), 1);
    assert!(out.contains("Transfer-Encoding: chunked\r\n"));
    assert!(
        out.ends_with("\r\n\r\n2\r\nab\r\n3\r\ncde\r\n0\r\n\r\n"),
        "{out}"
    );
    let out = written(HttpResponse::streaming(["ab", "cde"]), 0);
    assert!(out.contains("Content-Length: 5\r\n") && out.ends_with("abcde"));
}

#[test]
fn shortcuts() {
    assert_eq!(
        HttpResponse::not_allowed(&["GET", "POST"]).header("allow"),
        Some("GET, POST")
    );
    assert_eq!(HttpResponse::redirect("/x").header("Location"), Some("/x"));
    assert_eq!(HttpResponse::permanent_redirect("/x").status(), 301);
    let json = HttpResponse::json(&serde_json::json!({"a": 1}));
    assert_eq!(json.content(), Some(&br#"{"a":1}"#[..]));
    let mut r = HttpResponse::new("");
    r.set_cookie(
        Cookie::new("a", "b")
            .secure(true)
            .http_only(true)
            .domain("x.org"),
    );
    assert_eq!(
        r.header("set-cookie"),
        Some("a=b; Path=/; Domain=x.org; Secure; HttpOnly")
    );
}
