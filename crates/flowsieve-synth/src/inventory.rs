//! The simulated network: one VPC that combines the four seed designs (see the crate docs for the
//! picture), its security groups and exploded rules, ENIs, subnets, prefix lists, network ACL
//! denies, and the pools of external addresses the traffic uses.
//!
//! Everything here depends on the seed only (never on the record count), so the same seed gives
//! the same inventory at any archive size. Every address that ever appears in a record has an
//! index in [`Inventory::addrs`]; records carry those indices, which keeps truth sets (distinct
//! sources) bounded and rendering a copy of pre-formatted text.
//!
//! Knows nothing about flow-log formats or files.

use std::collections::HashSet;
use std::net::Ipv4Addr;

use crate::addr::{Addr, Cidr};
use crate::rng::{Stream, hash, purpose};

mod build;
pub(crate) use build::build;

/// The region of every resource.
pub(crate) const REGION: &str = "us-east-1";
/// AZ names and AZ ids (the ids are what flow logs carry).
const AZS: [(&str, &str); 3] = [
    ("us-east-1a", "use1-az1"),
    ("us-east-1b", "use1-az2"),
    ("us-east-1c", "use1-az4"),
];

/// IANA protocol numbers, and `-1` for all.
pub(crate) const ALL: i16 = -1;
pub(crate) const TCP: i16 = 6;
pub(crate) const UDP: i16 = 17;
pub(crate) const ICMP: i16 = 1;
pub(crate) const ICMPV6: i16 = 58;

/// The subnet tiers of the VPC.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Tier {
    Public,
    App,
    Model,
    Data,
    /// Not covered by either flow log.
    Legacy,
}

pub(crate) struct Az {
    pub(crate) name: &'static str,
    pub(crate) id: &'static str,
}

pub(crate) struct Subnet {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) az: usize,
    pub(crate) cidr: Cidr,
    pub(crate) v6: Cidr,
    pub(crate) tier: Tier,
    pub(crate) assoc_v6: String,
}

impl Subnet {
    /// Both flow logs are attached to every subnet except the legacy one.
    pub(crate) fn logged(&self) -> bool {
        self.tier != Tier::Legacy
    }
}

pub(crate) struct Group {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) description: String,
}

/// The peer of one exploded rule.
pub(crate) enum Peer {
    Cidr(Cidr),
    Group {
        id: String,
        user_id: String,
        /// Index into `groups` when the group is in the inventory.
        known: Option<usize>,
        vpc_id: Option<String>,
        peering: Option<String>,
    },
    PrefixList {
        id: String,
        known: Option<usize>,
    },
}

/// Trap tags: which named trap a rule belongs to (see `truth.rs` for the expectations).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Trap {
    EgressEphemeralReturnOnly,
    NaclRejectedOnly,
    UsedOnce,
    UsedTwice,
    HealthCheckRuleMissing,
    BackupRds,
    IcmpTypeNotLogged,
    NoLogsUncovered,
    NoLogsNoEnis,
    UnresolvedPeer,
    OverlapS3,
    SelfReference,
}

/// One exploded rule (one peer), as `describe-security-group-rules` lists it.
pub(crate) struct Rule {
    pub(crate) id: String,
    pub(crate) group: usize,
    pub(crate) egress: bool,
    pub(crate) proto: i16,
    /// `-1` for all ports / all ICMP types.
    pub(crate) from: i32,
    pub(crate) to: i32,
    pub(crate) peer: Peer,
    pub(crate) description: Option<String>,
    pub(crate) trap: Option<Trap>,
}

pub(crate) struct PrefixList {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) owner: String,
    pub(crate) aws_managed: bool,
    pub(crate) entries: Vec<(Cidr, Option<String>)>,
    pub(crate) max_entries: Option<u32>,
    pub(crate) version: u32,
}

/// What an ENI is for; patterns pick their endpoints by role.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Role {
    Alb1,
    Alb2,
    Nat,
    Bastion,
    Nginx,
    Frontend,
    Backend,
    Gguf,
    Asr,
    EcsTask,
    EcsCluster,
    Lambda,
    Mongo,
    Metrics,
    Backup,
    Forgotten,
    Jenkins,
    Vpce,
    RdsPrimary,
    RdsStandby,
    Efs,
    MongoEfs,
    Reporting,
}

/// How the ENI was created (drives the describe-network-interfaces fields and flow-log metadata).
pub(crate) enum EniKind {
    Instance { instance_id: String },
    Fargate { attachment: String },
    Alb { name: String, lb_id: String },
    Nat { nat_id: String },
    Lambda { function: String, uuid: String },
    Vpce { vpce_id: String },
    Rds,
    Efs { fs: String, fsmt: String },
}

pub(crate) struct Eni {
    pub(crate) id: String,
    pub(crate) role: Role,
    pub(crate) kind: EniKind,
    pub(crate) subnet: usize,
    pub(crate) groups: Vec<usize>,
    /// Address-table index of the primary private IPv4.
    pub(crate) primary: u32,
    pub(crate) secondaries: Vec<u32>,
    pub(crate) prefixes: Vec<Cidr>,
    /// Addresses inside `prefixes` that the traffic uses (all in the address table).
    pub(crate) prefix_addrs: Vec<u32>,
    pub(crate) v6: Option<u32>,
    pub(crate) public_ip: Option<(Ipv4Addr, bool)>,
    /// Client (ephemeral) port range.
    pub(crate) eport: (u16, u16),
    pub(crate) mac: String,
    pub(crate) attach_id: String,
    /// Sorted-group-set index (hotspot key).
    pub(crate) groupset: u16,
}

impl Eni {
    pub(crate) fn instance_id(&self) -> Option<&str> {
        match &self.kind {
            EniKind::Instance { instance_id } => Some(instance_id),
            _ => None,
        }
    }
}

/// Address indices from here on are *virtual clients*: internet addresses computed from the
/// index, never stored, so an archive can hold tens of millions of distinct clients
/// ([`crate::GenerateConfig::internet_clients`]).
pub(crate) const VIRTUAL_BASE: u32 = 1 << 31;
/// Virtual clients at most: 2^25, the size of 44.0.0.0/7.
pub(crate) const MAX_VIRTUAL_CLIENTS: u64 = 1 << 25;

/// Virtual client `k` (< 2^25): a fixed permutation of `k` into 44.0.0.0/7, a block no other
/// pool draws from and no rule of the generated inventory names.
pub(crate) fn virtual_client(k: u32) -> Addr {
    // Four Feistel rounds over 25 bits (13 + 12): a bijection, so clients never repeat.
    let (mut left, mut right) = ((k >> 12) & 0x1fff, k & 0xfff);
    for round in 0..4u32 {
        let f = (right.wrapping_mul(0x9e37_79b1) ^ round.wrapping_mul(0x85eb_ca6b)) >> 7;
        let next = (left ^ f) & if round % 2 == 0 { 0x1fff } else { 0xfff };
        left = right;
        right = next;
    }
    // After an even number of rounds the halves are back to (13, 12) bits.
    Addr::v4_bits((44 << 24) | (left << 12) | right)
}

/// One address that may appear in a record.
pub(crate) struct AddrInfo {
    pub(crate) addr: Addr,
    pub(crate) text: String,
    /// An address of a known ENI or inside a VPC CIDR (the hotspot `peer_class`).
    pub(crate) internal: bool,
    /// Inside the S3 prefix list (flow logs name the service `S3`).
    pub(crate) s3: bool,
}

/// Index ranges of the external address pools.
#[derive(Default)]
pub(crate) struct Pools {
    pub(crate) clients_v4: Vec<u32>,
    pub(crate) clients_v6: Vec<u32>,
    pub(crate) scanners_v4: Vec<u32>,
    pub(crate) scanners_v6: Vec<u32>,
    pub(crate) services_v4: Vec<u32>,
    pub(crate) services_v6: Vec<u32>,
    pub(crate) dns: Vec<u32>,
    pub(crate) ntp: Vec<u32>,
    pub(crate) s3: Vec<u32>,
    pub(crate) corp: Vec<u32>,
    pub(crate) peer_vpc: Vec<u32>,
}

/// A network ACL entry that denies inbound traffic into the subnets of one tier (all other
/// traffic is allowed by the NACLs). NACLs are not evaluated between ENIs of the same subnet.
pub(crate) struct NaclDeny {
    pub(crate) tier: Tier,
    pub(crate) proto: i16,
    pub(crate) from: u16,
    pub(crate) to: u16,
    pub(crate) remote: Cidr,
}

pub(crate) struct Inventory {
    pub(crate) account: String,
    pub(crate) vpc_id: String,
    pub(crate) vpc_cidr: Cidr,
    pub(crate) vpc_v6: Cidr,
    pub(crate) vpc_assoc: String,
    pub(crate) vpc_assoc_v6: String,
    pub(crate) dhcp_options: String,
    pub(crate) azs: Vec<Az>,
    pub(crate) subnets: Vec<Subnet>,
    pub(crate) groups: Vec<Group>,
    pub(crate) rules: Vec<Rule>,
    pub(crate) prefix_lists: Vec<PrefixList>,
    pub(crate) enis: Vec<Eni>,
    pub(crate) addrs: Vec<AddrInfo>,
    pub(crate) pools: Pools,
    /// Sorted group-id lists, indexed by `Eni::groupset`.
    pub(crate) groupsets: Vec<Vec<String>>,
    /// The real members of groups that are *not* in the inventory (a peered account's group):
    /// the simulated AWS lets them in, while the truth cannot resolve the peer.
    pub(crate) hidden_members: Vec<(String, Vec<u32>)>,
    pub(crate) nacl_denies: Vec<NaclDeny>,
    /// Seed-selected variant: the RDS group lacks its ingress rule from the backup group.
    pub(crate) backup_rds_rule_missing: bool,
    pub(crate) nat_eni: u16,
}

impl Inventory {
    /// ENI indices with `role`, in creation order.
    pub(crate) fn role(&self, role: Role) -> Vec<u16> {
        (0..self.enis.len())
            .filter(|&i| self.enis[i].role == role)
            .map(|i| i as u16)
            .collect()
    }

    pub(crate) fn eni(&self, i: u16) -> &Eni {
        &self.enis[usize::from(i)]
    }

    /// True when both flow logs cover the ENI.
    pub(crate) fn covered(&self, i: u16) -> bool {
        self.subnets[self.eni(i).subnet].logged()
    }

    pub(crate) fn tier(&self, i: u16) -> Tier {
        self.subnets[self.eni(i).subnet].tier
    }

    pub(crate) fn addr(&self, i: u32) -> Addr {
        match i.checked_sub(VIRTUAL_BASE) {
            Some(k) => virtual_client(k),
            None => self.addrs[i as usize].addr,
        }
    }

    /// An address of a known ENI or inside a VPC CIDR (never a virtual client).
    pub(crate) fn addr_internal(&self, i: u32) -> bool {
        i < VIRTUAL_BASE && self.addrs[i as usize].internal
    }

    /// Inside the S3 prefix list (never a virtual client).
    pub(crate) fn addr_s3(&self, i: u32) -> bool {
        i < VIRTUAL_BASE && self.addrs[i as usize].s3
    }

    /// The rule tagged with `trap` (the first one; tests use this for single-rule traps).
    pub(crate) fn rules_tagged(&self, trap: Trap) -> Vec<usize> {
        (0..self.rules.len())
            .filter(|&r| self.rules[r].trap == Some(trap))
            .collect()
    }

    /// Every address that makes an ENI a member of `group` (private IPv4s, IPv6), plus its
    /// delegated prefixes.
    pub(crate) fn members(&self, group: usize) -> (Vec<Addr>, Vec<Cidr>) {
        let mut addrs = Vec::new();
        let mut prefixes = Vec::new();
        for eni in self.enis.iter().filter(|e| e.groups.contains(&group)) {
            addrs.push(self.addr(eni.primary));
            addrs.extend(eni.secondaries.iter().map(|&a| self.addr(a)));
            addrs.extend(eni.v6.map(|a| self.addr(a)));
            prefixes.extend(eni.prefixes.iter().copied());
        }
        (addrs, prefixes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn virtual_clients_are_distinct_public_addresses() {
        let mut seen = vec![0u64; (MAX_VIRTUAL_CLIENTS / 64) as usize];
        for k in 0..MAX_VIRTUAL_CLIENTS as u32 {
            let a = virtual_client(k).v4_value();
            assert_eq!(a >> 25, 44 >> 1, "{k} -> {a:#x}");
            let bit = (a & 0x1ff_ffff) as usize;
            assert_eq!(seen[bit / 64] & (1 << (bit % 64)), 0, "{k} repeats");
            seen[bit / 64] |= 1 << (bit % 64);
        }
    }

    #[test]
    fn inventory_is_a_function_of_the_seed() {
        let a = build(11);
        let b = build(11);
        let c = build(12);
        let ids = |i: &Inventory| i.rules.iter().map(|r| r.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&a), ids(&b));
        assert_ne!(ids(&a), ids(&c));
        assert!(a.backup_rds_rule_missing);
        assert!(!c.backup_rds_rule_missing);
        assert_eq!(
            a.rules.len() + 1,
            c.rules.len(),
            "the variant removes exactly one rule"
        );
    }

    #[test]
    fn ids_have_aws_shapes_and_are_unique() {
        let inv = build(3);
        let mut seen = HashSet::new();
        for r in &inv.rules {
            assert!(r.id.starts_with("sgr-") && r.id.len() == 21, "{}", r.id);
            assert!(seen.insert(r.id.clone()));
        }
        for e in &inv.enis {
            assert!(e.id.starts_with("eni-") && e.id.len() == 21);
            assert!(seen.insert(e.id.clone()));
        }
        for g in &inv.groups {
            assert!(g.id.starts_with("sg-") && g.id.len() == 20);
        }
        assert!(
            (30..=100).contains(&inv.enis.len()),
            "{} ENIs",
            inv.enis.len()
        );
        assert!(inv.rules.len() <= crate::matcher::MAX_RULES);
        let addrs: HashSet<Addr> = inv.addrs.iter().map(|a| a.addr).collect();
        assert_eq!(addrs.len(), inv.addrs.len(), "every address is distinct");
    }

    #[test]
    fn eni_addresses_lie_in_their_subnets() {
        let inv = build(5);
        for e in &inv.enis {
            let s = &inv.subnets[e.subnet];
            assert!(s.cidr.contains(inv.addr(e.primary)));
            for &a in e.secondaries.iter().chain(&e.prefix_addrs) {
                assert!(s.cidr.contains(inv.addr(a)));
            }
            for p in &e.prefixes {
                assert!(s.cidr.contains(p.network()));
            }
            if let Some(v6) = e.v6 {
                assert!(s.v6.contains(inv.addr(v6)));
                assert!(inv.vpc_v6.contains(inv.addr(v6)));
            }
        }
    }
}
