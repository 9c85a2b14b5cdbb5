//! `http`: keep-alive `GET /plain` from C connections for S seconds, with a small
//! hand-written HTTP/1.1 client (status line, headers, `Content-Length` body).

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Instant;

use crate::client::{self, Target, IO_TIMEOUT};
use crate::stats::{self, Outcome};
use crate::window::{self, Tally};

#[derive(Debug, Clone)]
pub struct HttpOpts {
    pub conns: usize,
    pub secs: f64,
    pub warmup: f64,
    pub path: String,
}

/// A connection gives up after this many errors.
const MAX_ERRORS: u64 = 100;

pub fn run(target: &Target, opts: &HttpOpts) -> Outcome {
    let (addr, path) = (target.addr, opts.path.clone());
    window::measure(
        target,
        (opts.warmup, opts.secs),
        vec![(); opts.conns],
        move |(), from, to| requests(addr, &path, from, to),
        ("requests/s", "req/s", "requests/server-CPU-s"),
        Outcome::default(),
    )
}

/// One keep-alive connection, reopened after an error or a `Connection: close`.
fn requests(addr: SocketAddr, path: &str, from: Instant, to: Instant) -> Tally {
    let mut tally = Tally::default();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    let mut conn: Option<BufReader<TcpStream>> = None;
    while tally.errors < MAX_ERRORS && Instant::now() < to {
        let reader = match conn.as_mut() {
            Some(reader) => reader,
            None => match open(addr) {
                Ok(reader) => conn.insert(reader),
                Err(err) => {
                    client::report_error(tally.errors, 3, "http connect", &err);
                    tally.errors += 1;
                    continue;
                }
            },
        };
        let started = Instant::now();
        match exchange(reader, request.as_bytes()) {
            Ok(keep_alive) => {
                if started >= from && started < to {
                    tally.latencies.push(stats::nanos(started.elapsed()));
                }
                if !keep_alive {
                    conn = None;
                }
            }
            Err(err) => {
                client::report_error(tally.errors, 3, "http", &err);
                tally.errors += 1;
                conn = None;
            }
        }
    }
    tally
}

fn open(addr: SocketAddr) -> io::Result<BufReader<TcpStream>> {
    let stream = TcpStream::connect_timeout(&addr, IO_TIMEOUT)?;
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    Ok(BufReader::with_capacity(16 * 1024, stream))
}

/// Writes one request and reads its response; `Ok(false)` when the server closes.
fn exchange(reader: &mut BufReader<TcpStream>, request: &[u8]) -> io::Result<bool> {
    reader.get_mut().write_all(request)?;
    let (status, length, keep_alive) = read_head(reader)?;
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    if status != 200 {
        return Err(io::Error::other(format!("status {status}")));
    }
    Ok(keep_alive)
}

/// Parses the status line and headers; returns status, Content-Length, keep-alive.
fn read_head(reader: &mut impl BufRead) -> io::Result<(u16, usize, bool)> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "closed"));
    }
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| io::Error::other(format!("bad status line {line:?}")))?;
    let (mut length, mut keep_alive) = (None, true);
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "closed in head",
            ));
        }
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        let Some((name, value)) = header.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = value.parse().ok();
        } else if name.eq_ignore_ascii_case("connection") {
            keep_alive = !value.eq_ignore_ascii_case("close");
        }
    }
    let length = length.ok_or_else(|| io::Error::other("no Content-Length"))?;
    Ok((status, length, keep_alive))
}

#[cfg(test)]
mod tests {
    use super::read_head;

    /// Status, Content-Length, keep-alive.
    type Head = (u16, usize, bool);

    #[test]
    fn heads() {
        let cases: &[(&str, Option<Head>)] = &[
            (
                "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nplain",
                Some((200, 5, true)),
            ),
            (
                "HTTP/1.1 200 OK\r\ncontent-length:5\r\nConnection: close\r\n\r\n",
                Some((200, 5, false)),
            ),
            (
                "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
                Some((404, 0, true)),
            ),
            (
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                None,
            ),
            ("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n", None),
            ("garbage\r\n\r\n", None),
            ("", None),
        ];
        for (input, want) in cases {
            let got = read_head(&mut input.as_bytes()).ok();
            assert_eq!(got, *want, "{input:?}");
        }
    }
}
