//! permessage-deflate (RFC 7692): negotiation and the codec, without I/O.

mod codec;
mod negotiate;
mod offers;
mod pool;
mod settings;

pub(crate) use codec::{Deflater, Inflater};
pub(crate) use negotiate::{negotiate, Agreement};
pub(crate) use offers::parse_offers;
pub use settings::PerMessageDeflate;
