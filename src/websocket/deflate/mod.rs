//! permessage-deflate (RFC 7692): negotiation and the codec, without I/O.

#[cfg(feature = "deflate")]
mod codec;
mod negotiate;
mod offers;
#[cfg(feature = "deflate")]
mod pool;
mod settings;

#[cfg(feature = "deflate")]
pub(crate) use codec::{Deflater, Inflater};
pub(crate) use negotiate::{negotiate, Agreement};
pub(crate) use offers::parse_offers;
pub use settings::PerMessageDeflate;
