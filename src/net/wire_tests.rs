//! The wire over real loopback sockets: order, backlog, deadlines.

use super::*;
use std::io::Read;
use std::net::TcpListener;

fn pair() -> (Wire, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let client = TcpStream::connect(listener.local_addr().expect("addr")).expect("connect");
    let (server, _) = listener.accept().expect("accept");
    (Wire::new(server), client)
}

#[test]
fn bytes_go_out_in_order_and_the_rest_waits() {
    let (wire, mut client) = pair();
    let queued = wire.append(&[b"ab", b"cd"]).expect("append");
    assert_eq!(
        (queued.end, queued.backlog, queued.start_drain),
        (4, 0, false)
    );
    // Fill the kernel's buffers: the rest waits, and a drain is asked for.
    let big = vec![7u8; 8 << 20];
    let queued = wire.append(&[&big]).expect("append");
    assert!(queued.backlog > 0 && queued.start_drain);
    assert_eq!(queued.end, 4 + big.len() as u64);
    let again = wire.append(&[b"z"]).expect("append");
    assert!(!again.start_drain, "one drain at a time");
    let reader = std::thread::spawn(move || {
        let mut all = Vec::new();
        client.read_to_end(&mut all).expect("read");
        all
    });
    wire.wait_written(again.end, None).expect("written");
    assert!(wire.drain_done());
    let _ = wire.tcp().shutdown(std::net::Shutdown::Both);
    let all = reader.join().expect("reader");
    assert_eq!(&all[..4], b"abcd");
    assert_eq!(all.len(), 5 + big.len());
    assert_eq!(all[all.len() - 1], b'z');
}

#[test]
fn a_deadline_bounds_the_wait_for_a_client_that_does_not_read() {
    let (wire, _client) = pair();
    let big = vec![1u8; 16 << 20];
    let queued = wire.append(&[&big]).expect("append");
    let started = Instant::now();
    let deadline = started + Duration::from_millis(300);
    let error = wire.wait_written(queued.end, Some(deadline)).unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::TimedOut);
    assert!(started.elapsed() < Duration::from_secs(2));
    wire.fail();
    assert_eq!(wire.backlog(), 0);
    assert!(wire.append(&[b"x"]).is_err());
}
