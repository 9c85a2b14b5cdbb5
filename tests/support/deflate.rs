//! A permessage-deflate client for the tests: raw frames over a socket,
//! compressed with flate2 the way browsers do (RFC 7692).
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress};

use crate::support::{client_frame, connect, handshake, read_frame_bytes};

const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// One server frame with its first byte's bits.
#[derive(Debug)]
pub struct Frame {
    pub fin: bool,
    pub rsv1: bool,
    pub opcode: u8,
    pub payload: Vec<u8>,
}

/// A client that offered permessage-deflate.
pub struct DeflateClient {
    pub stream: TcpStream,
    /// The server's `Sec-WebSocket-Extensions`, if any.
    pub extensions: Option<String>,
    compress: Compress,
    decompress: Decompress,
}

impl DeflateClient {
    /// Opens `path` offering `offer` (a `Sec-WebSocket-Extensions` value).
    pub fn connect(addr: SocketAddr, path: &str, offer: &str) -> DeflateClient {
        let stream = connect(addr);
        let header = format!("Sec-WebSocket-Extensions: {offer}");
        (&stream)
            .write_all(handshake(path, &[&header]).as_bytes())
            .expect("write");
        let head = read_head(&stream);
        assert!(head.starts_with("HTTP/1.1 101"), "{head}");
        let extensions = head.lines().find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("Sec-WebSocket-Extensions")
                .then(|| value.trim().to_owned())
        });
        DeflateClient {
            stream,
            extensions,
            compress: Compress::new(Compression::default(), false),
            decompress: Decompress::new(false),
        }
    }

    /// Whether the server answered with `param`.
    pub fn agreed(&self, param: &str) -> bool {
        self.extensions
            .as_deref()
            .is_some_and(|e| e.split(';').any(|p| p.trim() == param))
    }

    /// Deflates a message payload as a client would (sync flush, no tail).
    pub fn deflate(&mut self, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(payload.len() + 64);
        let start = self.compress.total_in();
        loop {
            out.reserve(1024);
            let done = (self.compress.total_in() - start) as usize;
            self.compress
                .compress_vec(&payload[done..], &mut out, FlushCompress::Sync)
                .expect("deflate");
            if self.compress.total_in() - start == payload.len() as u64
                && out.len() < out.capacity()
            {
                break;
            }
        }
        assert!(out.ends_with(&TAIL));
        out.truncate(out.len() - 4);
        out
    }

    /// Forgets the compression context (client_no_context_takeover).
    pub fn reset_compressor(&mut self) {
        self.compress.reset();
    }

    /// Sends a raw frame with the first byte `first` (FIN, RSV, opcode).
    pub fn send_raw(&mut self, first: u8, payload: &[u8]) {
        let mut frame = client_frame(false, first & 0x0f, payload);
        frame[0] = first;
        (&self.stream).write_all(&frame).expect("write");
    }

    /// Sends `text` compressed in one frame.
    pub fn send_text(&mut self, text: &str) {
        let compressed = self.deflate(text.as_bytes());
        self.send_raw(0x80 | 0x40 | 0x1, &compressed);
    }

    /// Sends `text` compressed, cut into `pieces` frames (RSV1 on the first).
    pub fn send_fragmented(&mut self, text: &str, pieces: usize) {
        let compressed = self.deflate(text.as_bytes());
        let size = compressed.len().div_ceil(pieces).max(1);
        let chunks: Vec<&[u8]> = compressed.chunks(size).collect();
        for (i, chunk) in chunks.iter().enumerate() {
            let fin = if i + 1 == chunks.len() { 0x80 } else { 0 };
            let first = if i == 0 { 0x40 | 0x1 } else { 0x0 };
            self.send_raw(fin | first, chunk);
        }
    }

    /// The next server frame.
    pub fn frame(&mut self) -> Frame {
        read_frame(&self.stream).expect("a server frame")
    }

    /// The next data message: its first frame's RSV1 and the payload,
    /// inflated if RSV1 was set (kept context unless `reset`).
    pub fn recv(&mut self, reset: bool) -> (bool, Vec<u8>) {
        let first = self.frame();
        let rsv1 = first.rsv1;
        let mut payload = first.payload;
        let mut fin = first.fin;
        while !fin {
            let next = self.frame();
            assert!(!next.rsv1 && next.opcode == 0, "{next:?}");
            payload.extend_from_slice(&next.payload);
            fin = next.fin;
        }
        if !rsv1 {
            return (false, payload);
        }
        (true, self.inflate(payload, reset))
    }

    /// Inflates a compressed message's payload (after `reset`, if asked:
    /// the server does not take its context over).
    pub fn inflate(&mut self, mut payload: Vec<u8>, reset: bool) -> Vec<u8> {
        if reset {
            self.decompress.reset(false);
        }
        payload.extend_from_slice(&TAIL);
        let mut out = Vec::with_capacity(payload.len() * 8 + 1024);
        loop {
            let before = self.decompress.total_in();
            self.decompress
                .decompress_vec(&payload, &mut out, FlushDecompress::Sync)
                .expect("the server's deflate stream is valid");
            payload.drain(..(self.decompress.total_in() - before) as usize);
            if payload.is_empty() && out.len() < out.capacity() {
                break;
            }
            out.reserve(out.capacity());
        }
        out
    }

    /// The close code the server sends next (skipping data frames).
    pub fn close_code(&mut self) -> Option<u16> {
        while let Some(frame) = read_frame(&self.stream) {
            if frame.opcode == 8 {
                return frame
                    .payload
                    .get(..2)
                    .map(|b| u16::from_be_bytes([b[0], b[1]]));
            }
        }
        None
    }
}

fn read_head(stream: &TcpStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        (&*stream).read_exact(&mut byte).expect("response head");
        head.push(byte[0]);
    }
    String::from_utf8_lossy(&head).into_owned()
}

/// One unmasked server frame.
pub fn read_frame(stream: &TcpStream) -> Option<Frame> {
    let (first, payload) = read_frame_bytes(stream)?;
    Some(Frame {
        fin: first & 0x80 != 0,
        rsv1: first & 0x40 != 0,
        opcode: first & 0x0f,
        payload,
    })
}
