//! [`Network`]: the declared network an analysis runs against — the loaded
//! [`flowsieve_sg::Inventory`] and the [`flowsieve_sg::CompiledMatcher`] built from it once.

use std::path::Path;

use flowsieve_sg::{Addr, Cidr, CompiledMatcher, EniIdx, Inventory};

use crate::error::Result;

/// The inventory and its compiled matcher.
#[derive(Debug)]
pub struct Network {
    inventory: Inventory,
    matcher: CompiledMatcher,
    /// Per ENI index: its own addresses (private IPv4, IPv6) and delegated prefixes, for the
    /// per-record "is this address the recording ENI's?" test without a hash lookup.
    own_addresses: Vec<OwnAddresses>,
    /// The port ranges of the rules, cut into classes.
    port_classes: PortClasses,
    /// See [`Network::fingerprint`].
    fingerprint: u64,
}

/// TCP and UDP ports cut into classes at every boundary of a rule's port range: every rule
/// contains a whole class or none of it, so a class stands for any of its ports when the
/// question is which rules allow a flow.
#[derive(Debug, Default)]
struct PortClasses {
    /// Sorted class starts (the first is 0), per protocol: TCP, UDP.
    starts: [Vec<u16>; 2],
}

impl PortClasses {
    fn new(inventory: &Inventory) -> Self {
        let mut starts = [vec![0u16], vec![0u16]];
        for rule in inventory.rules() {
            let (flowsieve_sg::PortSpec::Range { from, to }, flowsieve_sg::Protocol::Number(p)) =
                (&rule.ports, rule.protocol)
            else {
                continue;
            };
            let Some(slot) = Self::slot(p) else { continue };
            starts[slot].push(*from);
            if let Some(next) = to.checked_add(1) {
                starts[slot].push(next);
            }
        }
        for list in &mut starts {
            list.sort_unstable();
            list.dedup();
        }
        PortClasses { starts }
    }

    fn slot(protocol: u8) -> Option<usize> {
        match protocol {
            6 => Some(0),
            17 => Some(1),
            _ => None,
        }
    }

    fn class(&self, protocol: u8, port: u16) -> u16 {
        Self::slot(protocol).map_or(0, |slot| {
            let starts = &self.starts[slot];
            // Classes are at most 65,536 (one per port), so the index fits.
            (starts.partition_point(|&s| s <= port).saturating_sub(1)) as u16
        })
    }

    fn start(&self, protocol: u8, class: u16) -> u16 {
        Self::slot(protocol)
            .and_then(|slot| self.starts[slot].get(usize::from(class)).copied())
            .unwrap_or(0)
    }
}

/// One ENI's own addresses, flattened for the per-record ownership test.
#[derive(Debug)]
struct OwnAddresses {
    /// Private IPv4 (as IPv4-mapped `u128`) and IPv6 addresses.
    addresses: Box<[u128]>,
    /// Delegated IPv4 and IPv6 prefixes.
    prefixes: Box<[Cidr]>,
}

impl Network {
    /// Compiles the matcher of an inventory.
    pub fn new(inventory: Inventory) -> Network {
        let matcher = CompiledMatcher::new(&inventory);
        let own_addresses = (0..matcher.eni_count())
            .map(|i| {
                let eni = matcher.eni(EniIdx(i as u32));
                let addresses: Vec<u128> = eni
                    .private_ipv4
                    .iter()
                    .map(|&v4| Addr::from_ipv4(v4).0)
                    .chain(eni.ipv6.iter().map(|&v6| Addr::from_ipv6(v6).0))
                    .collect();
                let prefixes: Vec<Cidr> = eni
                    .ipv4_prefixes
                    .iter()
                    .chain(&eni.ipv6_prefixes)
                    .copied()
                    .collect();
                OwnAddresses {
                    addresses: addresses.into_boxed_slice(),
                    prefixes: prefixes.into_boxed_slice(),
                }
            })
            .collect();
        Network {
            fingerprint: fingerprint(&inventory),
            port_classes: PortClasses::new(&inventory),
            inventory,
            matcher,
            own_addresses,
        }
    }

    /// Loads AWS CLI JSON and Terraform state from files and directories, then compiles it.
    pub fn load<P: AsRef<Path>>(paths: &[P]) -> Result<Network> {
        Ok(Network::new(Inventory::load(paths)?))
    }

    /// The declared network.
    pub fn inventory(&self) -> &Inventory {
        &self.inventory
    }

    /// Whether `address` is one of the ENI's own addresses (or inside its delegated prefixes).
    #[inline]
    pub(crate) fn owns(&self, eni: EniIdx, address: u128) -> bool {
        self.own_addresses.get(eni.0 as usize).is_some_and(|own| {
            own.addresses.contains(&address)
                || own.prefixes.iter().any(|p| p.contains(Addr(address)))
        })
    }

    /// The class of a TCP/UDP port: ports of one class are allowed by exactly the same rules
    /// (0 for other protocols).
    #[inline]
    pub(crate) fn port_class(&self, protocol: u8, port: u16) -> u16 {
        self.port_classes.class(protocol, port)
    }

    /// A port of a class (its first).
    pub(crate) fn port_class_start(&self, protocol: u8, class: u16) -> u16 {
        self.port_classes.start(protocol, class)
    }

    /// A 64-bit digest of what an analysis's indices depend on (ENIs with their groups and
    /// addresses, rules, prefix lists): analyses, learners and partial results of networks with
    /// different fingerprints cannot be merged. Stable across processes and machines running
    /// the same flowsieve version.
    pub fn fingerprint(&self) -> u64 {
        self.fingerprint
    }

    /// The compiled matcher.
    pub fn matcher(&self) -> &CompiledMatcher {
        &self.matcher
    }
}

/// FNV-1a over the Debug form of every ENI, rule and prefix list, in inventory order (sorted by
/// id): stable across processes, unlike the std hasher.
fn fingerprint(inventory: &Inventory) -> u64 {
    use std::fmt::Write;
    struct Fnv(u64);
    impl Write for Fnv {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            for byte in s.bytes() {
                self.0 ^= u64::from(byte);
                self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
            }
            Ok(())
        }
    }
    let mut hash = Fnv(0xcbf2_9ce4_8422_2325);
    for eni in inventory.network_interfaces() {
        let _ = write!(hash, "{eni:?}");
    }
    for rule in inventory.rules() {
        let _ = write!(
            hash,
            "{:?}{:?}{:?}{:?}{:?}{:?}",
            rule.id, rule.group_id, rule.direction, rule.protocol, rule.ports, rule.peer
        );
    }
    for list in inventory.prefix_lists() {
        let _ = write!(hash, "{list:?}");
    }
    hash.0
}
