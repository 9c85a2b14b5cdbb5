//! Connecting WebSocket clients with tungstenite, and what every mode needs to know.

use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use tungstenite::protocol::WebSocketConfig;
use tungstenite::WebSocket;

/// A client WebSocket over a blocking TCP stream.
pub type Ws = WebSocket<TcpStream>;

/// The server under test: where it listens and, when known, its PID for /proc figures.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    pub addr: SocketAddr,
    pub pid: Option<u32>,
}

/// How long one connect, handshake or read may take before it counts as an error.
pub const IO_TIMEOUT: Duration = Duration::from_secs(10);

/// Opens a WebSocket to `path` with `TCP_NODELAY`, a read timeout and a read buffer of
/// `read_buffer` bytes (tungstenite allocates it eagerly: keep it small for idle sockets).
pub fn connect(addr: SocketAddr, path: &str, read_buffer: usize) -> Result<Ws, String> {
    let stream = TcpStream::connect_timeout(&addr, IO_TIMEOUT).map_err(|e| e.to_string())?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(IO_TIMEOUT))
        .map_err(|e| e.to_string())?;
    let config = WebSocketConfig::default()
        .read_buffer_size(read_buffer)
        .write_buffer_size(0);
    let url = format!("ws://{addr}{path}");
    match tungstenite::client::client_with_config(url.as_str(), stream, Some(config)) {
        Ok((ws, _response)) => Ok(ws),
        Err(err) => Err(format!("handshake with {url}: {err}")),
    }
}

/// A read buffer that fits one message of `size` bytes, between 4 KiB and 128 KiB.
pub fn read_buffer_for(size: usize) -> usize {
    (size + 64).clamp(4096, 128 * 1024)
}

/// The payload of a `size`-byte message.
pub fn payload(size: usize, text: bool) -> tungstenite::Message {
    if text {
        tungstenite::Message::text("x".repeat(size))
    } else {
        tungstenite::Message::binary(vec![0x5a_u8; size])
    }
}

/// Prints a client-side error, at most `limit` times per mode so a dead server does not
/// flood the terminal.
pub fn report_error(count: u64, limit: u64, what: &str, err: &dyn std::fmt::Display) {
    if count < limit {
        eprintln!("loadgen: {what}: {err}");
    }
}
