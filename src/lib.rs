//! # wsviews
//!
//! WebSocket and HTTP endpoints as plain blocking functions: django-websocket, in Rust.

mod error;
pub mod layers;

pub use error::{Error, Result};
