//! Addresses and CIDR blocks, in the representation docs/semantics.md fixes: every address is a
//! 128-bit value, an IPv4 address being its IPv4-mapped IPv6 form `::ffff:a.b.c.d`. A CIDR knows
//! its family, and an IPv4 CIDR never contains an IPv6 address (nor the reverse).
//!
//! Knows nothing about security groups or flow logs.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

/// The IPv4-mapped prefix `::ffff:0:0/96`.
const V4_MAPPED: u128 = 0xffff_u128 << 32;

/// One IPv4 or IPv6 address.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub(crate) struct Addr(pub(crate) u128);

impl Addr {
    /// An IPv4 address from its four octets.
    pub(crate) fn v4(octets: [u8; 4]) -> Addr {
        Addr(V4_MAPPED | u128::from(u32::from_be_bytes(octets)))
    }

    /// An IPv4 address from its 32-bit value.
    pub(crate) fn v4_bits(bits: u32) -> Addr {
        Addr(V4_MAPPED | u128::from(bits))
    }

    /// An IPv6 address from its 128-bit value.
    pub(crate) fn v6(bits: u128) -> Addr {
        Addr(bits)
    }

    /// True for an IPv4 (IPv4-mapped) address.
    pub(crate) fn is_v4(self) -> bool {
        self.0 >> 32 == 0xffff
    }

    /// The 32-bit value of an IPv4 address (meaningless for IPv6).
    pub(crate) fn v4_value(self) -> u32 {
        // Truncation keeps the low 32 bits, which is exactly the IPv4 part.
        (self.0 & 0xffff_ffff) as u32
    }
}

impl fmt::Display for Addr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_v4() {
            Ipv4Addr::from(self.v4_value()).fmt(f)
        } else {
            Ipv6Addr::from(self.0).fmt(f)
        }
    }
}

/// A CIDR block of one family.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Cidr {
    net: Addr,
    /// Prefix length within the family (0–32 for IPv4, 0–128 for IPv6).
    len: u8,
    v4: bool,
}

impl Cidr {
    /// An IPv4 block; host bits are cleared.
    pub(crate) fn v4(octets: [u8; 4], len: u8) -> Cidr {
        let len = len.min(32);
        let bits = u32::from_be_bytes(octets);
        let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
        Cidr {
            net: Addr::v4_bits(bits & mask),
            len,
            v4: true,
        }
    }

    /// An IPv6 block; host bits are cleared.
    pub(crate) fn v6(bits: u128, len: u8) -> Cidr {
        let len = len.min(128);
        let mask = if len == 0 {
            0
        } else {
            u128::MAX << (128 - u32::from(len))
        };
        Cidr {
            net: Addr::v6(bits & mask),
            len,
            v4: false,
        }
    }

    /// True for an IPv4 block.
    pub(crate) fn is_v4(&self) -> bool {
        self.v4
    }

    /// The prefix length within the family.
    pub(crate) fn len(&self) -> u8 {
        self.len
    }

    /// The network address.
    pub(crate) fn network(&self) -> Addr {
        self.net
    }

    /// Prefix length counted in the 128-bit space.
    fn bits128(&self) -> u32 {
        if self.v4 {
            96 + u32::from(self.len)
        } else {
            u32::from(self.len)
        }
    }

    /// True when `addr` is of this block's family and inside it.
    pub(crate) fn contains(&self, addr: Addr) -> bool {
        if self.v4 != addr.is_v4() {
            return false;
        }
        let bits = self.bits128();
        bits == 0 || (addr.0 ^ self.net.0) >> (128 - bits) == 0
    }

    /// The address `offset` places after the network address (the caller keeps it inside).
    pub(crate) fn nth(&self, offset: u128) -> Addr {
        Addr(self.net.0.wrapping_add(offset))
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.net, self.len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_never_mix() {
        let any4 = Cidr::v4([0, 0, 0, 0], 0);
        let any6 = Cidr::v6(0, 0);
        let a4 = Addr::v4([10, 0, 0, 1]);
        let a6 = Addr::v6(0x2001_0db8 << 96);
        assert!(any4.contains(a4));
        assert!(!any4.contains(a6));
        assert!(any6.contains(a6));
        assert!(!any6.contains(a4), "::/0 must not contain ::ffff:10.0.0.1");
    }

    #[test]
    fn prefixes_and_text() {
        let c = Cidr::v4([10, 20, 33, 7], 20);
        assert_eq!(c.to_string(), "10.20.32.0/20");
        assert!(c.contains(Addr::v4([10, 20, 47, 255])));
        assert!(!c.contains(Addr::v4([10, 20, 48, 0])));
        let h = Cidr::v4([1, 2, 3, 4], 32);
        assert!(h.contains(Addr::v4([1, 2, 3, 4])));
        assert!(!h.contains(Addr::v4([1, 2, 3, 5])));
        let v6 = Cidr::v6(0x2600_1f18_1234_5600_u128 << 64, 56);
        assert_eq!(v6.to_string(), "2600:1f18:1234:5600::/56");
        assert!(v6.contains(Addr::v6((0x2600_1f18_1234_56ff_u128 << 64) | 9)));
        assert_eq!(Addr::v4([192, 0, 2, 1]).to_string(), "192.0.2.1");
    }
}
