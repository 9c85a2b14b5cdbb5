use super::test_request as request;
use super::*;

#[test]
fn django_attributes() {
    let r = request(
        "POST /caf%C3%A9/x?a=1&a=2 HTTP/1.1\r\nHost: example.com:8000\r\nContent-Type: application/x-www-form-urlencoded; charset=utf-8\r\n\
         Cookie: sessionid=abc; theme=dark\r\nX-Custom: 1\r\nX-Custom: 2\r\nContent-Length: 7\r\n\r\nname=Jo",
    );
    assert_eq!(r.method(), "POST");
    assert_eq!(r.path(), "/café/x");
    assert_eq!(r.path_info(), "/café/x");
    assert_eq!(r.get().getlist("a"), ["1", "2"]);
    assert_eq!(r.post().get("name"), Some("Jo"));
    assert_eq!(r.cookies()["sessionid"], "abc");
    assert_eq!(r.cookies()["theme"], "dark");
    let meta = r.meta();
    assert_eq!(meta["HTTP_X_CUSTOM"], "1,2");
    assert_eq!(
        meta["CONTENT_TYPE"],
        "application/x-www-form-urlencoded; charset=utf-8"
    );
    assert_eq!(meta["CONTENT_LENGTH"], "7");
    assert_eq!(meta["REMOTE_ADDR"], "10.0.0.1");
    assert_eq!(meta["QUERY_STRING"], "a=1&a=2");
    assert_eq!(meta["REQUEST_METHOD"], "POST");
    assert_eq!(meta["SERVER_NAME"], "example.com");
    assert_eq!(meta["SERVER_PORT"], "8000");
    assert!(!meta.contains_key("HTTP_CONTENT_TYPE"));
    assert!(!r.is_websocket());
    assert!(r.websocket().is_none());
}

#[test]
fn targets_and_hosts() {
    assert_eq!(split_target("http://h:1/p?q"), ("/p".into(), "q".into()));
    assert_eq!(split_target("http://h"), ("/".into(), "".into()));
    assert_eq!(split_target("/a%2Fb"), ("/a/b".into(), "".into()));
    let r = request("GET / HTTP/1.0\r\n\r\n");
    assert_eq!(r.meta()["SERVER_NAME"], "127.0.0.1");
    assert_eq!(r.meta()["CONTENT_LENGTH"], "");
    assert!(r.post().is_empty());
}
