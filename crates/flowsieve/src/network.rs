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

    /// The compiled matcher.
    pub fn matcher(&self) -> &CompiledMatcher {
        &self.matcher
    }
}
