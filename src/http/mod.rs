//! HTTP/1.x: request heads and bodies in, responses out.

pub(crate) mod body;
pub(crate) mod cookie;
pub(crate) mod head;
pub(crate) mod query;
pub(crate) mod request;
pub(crate) mod response;
pub(crate) mod stream;
