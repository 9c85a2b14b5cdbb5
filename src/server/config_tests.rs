use super::*;
use crate::error::Error;

#[test]
fn default_is_valid() {
    assert!(ServerConfig::default().validate().is_ok());
}

#[test]
fn invalid_settings_are_errors() {
    let bad = [
        ServerConfig::default().max_connections(0),
        ServerConfig::default().max_connections_per_ip(0),
        ServerConfig::default().tcp_keepalive(Some(Duration::ZERO)),
        ServerConfig::default().max_frame_size(2 << 20),
        ServerConfig::default().head_timeout(Duration::ZERO),
        ServerConfig::default().ping_interval(Some(Duration::ZERO)),
        ServerConfig::default().thread_stack_size(1024),
    ];
    for config in bad {
        assert!(
            matches!(config.validate(), Err(Error::Config(_))),
            "{config:?}"
        );
    }
}

#[test]
fn origins() {
    let open = ServerConfig::default();
    assert!(open.origin_allowed(Some("http://evil.example")));
    let closed = ServerConfig::default().allowed_origins(["http://good.example"]);
    assert!(closed.origin_allowed(Some("http://GOOD.example")));
    assert!(closed.origin_allowed(None));
    assert!(!closed.origin_allowed(Some("http://evil.example")));
}

#[test]
fn permessage_deflate_is_valid_only_with_its_feature() {
    let config =
        ServerConfig::default().permessage_deflate(Some(crate::PerMessageDeflate::default()));
    let result = config.validate();
    if cfg!(feature = "deflate") {
        assert!(result.is_ok(), "{result:?}");
    } else {
        match result {
            Err(Error::Config(why)) => assert!(why.contains("`deflate` feature"), "{why}"),
            other => panic!("expected a configuration error, got {other:?}"),
        }
    }
}
