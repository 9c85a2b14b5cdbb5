//! The connection caps: in total, and per client address (an IPv4 address
//! or an IPv6 /64).

use std::net::IpAddr;

/// Why a connection was not registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// `max_connections` are open.
    Full,
    /// `max_connections_per_ip` are open from this client's address.
    ClientFull,
}

/// The connection limits `register` applies.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Caps {
    pub total: usize,
    pub per_client: usize,
}

/// The key a client's connections are counted under: its IPv4 address, or
/// its IPv6 /64 (one host usually has a whole /64 to pick addresses from).
pub(crate) fn client_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(bits.into())
        }
        v4 => v4,
    }
}
