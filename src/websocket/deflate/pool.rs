//! Small shared pools of compressors and decompressors for sides that do not
//! carry their window across messages: a connection borrows one for one
//! message, so quiet connections hold no compression state at all.

use std::sync::{Mutex, PoisonError};

use flate2::{Compress, Compression, Decompress};

/// Most idle states kept per pool; more borrowed at once are made and freed.
const LIMIT: usize = 8;

/// Idle compressors, with the window bits and level they were made with.
static COMPRESSORS: Mutex<Vec<(u8, u32, Box<Compress>)>> = Mutex::new(Vec::new());
/// Idle decompressors, with their window bits.
static DECOMPRESSORS: Mutex<Vec<(u8, Box<Decompress>)>> = Mutex::new(Vec::new());

/// A fresh raw-deflate compressor (no zlib header); `bits` is 9 to 15.
pub(super) fn new_compressor(bits: u8, level: u32) -> Box<Compress> {
    Box::new(Compress::new_with_window_bits(
        Compression::new(level),
        false,
        bits,
    ))
}

/// A fresh raw-inflate decompressor; windows under 9 bits get 9 (a larger
/// window inflates anything a smaller one deflated).
pub(super) fn new_decompressor(bits: u8) -> Box<Decompress> {
    Box::new(Decompress::new_with_window_bits(false, bits.max(9)))
}

/// A reset compressor for `bits` and `level`, from the pool or new.
pub(super) fn take_compressor(bits: u8, level: u32) -> Box<Compress> {
    let mut pool = COMPRESSORS.lock().unwrap_or_else(PoisonError::into_inner);
    match pool.iter().rposition(|(b, l, _)| *b == bits && *l == level) {
        Some(i) => pool.swap_remove(i).2,
        None => {
            drop(pool);
            new_compressor(bits, level)
        }
    }
}

/// Gives a compressor back after its message; it is reset first.
pub(super) fn give_compressor(bits: u8, level: u32, mut compressor: Box<Compress>) {
    compressor.reset();
    let mut pool = COMPRESSORS.lock().unwrap_or_else(PoisonError::into_inner);
    if pool.len() < LIMIT {
        pool.push((bits, level, compressor));
    }
}

/// A reset decompressor for `bits`, from the pool or new.
pub(super) fn take_decompressor(bits: u8) -> Box<Decompress> {
    let mut pool = DECOMPRESSORS.lock().unwrap_or_else(PoisonError::into_inner);
    match pool.iter().rposition(|(b, _)| *b == bits) {
        Some(i) => pool.swap_remove(i).1,
        None => {
            drop(pool);
            new_decompressor(bits)
        }
    }
}

/// Gives a decompressor back after its message; it is reset first.
pub(super) fn give_decompressor(bits: u8, mut decompressor: Box<Decompress>) {
    decompressor.reset(false);
    let mut pool = DECOMPRESSORS.lock().unwrap_or_else(PoisonError::into_inner);
    if pool.len() < LIMIT {
        pool.push((bits, decompressor));
    }
}
