//! The byte stream under one connection. Reads happen on the connection's
//! thread while writes may come from any thread, so both work through `&Socket`.

use std::io::{self, IoSlice, Read, Write};
use std::mem::MaybeUninit;
use std::net::{Shutdown, TcpStream};
use std::time::Duration;

use socket2::SockRef;

/// A client connection.
#[derive(Debug)]
pub(crate) struct Socket {
    tcp: TcpStream,
}

impl Socket {
    /// A plain TCP connection.
    pub fn plain(tcp: TcpStream) -> Self {
        let _ = tcp.set_nodelay(true);
        Socket { tcp }
    }

    /// Sets the timeout of each following read; `None` waits for ever.
    pub fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.tcp.set_read_timeout(timeout)
    }

    /// Sets the timeout of each following write.
    pub fn set_write_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.tcp.set_write_timeout(timeout)
    }

    /// Shuts down reading, writing or both; wakes a thread blocked in a read.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.tcp.shutdown(how)
    }

    /// Whether a read would return at once (data or end of stream), asked
    /// with `MSG_PEEK | MSG_DONTWAIT` so the socket's blocking mode, which
    /// its writers share, never changes.
    pub fn ready(&self) -> io::Result<bool> {
        let mut byte = [MaybeUninit::<u8>::uninit(); 1];
        loop {
            match SockRef::from(&self.tcp)
                .recv_with_flags(&mut byte, libc::MSG_PEEK | libc::MSG_DONTWAIT)
            {
                Ok(_) => return Ok(true),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }
}

impl Socket {
    /// Writes what fits in the kernel's send buffer now, without waiting;
    /// `WouldBlock` if nothing fits.
    pub fn write_nonblocking(&self, buf: &[u8]) -> io::Result<usize> {
        loop {
            match SockRef::from(&self.tcp)
                .send_with_flags(buf, libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL)
            {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => return other,
            }
        }
    }
}

impl Read for &Socket {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        (&self.tcp).read(buf)
    }
}

impl Write for &Socket {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        (&self.tcp).write(buf)
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        (&self.tcp).write_vectored(bufs)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
