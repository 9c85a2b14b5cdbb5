//! Byte streams: accepted TCP connections (and TLS sessions over them),
//! the queue of bytes waiting to go out on each, and their timeouts. The
//! lowest layer: it knows nothing of HTTP or WebSockets.

mod send;
pub(crate) mod socket;
#[cfg(feature = "tls")]
pub(crate) mod tls;
pub(crate) mod wire;
