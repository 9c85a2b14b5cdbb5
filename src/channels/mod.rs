//! The Django Channels side, above the server's core: reply channels on the
//! channel layer, groups, and consumers, with the mapping between channel
//! messages and WebSocket frames.

#[cfg(feature = "consumers")]
pub mod consumers;
pub(crate) mod events;
pub(crate) mod frames;
pub(crate) mod groups;
pub(crate) mod members;
pub(crate) mod memberships;
pub(crate) mod relay;
pub(crate) mod replies;
