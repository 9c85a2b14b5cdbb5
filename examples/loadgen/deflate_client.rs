//! A permessage-deflate WebSocket client over a raw socket, as a browser
//! behaves: it offers `permessage-deflate; client_max_window_bits`,
//! compresses what it sends with context takeover, and counts the bytes it
//! writes and reads after the handshake.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress};

const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

pub struct DeflateWs {
    stream: TcpStream,
    /// The agreed extension, if any.
    pub agreed: Option<String>,
    compress: Compress,
    decompress: Decompress,
    server_resets: bool,
    client_resets: bool,
    pub bytes_out: u64,
    pub bytes_in: u64,
}

impl DeflateWs {
    pub fn connect(addr: SocketAddr, path: &str, offer: bool) -> Result<DeflateWs, String> {
        let stream = TcpStream::connect(addr).map_err(|e| format!("connect: {e}"))?;
        let _ = stream.set_nodelay(true);
        let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
        let extension = if offer {
            "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
        } else {
            ""
        };
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n{extension}\r\n"
        );
        (&stream)
            .write_all(request.as_bytes())
            .map_err(|e| e.to_string())?;
        let head = read_head(&stream)?;
        if !head.starts_with("HTTP/1.1 101") {
            return Err(format!("no 101: {}", head.lines().next().unwrap_or("")));
        }
        let agreed = head.lines().find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("sec-websocket-extensions")
                .then(|| value.trim().to_owned())
        });
        let client_resets = agreed
            .as_deref()
            .is_some_and(|a| a.contains("client_no_context_takeover"));
        let server_resets = agreed
            .as_deref()
            .is_some_and(|a| a.contains("server_no_context_takeover"));
        // Compress within the window the server allowed us.
        let bits = agreed
            .as_deref()
            .and_then(|a| {
                a.split(';')
                    .find_map(|p| p.trim().strip_prefix("client_max_window_bits="))
            })
            .and_then(|b| b.trim_matches('"').parse().ok())
            .unwrap_or(15u8)
            .max(9);
        Ok(DeflateWs {
            stream,
            agreed,
            compress: Compress::new_with_window_bits(Compression::default(), false, bits),
            decompress: Decompress::new(false),
            server_resets,
            client_resets,
            bytes_out: 0,
            bytes_in: 0,
        })
    }

    /// Sends one text message: compressed (RSV1) if the extension was agreed.
    pub fn send_text(&mut self, text: &[u8]) -> Result<(), String> {
        let (first, payload) = match self.agreed {
            Some(_) => (0xc1, self.deflate(text)),
            None => (0x81, text.to_vec()),
        };
        let mut frame = vec![first];
        match payload.len() {
            n if n < 126 => frame.push(0x80 | n as u8),
            n if n < 65536 => {
                frame.push(0x80 | 126);
                frame.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                frame.push(0x80 | 127);
                frame.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        frame.extend_from_slice(&[0, 0, 0, 0]); // a zero mask: payload as is
        frame.extend_from_slice(&payload);
        self.bytes_out += frame.len() as u64;
        (&self.stream).write_all(&frame).map_err(|e| e.to_string())
    }

    /// The next message's payload, inflated if it came compressed.
    pub fn recv(&mut self) -> Result<Vec<u8>, String> {
        let mut head = [0u8; 2];
        self.read_exact(&mut head)?;
        let len = match head[1] & 0x7f {
            126 => {
                let mut b = [0u8; 2];
                self.read_exact(&mut b)?;
                u64::from(u16::from_be_bytes(b))
            }
            127 => {
                let mut b = [0u8; 8];
                self.read_exact(&mut b)?;
                u64::from_be_bytes(b)
            }
            n => u64::from(n),
        };
        let mut payload = vec![0u8; len as usize];
        self.read_exact(&mut payload)?;
        if head[0] & 0x80 == 0 {
            return Err("fragmented answers are not expected".into());
        }
        if head[0] & 0x40 == 0 {
            return Ok(payload);
        }
        self.inflate(payload)
    }

    fn read_exact(&mut self, buf: &mut [u8]) -> Result<(), String> {
        (&self.stream).read_exact(buf).map_err(|e| e.to_string())?;
        self.bytes_in += buf.len() as u64;
        Ok(())
    }

    fn deflate(&mut self, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(payload.len() + 64);
        let start = self.compress.total_in();
        loop {
            let done = (self.compress.total_in() - start) as usize;
            let _ = self
                .compress
                .compress_vec(&payload[done..], &mut out, FlushCompress::Sync);
            if self.compress.total_in() - start == payload.len() as u64
                && out.len() < out.capacity()
            {
                break;
            }
            out.reserve(out.capacity().max(64));
        }
        out.truncate(out.len().saturating_sub(TAIL.len()));
        if self.client_resets {
            self.compress.reset();
        }
        out
    }

    fn inflate(&mut self, mut payload: Vec<u8>) -> Result<Vec<u8>, String> {
        if self.server_resets {
            self.decompress.reset(false);
        }
        payload.extend_from_slice(&TAIL);
        let mut out = Vec::with_capacity(payload.len() * 8);
        let mut input = &payload[..];
        loop {
            let before = self.decompress.total_in();
            self.decompress
                .decompress_vec(input, &mut out, FlushDecompress::Sync)
                .map_err(|e| format!("inflate: {e}"))?;
            input = &input[(self.decompress.total_in() - before) as usize..];
            if input.is_empty() && out.len() < out.capacity() {
                return Ok(out);
            }
            out.reserve(out.capacity().max(1024));
        }
    }
}

fn read_head(mut stream: &TcpStream) -> Result<String, String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        stream
            .read_exact(&mut byte)
            .map_err(|e| format!("handshake: {e}"))?;
        head.push(byte[0]);
    }
    Ok(String::from_utf8_lossy(&head).into_owned())
}
