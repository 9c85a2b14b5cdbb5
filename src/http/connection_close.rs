//! `Connection: close` on a response tiny_http writes: tiny_http drops a
//! `Connection` header set by hand, so this writer adds the line right after
//! the status line as the response goes out.

use std::io::{self, Write};

/// The header line added.
const CLOSE: &[u8] = b"Connection: close\r\n";

/// Passes bytes through to `inner`, adding `Connection: close` after the
/// first line (the status line).
#[derive(Debug)]
pub(crate) struct ConnectionClose<W> {
    inner: W,
    added: bool,
}

impl<W: Write> ConnectionClose<W> {
    /// Adds the header to the response written through it.
    pub fn new(inner: W) -> Self {
        ConnectionClose {
            inner,
            added: false,
        }
    }
}

impl<W: Write> Write for ConnectionClose<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.added {
            return self.inner.write(buf);
        }
        let Some(end) = buf.iter().position(|&b| b == b'\n') else {
            return self.inner.write(buf);
        };
        self.inner.write_all(&buf[..=end])?;
        self.inner.write_all(CLOSE)?;
        self.added = true;
        Ok(end + 1)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_follows_the_status_line_however_it_is_split() {
        let response = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        for split in 0..response.len() {
            let mut out = ConnectionClose::new(Vec::new());
            out.write_all(&response[..split]).unwrap();
            out.write_all(&response[split..]).unwrap();
            assert_eq!(
                String::from_utf8(out.inner).unwrap(),
                "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
                "split at {split}"
            );
        }
    }
}
