//! Routing: views (functions of a request), the decorators that let
//! WebSockets through, URL patterns, and the static-file view. Routing knows
//! HTTP requests and responses only; consumers plug in as views.

pub mod static_files;
pub(crate) mod urls;
pub(crate) mod views;
