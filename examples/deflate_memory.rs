//! What permessage-deflate state costs: the resident memory of one
//! compressor and one decompressor (flate2 over zlib-rs, raw deflate) for
//! each window size, after it compressed one 1 KiB JSON
//! message, or inflated 64 of them (enough to fill its window).
//!
//!   cargo run --release --example deflate_memory
//!
//! Prints a Markdown table (KiB per state, from RSS over 500 live states).

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress};

const STATES: usize = 500;

fn rss_kib() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: usize = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4
}

fn message() -> Vec<u8> {
    let mut json = String::from("{\"type\":\"chat.message\",\"items\":[");
    for i in 0..20 {
        json.push_str(&format!(
            "{{\"id\":{i},\"user\":\"user{i}\",\"text\":\"hello number {i}\"}},"
        ));
    }
    json.push_str("{}]}");
    json.into_bytes()
}

/// 64 messages (64 KiB, enough to fill any window) compressed in one
/// stream, as a client with context takeover sends them.
fn compressed(bits: u8, payload: &[u8]) -> Vec<Vec<u8>> {
    let mut compressor = Compress::new_with_window_bits(Compression::new(1), false, bits);
    (0..64)
        .map(|i| {
            let message = [payload, format!("{i}").as_bytes()].concat();
            let mut out = Vec::with_capacity(message.len() + 64);
            let _ = compressor.compress_vec(&message, &mut out, FlushCompress::Sync);
            out
        })
        .collect()
}

/// KiB per live state made by `make` (each used once), over `STATES` states.
fn per_state<T>(make: impl Fn() -> T) -> usize {
    let before = rss_kib();
    let states: Vec<T> = (0..STATES).map(|_| make()).collect();
    let after = rss_kib();
    drop(states);
    (after.saturating_sub(before) + STATES / 2) / STATES
}

/// Measures one kind of state in this process: `compressor BITS` or
/// `decompressor BITS`, printing KiB per state.
fn measure(kind: &str, bits: u8) {
    let payload = message();
    let deflated = compressed(bits, &payload);
    let kib = match kind {
        "compressor" => per_state(|| {
            let mut c = Compress::new_with_window_bits(Compression::new(1), false, bits);
            let mut out = Vec::with_capacity(payload.len() + 64);
            let _ = c.compress_vec(&payload, &mut out, FlushCompress::Sync);
            c
        }),
        _ => per_state(|| {
            let mut d = Decompress::new_with_window_bits(false, bits);
            for message in &deflated {
                let mut out = Vec::with_capacity(payload.len() * 2);
                let _ = d.decompress_vec(message, &mut out, FlushDecompress::Sync);
            }
            d
        }),
    };
    println!("{kib}");
}

/// Each figure from a fresh process, so freed memory of one measurement
/// does not hide the next one's.
fn in_child(kind: &str, bits: u8) -> String {
    let exe = std::env::current_exe().expect("the example's path");
    let out = std::process::Command::new(exe)
        .args([kind, &bits.to_string()])
        .output()
        .expect("the example runs itself");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [kind, bits] = args.as_slice() {
        return measure(kind, bits.parse().expect("window bits"));
    }
    println!("1 KiB JSON message: {} bytes", message().len());
    println!("| window bits | compressor KiB | decompressor KiB |");
    println!("|---|---|---|");
    for bits in [9u8, 10, 11, 12, 13, 14, 15] {
        let compressor = in_child("compressor", bits);
        let decompressor = in_child("decompressor", bits);
        println!("| {bits} | {compressor} | {decompressor} |");
    }
}
