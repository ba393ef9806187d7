//! Loading: files and directories → [`Inventory`].
//!
//! The module is split by responsibility:
//! * `fs` — paths, directories (sorted walk, hidden entries skipped), text decoding, and what a
//!   file name may say (the prefix list of an entries page);
//! * `builder` — [`InventoryBuilder`]: one JSON text → pages → dispatch by top-level key; what a
//!   program adds; `build`, which sorts and assigns rule ids;
//! * `aws` — AWS CLI JSON of groups, rules, ENIs and prefix lists → model values; `network` —
//!   VPCs, subnets, peering connections, network ACLs, flow logs; `elb` — load balancers and
//!   target groups; `config` — AWS Config items; `terraform` — `terraform show -json` resources;
//! * `program` — model values a program adds; `snapshot` — capture times of inputs;
//! * `merge` — several descriptions of the same group, rule, ENI or prefix list → one value;
//! * `timeline` — snapshots and AWS Config items → ENI versions and rule lifetimes;
//! * `finish` — `build`, phase by phase; `validate` — the findings about the whole network.
//!
//! Owns the conversion from the private DTOs (`dto/`) to the model, the merge of several
//! descriptions of the same rule into one [`Rule`] (AWS JSON and Terraform, IpPermissions and the
//! rules listing), rule ids, and the validation findings. Knows nothing about matching.
//!
//! Invariants:
//! * A file's kind is told by its top-level keys, never by its name (the one exception: a
//!   `get-managed-prefix-list-entries` page names its list through its file name or a
//!   `PrefixListId` wrapper key, since the AWS CLI output does not).
//! * Loading is deterministic: directories are walked in sorted order and the model is sorted
//!   (groups, ENIs and prefix lists by id; rules by group, direction, protocol, ports, peer), so
//!   [`RuleIdx`](crate::RuleIdx) values do not depend on file order.
//! * A missing required field is an [`Error`] naming the file and JSON path; a bad *value* (an
//!   invalid CIDR, port or protocol) is a [`Finding`] and the rule or address is dropped.

mod aws;
mod builder;
mod config;
mod elb;
mod files;
mod finish;
mod fs;
mod merge;
mod network;
mod program;
mod snapshot;
mod terraform;
mod timeline;
mod validate;

use std::path::Path;

use hashbrown::HashMap;

use crate::addr::Cidr;
use crate::error::{Error, Result};
use crate::model::{
    Finding, FlowLogConfig, LoadBalancer, NetworkAcl, NetworkInterface, PrefixList, Rule,
    SecurityGroup, Subnet, TargetGroup, Vpc, VpcPeering, nacl_of_subnet,
};

pub use builder::InventoryBuilder;
pub use files::InventoryFiles;
pub use snapshot::{SnapshotSpec, SnapshotSpecError};

/// The declared network: security groups, their exploded rules (each with its lifetimes),
/// network interfaces (one entry per version), prefix lists, VPCs, subnets, peering connections,
/// network ACLs, flow logs and load balancers, with the validation findings found while loading.
///
/// Build it with [`Inventory::load`] (files and directories of AWS CLI JSON and
/// `terraform show -json` output), [`Inventory::load_snapshots`] (inputs with capture times) or
/// an [`InventoryBuilder`].
#[derive(Clone, Debug, Default)]
pub struct Inventory {
    groups: Vec<SecurityGroup>,
    rules: Vec<Rule>,
    enis: Vec<NetworkInterface>,
    prefix_lists: Vec<PrefixList>,
    vpc_cidrs: Vec<Cidr>,
    loose_vpc_cidrs: Vec<Cidr>,
    internal_cidrs: Vec<Cidr>,
    vpcs: Vec<Vpc>,
    subnets: Vec<Subnet>,
    peerings: Vec<VpcPeering>,
    network_acls: Vec<NetworkAcl>,
    flow_logs: Vec<FlowLogConfig>,
    load_balancers: Vec<LoadBalancer>,
    target_groups: Vec<TargetGroup>,
    findings: Vec<Finding>,
    rule_ids: HashMap<String, u32>,
}

impl Inventory {
    /// Loads every path: a file is read whatever its name; a directory is walked recursively in
    /// sorted order, reading its `*.json` files and skipping hidden entries (names starting with
    /// `.`). A JSON file inside a directory whose content is not recognised is skipped with an
    /// `unrecognised_file` finding; a file given explicitly must be recognised.
    ///
    /// # Errors
    ///
    /// When a path cannot be read, a file is not JSON, a required field is missing, or a file
    /// given explicitly is not an inventory file. The error names the file and the JSON path.
    pub fn load<P: AsRef<Path>>(paths: &[P]) -> Result<Inventory> {
        let mut builder = InventoryBuilder::new();
        for p in paths {
            builder.add_path(p)?;
        }
        Ok(builder.build())
    }

    /// Loads inputs with their capture times (`2025-04-01=dir/`, or undated `dir/`; see the
    /// crate documentation, "Time").
    ///
    /// # Errors
    ///
    /// As [`Inventory::load`].
    pub fn load_snapshots(specs: &[SnapshotSpec]) -> Result<Inventory> {
        let mut builder = InventoryBuilder::new();
        for s in specs {
            builder.add_spec(s)?;
        }
        Ok(builder.build())
    }

    /// Every security group, sorted by id.
    pub fn security_groups(&self) -> &[SecurityGroup] {
        &self.groups
    }

    /// Every exploded rule; a [`RuleIdx`](crate::RuleIdx) indexes this slice.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Every network interface version, sorted by (id, start of validity); the versions of one
    /// id never overlap. A [`EniIdx`](crate::EniIdx) indexes this slice.
    pub fn network_interfaces(&self) -> &[NetworkInterface] {
        &self.enis
    }

    /// Every prefix list, sorted by id.
    pub fn prefix_lists(&self) -> &[PrefixList] {
        &self.prefix_lists
    }

    /// The CIDRs of every VPC and subnet loaded, with or without a VPC id (sorted, without
    /// duplicates).
    pub fn vpc_cidrs(&self) -> &[Cidr] {
        &self.vpc_cidrs
    }

    /// VPC CIDRs whose VPC is not known (a `describe-vpcs` entry without an id, a program's
    /// [`add_vpc_cidr`](InventoryBuilder::add_vpc_cidr)), sorted.
    pub fn loose_vpc_cidrs(&self) -> &[Cidr] {
        &self.loose_vpc_cidrs
    }

    /// The ranges named on-premises ([`InventoryBuilder::add_internal_cidr`]), sorted.
    pub fn internal_cidrs(&self) -> &[Cidr] {
        &self.internal_cidrs
    }

    /// Every VPC, sorted by id (a VPC known only from its subnets has their CIDRs).
    pub fn vpcs(&self) -> &[Vpc] {
        &self.vpcs
    }

    /// Every subnet, sorted by id.
    pub fn subnets(&self) -> &[Subnet] {
        &self.subnets
    }

    /// Every VPC peering connection, sorted by id.
    pub fn vpc_peerings(&self) -> &[VpcPeering] {
        &self.peerings
    }

    /// Every network ACL, sorted by id.
    pub fn network_acls(&self) -> &[NetworkAcl] {
        &self.network_acls
    }

    /// The network ACL of a subnet: the one associated with it, else its VPC's default ACL.
    pub fn network_acl_of_subnet(&self, subnet_id: &str) -> Option<&NetworkAcl> {
        let vpc = self
            .subnets
            .binary_search_by(|s| s.id.as_str().cmp(subnet_id))
            .ok()
            .and_then(|i| self.subnets.get(i))
            .and_then(|s| s.vpc_id.as_deref());
        let i = nacl_of_subnet(&self.network_acls, subnet_id, vpc)?;
        self.network_acls.get(i as usize)
    }

    /// Every flow-log configuration, sorted by id.
    pub fn flow_logs(&self) -> &[FlowLogConfig] {
        &self.flow_logs
    }

    /// Every load balancer, sorted by ARN.
    pub fn load_balancers(&self) -> &[LoadBalancer] {
        &self.load_balancers
    }

    /// Every target group, sorted by ARN, with its targets and attributes when loaded.
    pub fn target_groups(&self) -> &[TargetGroup] {
        &self.target_groups
    }

    /// The validation findings, in the order they were found.
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// The group with this id.
    pub fn group(&self, group_id: &str) -> Option<&SecurityGroup> {
        self.groups
            .binary_search_by(|g| g.id.as_str().cmp(group_id))
            .ok()
            .and_then(|i| self.groups.get(i))
    }

    /// The latest version of the network interface with this id.
    pub fn network_interface(&self, eni_id: &str) -> Option<&NetworkInterface> {
        self.network_interface_versions(eni_id).last()
    }

    /// Every version of the network interface with this id, in time order.
    pub fn network_interface_versions(&self, eni_id: &str) -> &[NetworkInterface] {
        let start = self.enis.partition_point(|e| e.id.as_str() < eni_id);
        let end = self.enis.partition_point(|e| e.id.as_str() <= eni_id);
        self.enis.get(start..end).unwrap_or(&[])
    }

    /// The prefix list with this id.
    pub fn prefix_list(&self, id: &str) -> Option<&PrefixList> {
        self.prefix_lists
            .binary_search_by(|p| p.id.as_str().cmp(id))
            .ok()
            .and_then(|i| self.prefix_lists.get(i))
    }

    /// The index and rule with this id (`sgr-…` or derived `sgr~…`).
    pub fn rule_by_id(&self, rule_id: &str) -> Option<(crate::RuleIdx, &Rule)> {
        let i = *self.rule_ids.get(rule_id)?;
        self.rules.get(i as usize).map(|r| (crate::RuleIdx(i), r))
    }

    /// The rules of one group, in inventory order.
    pub fn rules_of_group<'a>(&'a self, group_id: &'a str) -> impl Iterator<Item = &'a Rule> + 'a {
        // Rules are sorted by group id first, so the group's rules are one contiguous run.
        let start = self
            .rules
            .partition_point(|r| r.group_id.as_str() < group_id);
        self.rules
            .get(start..)
            .unwrap_or(&[])
            .iter()
            .take_while(move |r| r.group_id == group_id)
    }
}

/// The value of a required field, or a [`Error::MissingField`] naming it.
fn req<T>(file: &Path, value: Option<T>, json_path: impl FnOnce() -> String) -> Result<T> {
    value.ok_or_else(|| Error::MissingField {
        path: file.to_owned(),
        json_path: json_path(),
    })
}

/// A required id: present, and not empty or blank (an id that names nothing cannot be matched,
/// kept apart from others, or reported).
fn req_id(
    file: &Path,
    value: Option<String>,
    json_path: impl FnOnce() -> String,
) -> Result<String> {
    match value {
        Some(id) if id.trim().is_empty() => Err(Error::InvalidValue {
            path: file.to_owned(),
            json_path: json_path(),
            message: format!("empty id {id:?}"),
        }),
        value => req(file, value, json_path),
    }
}

/// `file: location` of a rule's first source.
fn first_source(rule: &Rule) -> Option<String> {
    rule.sources
        .first()
        .map(|s| format!("{}: {}", s.file.display(), s.location))
}

/// `file: location`, the `source` of a finding.
fn at(file: &Path, location: &str) -> Option<String> {
    Some(format!("{}: {location}", file.display()))
}

#[cfg(test)]
mod tests;
