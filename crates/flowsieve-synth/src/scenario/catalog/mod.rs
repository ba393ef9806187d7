//! The scenario catalogue: one file per family, each starting with the stories it tells. Every
//! entry is a builder `(name, seed) → Account`; the seed only moves client ports and object
//! names, never an expectation.

mod churn;
mod coverage;
mod hotspots;
mod icmp;
mod lb;
mod ports;
mod scope;
mod untracked;

use super::Entry;
use super::model::Ep;
use crate::addr::Addr;

/// Every scenario, in the order `--list-scenarios` prints them.
pub(crate) const ENTRIES: &[Entry] = &[
    churn::CONFIG_HISTORY,
    churn::SNAPSHOT,
    churn::HOURLY_SNAPSHOTS,
    churn::BORN_MID_WINDOW,
    coverage::PARTIAL_GROUP,
    coverage::REJECT_ONLY,
    coverage::GROUP_WITHOUT_ENIS,
    coverage::ICMP_TYPE_UNUSED,
    coverage::SKIPDATA,
    scope::OVERLAPPING_VPCS,
    scope::ON_PREM,
    ports::ECS_DYNAMIC,
    ports::HIGH_SERVER_PORTS,
    ports::NFS,
    ports::WINDOWS,
    ports::LONG_CONNECTIONS,
    lb::NLB_TARGETS,
    lb::NLB_NO_TARGETS,
    icmp::PINGS,
    untracked::PAIR,
    hotspots::NAT_REJECT,
    hotspots::INTERNAL_SCAN,
    hotspots::NOISE,
];

/// An internet address: `198.51.100.0/24` and `203.0.113.0/24` hosts, then 45.x.y.z.
pub(crate) fn internet(i: u32) -> Ep {
    Ep::Addr(internet_addr(i))
}

pub(crate) fn internet_addr(i: u32) -> Addr {
    let [_, b, c, d] = (0x2D00_0000u32 | (i.wrapping_mul(2_654_435_761) >> 8)).to_be_bytes();
    Addr::v4([45, b, c, d.max(1)])
}
