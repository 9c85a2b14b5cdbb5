//! A streaming body read from an iterator of chunks.

use std::io::{self, Cursor, Read};

/// Reads a streaming body from an iterator of chunks.
pub(crate) struct ChunkReader<I> {
    pub chunks: I,
    pub current: Cursor<Vec<u8>>,
}

impl<I> Read for ChunkReader<I>
where
    I: Iterator,
    I::Item: Into<Vec<u8>>,
{
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let n = self.current.read(buf)?;
            if n > 0 || buf.is_empty() {
                return Ok(n);
            }
            match self.chunks.next() {
                Some(chunk) => self.current = Cursor::new(chunk.into()),
                None => return Ok(0),
            }
        }
    }
}
