//! The WebSocket protocol (RFC 6455) as pure code, apart from any socket
//! (sans-I/O, as rustls or wsproto): a client's bytes go into a
//! [`Decoder`] and events come out, or the [`CloseCode`] the bytes call
//! for; every frame the server sends comes out of [`encode`]. The reader
//! and writer around it only move bytes and keep time.

mod assembler;
mod close;
mod decoder;
mod encoder;
mod extension;
mod frame;
mod utf8;

pub(crate) use assembler::{Event, Limits};
pub(crate) use close::{is_valid_close_code, ClientClose, CloseCode};
pub(crate) use decoder::Decoder;
pub(crate) use encoder::{encode, Outgoing};
pub(crate) use extension::{Deflate, Inflate};

#[cfg(test)]
mod decoder_tests;
#[cfg(test)]
mod extension_tests;
#[cfg(test)]
mod rules_tests;
#[cfg(test)]
mod test_support;
