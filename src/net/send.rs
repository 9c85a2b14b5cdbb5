//! The send calls of a connection: never raising SIGPIPE, retried when
//! interrupted, and a small frame sent from one buffer.

use std::io::{self, IoSlice};
use std::net::TcpStream;

use socket2::SockRef;

/// Flags of a send that never waits; on Linux also never raises SIGPIPE
/// (elsewhere Rust programs ignore SIGPIPE already).
#[cfg(target_os = "linux")]
const NONBLOCKING_SEND: libc::c_int = libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL;
#[cfg(not(target_os = "linux"))]
const NONBLOCKING_SEND: libc::c_int = libc::MSG_DONTWAIT;
#[cfg(target_os = "linux")]
const BLOCKING_SEND: libc::c_int = libc::MSG_NOSIGNAL;
#[cfg(not(target_os = "linux"))]
const BLOCKING_SEND: libc::c_int = 0;

/// Frames up to this long are copied into one buffer to be sent: one
/// `send`, with no vector for the kernel to copy in and check.
const SMALL_SEND: usize = 1024;

/// A blocking send of `buf` (within the socket's write timeout).
pub(super) fn blocking(tcp: &TcpStream, buf: &[u8]) -> io::Result<usize> {
    retry(|| SockRef::from(tcp).send_with_flags(buf, BLOCKING_SEND))
}

/// A send of `bufs`, in this order, that never waits (`WouldBlock` when the
/// kernel takes nothing); returns the bytes sent.
pub(super) fn nonblocking(tcp: &TcpStream, bufs: &[&[u8]]) -> io::Result<usize> {
    let len: usize = bufs.iter().map(|b| b.len()).sum();
    if len <= SMALL_SEND {
        let mut joined = [0u8; SMALL_SEND];
        let mut at = 0;
        for buf in bufs {
            joined[at..at + buf.len()].copy_from_slice(buf);
            at += buf.len();
        }
        return retry(|| SockRef::from(tcp).send_with_flags(&joined[..len], NONBLOCKING_SEND));
    }
    match bufs {
        [a, b] => nonblocking_vectored(tcp, &[IoSlice::new(a), IoSlice::new(b)]),
        _ => {
            let slices: Vec<IoSlice<'_>> = bufs.iter().map(|b| IoSlice::new(b)).collect();
            nonblocking_vectored(tcp, &slices)
        }
    }
}

/// A send of `slices` that never waits; returns the bytes sent.
pub(super) fn nonblocking_vectored(tcp: &TcpStream, slices: &[IoSlice<'_>]) -> io::Result<usize> {
    retry(|| SockRef::from(tcp).send_vectored_with_flags(slices, NONBLOCKING_SEND))
}

fn retry(mut send: impl FnMut() -> io::Result<usize>) -> io::Result<usize> {
    loop {
        match send() {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::net::TcpListener;

    #[test]
    fn pieces_arrive_whole_and_in_order_however_they_are_sent() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let tcp = TcpStream::connect(listener.local_addr().expect("addr")).expect("connect");
        let (mut peer, _) = listener.accept().expect("accept");
        let big = vec![7u8; 3000];
        let cases: [&[&[u8]]; 4] = [
            &[b"\x81\x02", b"hi"],
            &[b"one piece"],
            &[b"a", b"b", b"c"],
            &[b"\x82\x7e\x0b\xb8", &big],
        ];
        for bufs in cases {
            let want: Vec<u8> = bufs.concat();
            assert_eq!(nonblocking(&tcp, bufs).expect("send"), want.len());
            let mut got = vec![0; want.len()];
            peer.read_exact(&mut got).expect("read");
            assert_eq!(got, want);
        }
        assert_eq!(blocking(&tcp, b"last").expect("send"), 4);
    }
}
