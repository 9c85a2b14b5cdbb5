//! The chunked transfer coding (RFC 9112 §7.1) as a pure decoder: bytes in,
//! body bytes out, within a limit. It never reads past the body's end, so a
//! pipelined request after it stays for the next head.

use super::framing::BodyError;

/// Longest chunk-size line (with extensions) or trailer line.
const MAX_LINE: usize = 4096;
/// Most trailer bytes after the last chunk.
const MAX_TRAILER: usize = 16 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Reading a chunk-size line.
    Size,
    /// Reading this many more bytes of chunk data.
    Data(u64),
    /// Reading the CRLF after chunk data; this many of its bytes seen.
    DataEnd(u8),
    /// Reading trailer lines after the last chunk.
    Trailer,
    /// The body is complete.
    Done,
}

/// Decodes a chunked body; feed it with [`decode`](Self::decode).
#[derive(Debug)]
pub(crate) struct ChunkedDecoder {
    state: State,
    /// The line being read (a chunk size or a trailer), up to its LF.
    line: Vec<u8>,
    /// Body bytes still allowed.
    left: u64,
    /// Framing bytes (size lines, CRLFs, trailers) still allowed: as many as
    /// the body may have, and 64 KiB, so tiny chunks cannot stretch a body.
    overhead_left: usize,
    trailer: usize,
}

impl ChunkedDecoder {
    /// A decoder of a body of at most `max` bytes.
    pub fn new(max: usize) -> Self {
        ChunkedDecoder {
            state: State::Size,
            line: Vec::new(),
            left: max as u64,
            overhead_left: max.saturating_add(64 * 1024),
            trailer: 0,
        }
    }

    /// Whether the whole body has been decoded.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Decodes from `input`, appending body bytes to `out`; returns how many
    /// bytes of `input` it used: all of them, unless the body ended first.
    ///
    /// # Errors
    /// [`BodyError::TooLarge`] as soon as a chunk size goes past the limit;
    /// [`BodyError::Malformed`] for a bad or overflowing chunk size, a bare
    /// LF, missing CRLF after chunk data, or a line or trailer too long.
    pub fn decode(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<usize, BodyError> {
        let mut used = 0;
        while used < input.len() && self.state != State::Done {
            used += self.step(&input[used..], out)?;
        }
        Ok(used)
    }

    fn step(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<usize, BodyError> {
        match self.state {
            State::Size | State::Trailer => {
                let (used, complete) = self.take_line(input)?;
                if complete {
                    self.on_line()?;
                }
                Ok(used)
            }
            State::Data(remaining) => {
                let take = input
                    .len()
                    .min(usize::try_from(remaining).unwrap_or(usize::MAX));
                out.extend_from_slice(&input[..take]);
                self.state = match remaining - take as u64 {
                    0 => State::DataEnd(0),
                    rest => State::Data(rest),
                };
                Ok(take)
            }
            State::DataEnd(seen) => {
                let want = b"\r\n"[usize::from(seen)];
                if input[0] != want {
                    return Err(BodyError::Malformed("chunk data not followed by CRLF"));
                }
                self.state = if seen == 0 {
                    State::DataEnd(1)
                } else {
                    State::Size
                };
                Ok(1)
            }
            State::Done => Ok(0),
        }
    }

    /// Copies `input` up to and including its first LF into `line`; returns
    /// the bytes used and whether the line is complete.
    fn take_line(&mut self, input: &[u8]) -> Result<(usize, bool), BodyError> {
        let (used, complete) = match input.iter().position(|b| *b == b'\n') {
            Some(lf) => (lf + 1, true),
            None => (input.len(), false),
        };
        self.line.extend_from_slice(&input[..used]);
        self.overhead_left = self
            .overhead_left
            .checked_sub(used)
            .ok_or(BodyError::TooLarge)?;
        if self.line.len() > MAX_LINE {
            return Err(BodyError::Malformed("chunk line too long"));
        }
        Ok((used, complete))
    }

    fn on_line(&mut self) -> Result<(), BodyError> {
        let line = std::mem::take(&mut self.line);
        if !line.ends_with(b"\r\n") {
            return Err(BodyError::Malformed("bare LF line ending"));
        }
        if self.state == State::Trailer {
            self.trailer += line.len();
            if line.len() == 2 {
                self.state = State::Done;
            } else if self.trailer > MAX_TRAILER {
                return Err(BodyError::Malformed("trailer too large"));
            }
            return Ok(());
        }
        if !line[0].is_ascii_hexdigit() {
            return Err(BodyError::Malformed("bad chunk size"));
        }
        let size = match httparse::parse_chunk_size(&line) {
            Ok(httparse::Status::Complete((len, size))) if len == line.len() => size,
            _ => return Err(BodyError::Malformed("bad chunk size")),
        };
        if size > self.left {
            return Err(BodyError::TooLarge);
        }
        self.left -= size;
        self.state = if size == 0 {
            State::Trailer
        } else {
            State::Data(size)
        };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes `input` fed `step` bytes at a time: the body and the bytes left
    /// over, or the error's status.
    fn decode(input: &[u8], max: usize, step: usize) -> Result<(Vec<u8>, Vec<u8>), u16> {
        let mut decoder = ChunkedDecoder::new(max);
        let mut body = Vec::new();
        let mut at = 0;
        while at < input.len() && !decoder.is_done() {
            let end = (at + step).min(input.len());
            let used = decoder
                .decode(&input[at..end], &mut body)
                .map_err(|e| e.status_and_reason().map_or(0, |s| s.0))?;
            at += used;
        }
        assert!(decoder.is_done(), "incomplete: {input:?}");
        Ok((body, input[at..].to_vec()))
    }

    #[test]
    fn bodies_in_any_pieces() {
        let table: &[(&[u8], &[u8], &[u8])] = &[
            (
                b"3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\nNEXT",
                b"abcde",
                b"NEXT",
            ),
            (b"0\r\n\r\n", b"", b""),
            (b"A\r\n0123456789\r\n0\r\n\r\n", b"0123456789", b""),
            (b"000003\r\nabc\r\n0\r\nX-T: 1\r\n\r\nGET", b"abc", b"GET"),
            (b"3 ; ext\r\nabc\r\n0\r\n\r\n", b"abc", b""),
        ];
        for (input, body, rest) in table {
            for step in [1, 2, 5, input.len()] {
                let got = decode(input, 100, step);
                assert_eq!(
                    got,
                    Ok((body.to_vec(), rest.to_vec())),
                    "{input:?} by {step}"
                );
            }
        }
    }

    #[test]
    fn refusals_come_at_once() {
        let long_ext = format!("1;{}\r\nx\r\n0\r\n\r\n", "e".repeat(MAX_LINE));
        let long_trailer = format!("0\r\n{}\r\n\r\n", "X-T: 1\r\n".repeat(3000));
        let table: &[(&[u8], u16)] = &[
            (b"zz\r\n", 400),
            (b"\r\n", 400),
            (b"-1\r\n", 400),
            // Overflows u64: refused on the size line, not after a timeout.
            (b"10000000000000000\r\n", 400),
            (b"ffffffffffffffffffff\r\n", 400),
            // Fits u64 but not the limit: refused before any data.
            (b"ffffffffffffffff\r\n", 413),
            (b"65\r\n", 413),
            (b"40\r\n", 413),
            (b"3\nabc\r\n0\r\n\r\n", 400),
            (b"3\r\nabc\n0\r\n\r\n", 400),
            (b"3\r\nabcd\r\n0\r\n\r\n", 400),
            (b"0\r\n\n", 400),
            (long_ext.as_bytes(), 400),
            (long_trailer.as_bytes(), 400),
        ];
        for (input, status) in table {
            assert_eq!(decode(input, 0x3f, 1), Err(*status), "{input:?}");
            assert_eq!(decode(input, 0x3f, input.len()), Err(*status), "{input:?}");
        }
    }

    #[test]
    fn the_limit_counts_every_chunk() {
        assert!(decode(
            b"20\r\n01234567890123456789012345678901\r\n0\r\n\r\n",
            32,
            7
        )
        .is_ok());
        let two = b"20\r\n01234567890123456789012345678901\r\n1\r\nx\r\n0\r\n\r\n";
        assert_eq!(decode(two, 32, 7), Err(413));
        // Framing may not outgrow the body: 100 bytes in 100 KB of lines.
        let padding = format!("1;{}\r\nx\r\n", "e".repeat(1000)).repeat(100);
        assert_eq!(decode(padding.as_bytes(), 1000, 4096), Err(413));
    }
}
