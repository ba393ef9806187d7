//! Fixed-width addresses and CIDR blocks.
//!
//! Owns [`Addr`] (one 128-bit value for IPv4 and IPv6, the same 16 octets flowsieve-log stores in
//! its `FixedSizeBinary(16)` address columns) and [`Cidr`] (a canonical network with a mask, so the
//! matcher's peer test is one AND and one compare). Knows nothing about rules or files.
//!
//! Invariant: an IPv4 address is always held in its IPv4-mapped form `::ffff:a.b.c.d`, and a CIDR
//! of one family never contains an address of the other (`::/0` does not contain `::ffff:10.0.0.1`).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// The prefix `::ffff:0:0/96` that holds IPv4-mapped addresses, shifted down by 32 bits.
const V4_MAPPED_TAG: u128 = 0xffff;

/// An IPv4 or IPv6 address as one 128-bit number.
///
/// IPv6 addresses are `u128::from_be_bytes(octets)`; IPv4 addresses are stored in their
/// IPv4-mapped IPv6 form (`::ffff:a.b.c.d`). This is exactly the 16-octet value flowsieve-log
/// writes into its `FixedSizeBinary(16)` address columns, so a log column can be matched without
/// converting through [`IpAddr`].
///
/// ```
/// use flowsieve_sg::Addr;
/// let a: Addr = Addr::from_ip("10.0.0.1".parse().unwrap());
/// assert!(a.is_ipv4());
/// assert_eq!(a.to_string(), "10.0.0.1");
/// assert_eq!(Addr::from_be_bytes(a.0.to_be_bytes()), a);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Addr(pub u128);

impl Addr {
    /// The address of an [`IpAddr`] (IPv4 becomes its IPv4-mapped form).
    pub fn from_ip(ip: IpAddr) -> Addr {
        match ip {
            IpAddr::V4(v4) => Addr::from_ipv4(v4),
            IpAddr::V6(v6) => Addr::from_ipv6(v6),
        }
    }

    /// The address of an IPv4 address (`::ffff:a.b.c.d`).
    pub fn from_ipv4(ip: Ipv4Addr) -> Addr {
        Addr((V4_MAPPED_TAG << 32) | u128::from(u32::from(ip)))
    }

    /// The address of an IPv6 address, as is (an IPv4-mapped IPv6 address is therefore IPv4).
    pub fn from_ipv6(ip: Ipv6Addr) -> Addr {
        Addr(u128::from_be_bytes(ip.octets()))
    }

    /// The address held in 16 big-endian octets (flowsieve-log's `FixedSizeBinary(16)` value).
    pub fn from_be_bytes(b: [u8; 16]) -> Addr {
        Addr(u128::from_be_bytes(b))
    }

    /// The 16 big-endian octets of this address.
    pub fn to_be_bytes(self) -> [u8; 16] {
        self.0.to_be_bytes()
    }

    /// The [`IpAddr`] of this address: IPv4-mapped values become [`IpAddr::V4`].
    pub fn to_ip(self) -> IpAddr {
        if self.is_ipv4() {
            // Truncation keeps exactly the low 32 bits, which hold the IPv4 address.
            IpAddr::V4(Ipv4Addr::from(self.0 as u32))
        } else {
            IpAddr::V6(Ipv6Addr::from(self.0))
        }
    }

    /// True for an IPv4 address (an IPv4-mapped value).
    pub fn is_ipv4(self) -> bool {
        (self.0 >> 32) == V4_MAPPED_TAG
    }
}

impl From<IpAddr> for Addr {
    fn from(ip: IpAddr) -> Addr {
        Addr::from_ip(ip)
    }
}

impl From<Ipv4Addr> for Addr {
    fn from(ip: Ipv4Addr) -> Addr {
        Addr::from_ipv4(ip)
    }
}

impl From<Ipv6Addr> for Addr {
    fn from(ip: Ipv6Addr) -> Addr {
        Addr::from_ipv6(ip)
    }
}

impl fmt::Display for Addr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.to_ip(), f)
    }
}

/// An IPv4 or IPv6 CIDR block, canonical (host bits zeroed).
///
/// ```
/// use flowsieve_sg::{Addr, Cidr};
/// let c: Cidr = "100.68.0.18/18".parse().unwrap();
/// assert_eq!(c.to_string(), "100.68.0.0/18"); // canonical, as AWS stores it
/// assert!(c.contains(Addr::from_ip("100.68.63.1".parse().unwrap())));
/// let any6: Cidr = "::/0".parse().unwrap();
/// assert!(!any6.contains(Addr::from_ip("10.0.0.1".parse().unwrap()))); // families never mix
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cidr {
    /// Network address in the 128-bit form (IPv4-mapped for IPv4), host bits zero.
    net: u128,
    /// Prefix length within the family: 0..=32 for IPv4, 0..=128 for IPv6.
    prefix: u8,
    /// True for an IPv4 block.
    v4: bool,
}

/// Why a string is not a CIDR block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CidrParseError {
    input: String,
    reason: &'static str,
}

impl fmt::Display for CidrParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid CIDR {:?}: {}", self.input, self.reason)
    }
}

impl std::error::Error for CidrParseError {}

/// The mask with the top `bits` bits of 128 set.
fn top_mask(bits: u32) -> u128 {
    if bits == 0 {
        0
    } else {
        u128::MAX << (128 - bits.min(128))
    }
}

impl Cidr {
    /// The block of `addr` with `prefix` bits (relative to the address family: at most 32 for
    /// IPv4, 128 for IPv6); host bits are zeroed. `None` when the prefix is too long.
    pub fn new(addr: Addr, prefix: u8) -> Option<Cidr> {
        let v4 = addr.is_ipv4();
        let max = if v4 { 32 } else { 128 };
        if prefix > max {
            return None;
        }
        let mut c = Cidr { net: 0, prefix, v4 };
        c.net = addr.0 & c.mask();
        Some(c)
    }

    /// The single-address block (`/32` or `/128`) of `addr`.
    pub fn host(addr: Addr) -> Cidr {
        let v4 = addr.is_ipv4();
        Cidr {
            net: addr.0,
            prefix: if v4 { 32 } else { 128 },
            v4,
        }
    }

    /// The network address (host bits zero).
    pub fn network(&self) -> Addr {
        Addr(self.net)
    }

    /// The prefix length within the family (`/24` is 24 for IPv4, `/64` is 64 for IPv6).
    pub fn prefix_len(&self) -> u8 {
        self.prefix
    }

    /// True for an IPv4 block.
    pub fn is_ipv4(&self) -> bool {
        self.v4
    }

    /// The 128-bit mask of this block: `a` is inside when `a & mask == network`. For IPv4 the
    /// mask also covers the 96 bits of the IPv4-mapped prefix, so IPv6 addresses never pass.
    pub fn mask(&self) -> u128 {
        let bits = if self.v4 {
            96 + u32::from(self.prefix)
        } else {
            u32::from(self.prefix)
        };
        top_mask(bits)
    }

    /// The first and last address of the block, as 128-bit values.
    pub fn range(&self) -> (u128, u128) {
        (self.net, self.net | !self.mask())
    }

    /// The number of addresses in the block, saturating at `u128::MAX` for `::/0`.
    pub fn size(&self) -> u128 {
        let host_bits = if self.v4 {
            32 - u32::from(self.prefix)
        } else {
            128 - u32::from(self.prefix)
        };
        if host_bits >= 128 {
            u128::MAX
        } else {
            1u128 << host_bits
        }
    }

    /// True when `a` lies inside this block. An IPv4 block never contains an IPv6 address and an
    /// IPv6 block never contains an IPv4 (IPv4-mapped) address.
    pub fn contains(&self, a: Addr) -> bool {
        a.is_ipv4() == self.v4 && (a.0 & self.mask()) == self.net
    }

    /// Parses `text` and also says whether host bits had to be zeroed (`10.0.0.5/8`).
    pub fn parse_reporting_host_bits(text: &str) -> Result<(Cidr, bool), CidrParseError> {
        let err = |reason| CidrParseError {
            input: text.to_owned(),
            reason,
        };
        if !text.contains('/') {
            return Err(err("missing /prefix"));
        }
        // ipnet parses and bounds the prefix; the 128-bit form and the host-bit report are ours.
        let net: ipnet::IpNet = text
            .parse()
            .map_err(|_| err("not an IPv4 or IPv6 address with a prefix length in range"))?;
        let prefix = net.prefix_len();
        let (addr, v4) = match net.addr() {
            IpAddr::V4(v4) => (Addr::from_ipv4(v4), true),
            // An IPv6 block is IPv6 even when its text is IPv4-mapped; keep the family explicit.
            IpAddr::V6(v6) => (Addr::from_ipv6(v6), false),
        };
        let mut c = Cidr { net: 0, prefix, v4 };
        c.net = addr.0 & c.mask();
        Ok((c, c.net != addr.0))
    }
}

impl FromStr for Cidr {
    type Err = CidrParseError;

    /// Parses `a.b.c.d/n` or `x:y::z/n`; host bits are zeroed (canonical form).
    fn from_str(s: &str) -> Result<Cidr, CidrParseError> {
        Cidr::parse_reporting_host_bits(s).map(|(c, _)| c)
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.v4 {
            write!(f, "{}/{}", Ipv4Addr::from(self.net as u32), self.prefix)
        } else {
            write!(f, "{}/{}", Ipv6Addr::from(self.net), self.prefix)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str) -> Addr {
        Addr::from_ip(s.parse().unwrap())
    }

    #[test]
    fn addr_round_trips_both_families() {
        for s in [
            "10.0.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "2001:db8::1",
            "::",
            "::1",
        ] {
            let addr = a(s);
            assert_eq!(addr.to_string(), s);
            assert_eq!(addr.to_ip(), s.parse::<IpAddr>().unwrap());
            assert_eq!(Addr::from_be_bytes(addr.to_be_bytes()), addr);
        }
        assert!(a("10.0.0.1").is_ipv4());
        assert!(!a("2001:db8::1").is_ipv4());
        // The IPv4-mapped form is the documented encoding.
        assert_eq!(
            a("10.0.0.1"),
            Addr::from_ip("::ffff:10.0.0.1".parse().unwrap())
        );
        assert_eq!(a("10.0.0.1").0, 0xffff_0a00_0001);
    }

    #[test]
    fn cidr_is_canonical_and_reports_host_bits() {
        let (c, host) = Cidr::parse_reporting_host_bits("100.68.0.18/18").unwrap();
        assert_eq!(c.to_string(), "100.68.0.0/18");
        assert!(host);
        let (c, host) = Cidr::parse_reporting_host_bits("2001:db8:1:2::5/64").unwrap();
        assert_eq!(c.to_string(), "2001:db8:1:2::/64");
        assert!(host);
        assert!(!Cidr::parse_reporting_host_bits("0.0.0.0/0").unwrap().1);
    }

    #[test]
    fn cidr_rejects_garbage() {
        for s in [
            "",
            "10.0.0.0",
            "10.0.0.0/",
            "10.0.0.0/33",
            "::/129",
            "10.0.0/8",
            "x/8",
            "10.0.0.0/-1",
            "10.0.0.0/+8",
            "10.0.0.0/0008",
        ] {
            assert!(s.parse::<Cidr>().is_err(), "{s} should not parse");
        }
    }

    #[test]
    fn cidr_contains_by_family() {
        let all4: Cidr = "0.0.0.0/0".parse().unwrap();
        let all6: Cidr = "::/0".parse().unwrap();
        assert!(all4.contains(a("1.2.3.4")));
        assert!(!all4.contains(a("2001:db8::1")));
        assert!(all6.contains(a("2001:db8::1")));
        assert!(!all6.contains(a("1.2.3.4")));
        let net: Cidr = "10.1.0.0/16".parse().unwrap();
        assert!(net.contains(a("10.1.255.255")));
        assert!(!net.contains(a("10.2.0.0")));
        let host: Cidr = "10.1.2.3/32".parse().unwrap();
        assert!(host.contains(a("10.1.2.3")));
        assert!(!host.contains(a("10.1.2.4")));
        let mapped6: Cidr = "::ffff:0:0/96".parse().unwrap();
        assert!(!mapped6.is_ipv4());
        assert!(
            !mapped6.contains(a("10.0.0.1")),
            "an IPv6 block never contains an IPv4 address"
        );
    }

    #[test]
    fn cidr_size_and_range() {
        let c: Cidr = "10.0.0.0/30".parse().unwrap();
        assert_eq!(c.size(), 4);
        assert_eq!(c.range(), (a("10.0.0.0").0, a("10.0.0.3").0));
        assert_eq!("0.0.0.0/0".parse::<Cidr>().unwrap().size(), 1 << 32);
        assert_eq!("::/0".parse::<Cidr>().unwrap().size(), u128::MAX);
        assert_eq!("::/1".parse::<Cidr>().unwrap().size(), 1 << 127);
        assert_eq!(Cidr::host(a("2001:db8::1")).to_string(), "2001:db8::1/128");
        assert_eq!(
            Cidr::new(a("10.9.8.7"), 8).unwrap().to_string(),
            "10.0.0.0/8"
        );
        assert!(Cidr::new(a("10.9.8.7"), 33).is_none());
    }
}
