//! The API's Rust names (settings read as fields, `UrlPattern`,
//! `Sender::close_with`, `view(|r| ...)`) over a real server, and the old
//! names they replace: still there, deprecated, giving the same values.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Duration;

use wsviews::layers::{self, ChannelLayer, InMemoryLayer};
use wsviews::test::TestServer;
use wsviews::{
    path, require_websocket, view, Error, PerMessageDeflate, Server, ServerConfig, UrlPattern,
};

fn config(layer: Arc<dyn ChannelLayer>) -> ServerConfig {
    ServerConfig::default()
        .max_message_size(1 << 16)
        .max_frame_size(1 << 16)
        .ping_interval(Some(Duration::from_secs(30)))
        .permessage_deflate(Some(PerMessageDeflate::default().level(6)))
        .trusted_proxies([Ipv4Addr::new(10, 0, 0, 1)])
        .channel_layer(layer)
}

/// `/method` answers the request's method; `/bye/new` and `/bye/old` close
/// with 4003 from a `Sender`, by its new and its old name. No closure needs a
/// parameter annotation.
fn urlpatterns() -> Vec<UrlPattern> {
    vec![
        path("method", view(|r| r.method().to_owned())).name("method"),
        path(
            "bye/new",
            require_websocket(view(|r| {
                let sender = r.websocket().expect("a WebSocket").sender();
                sender.close_with(4003, "bye")
            })),
        ),
        old_sender_close(),
    ]
}

#[allow(deprecated)]
fn old_sender_close() -> wsviews::URLPattern {
    path(
        "bye/old",
        require_websocket(view(|r| {
            let sender = r.websocket().expect("a WebSocket").sender();
            sender.close(4003, "bye")
        })),
    )
}

/// The deprecated getters give what the fields hold.
#[allow(deprecated)]
fn old_getters_agree(config: &ServerConfig, pattern: &UrlPattern) {
    assert_eq!(config.get_max_message_size(), config.max_message_size);
    assert_eq!(config.get_max_frame_size(), config.max_frame_size);
    assert_eq!(config.get_ping_interval(), config.ping_interval);
    assert_eq!(config.get_thread_stack_size(), config.thread_stack_size);
    assert_eq!(config.get_multithreaded(), config.multithreaded);
    assert_eq!(config.get_permessage_deflate(), config.permessage_deflate);
    assert_eq!(
        config.get_allowed_origins(),
        config.allowed_origins.as_deref()
    );
    assert_eq!(config.get_trusted_proxies(), &config.trusted_proxies[..]);
    assert!(Arc::ptr_eq(
        &config.get_channel_layer(),
        &config.effective_channel_layer()
    ));
    let deflate = config.permessage_deflate.expect("set above");
    assert_eq!(deflate.get_level(), deflate.level);
    assert_eq!(deflate.get_min_size(), deflate.min_size);
    assert_eq!(pattern.get_name(), pattern.name.as_deref());
}

#[test]
fn rust_names_with_the_old_ones_deprecated() {
    let layer: Arc<dyn ChannelLayer> = Arc::new(InMemoryLayer::new());
    let config = config(Arc::clone(&layer));
    // Settings are fields to read, with their defaults where not set.
    assert_eq!(config.max_message_size, 1 << 16);
    assert_eq!(config.ping_interval, Some(Duration::from_secs(30)));
    assert_eq!(config.thread_stack_size, 2 << 20);
    assert!(config.multithreaded);
    assert_eq!(config.allowed_origins, None);
    assert_eq!(config.trusted_proxies, [IpAddr::from([10, 0, 0, 1])]);
    assert_eq!(config.permessage_deflate.map(|d| d.level), Some(6));
    assert!(Arc::ptr_eq(&config.effective_channel_layer(), &layer));
    let unset = ServerConfig::default();
    assert!(unset.channel_layer.is_none());
    assert!(Arc::ptr_eq(
        &unset.effective_channel_layer(),
        &layers::default_layer()
    ));
    let patterns = urlpatterns();
    assert_eq!(patterns[0].name.as_deref(), Some("method"));
    assert_eq!(patterns[1].name, None);
    old_getters_agree(&config, &patterns[0]);

    let server = TestServer::start_with_config(patterns, config);
    assert!(Arc::ptr_eq(&server.channel_layer(), &layer));
    assert_eq!(server.get("/method").text(), "GET");
    for route in ["/bye/new", "/bye/old"] {
        let mut ws = server.websocket(route);
        assert_eq!(ws.recv(), None, "{route}");
        assert_eq!(ws.close_code(), Some(4003), "{route}");
    }
}

#[test]
fn a_setting_assigned_as_a_field_is_still_checked_at_bind() {
    let mut config = ServerConfig::default().max_message_size(1 << 16);
    config.max_frame_size = 1 << 20; // above max_message_size
    let bound = Server::bind_with_config("127.0.0.1:0", Vec::new(), config);
    assert!(matches!(bound, Err(Error::Config(_))));
}
