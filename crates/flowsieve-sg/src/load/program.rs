//! Model values a program adds to an [`InventoryBuilder`] (tests, generators, embedders that
//! already hold their network in memory).

use super::InventoryBuilder;
use crate::addr::Cidr;
use crate::model::{
    Finding, FindingCode, Interval, NetworkInterface, PrefixList, Rule, SecurityGroup, SourceKind,
    Subnet, Vpc, VpcPeering, derived_rule_id, normalize_ports,
};

impl InventoryBuilder {
    /// Adds (or merges) a security group. Its rules are added with [`InventoryBuilder::add_rule`].
    pub fn add_group(&mut self, group: SecurityGroup) -> &mut Self {
        self.describe_group(group, SourceKind::Program, None);
        self
    }

    /// Adds a rule (merged with any rule of the same tuple). Its ports are normalised as
    /// documented on [`PortSpec`](crate::PortSpec); a rule whose ports contradict its protocol
    /// is dropped with an `invalid_ports` finding. An `sgr-…` id is kept; any other id is
    /// replaced by the derived one. A rule whose `lifetimes` are not `[Interval::ALWAYS]` lives
    /// exactly then (merged with what snapshots say); otherwise it belongs to the current
    /// snapshot like a rule read from a file.
    pub fn add_rule(&mut self, mut rule: Rule) -> &mut Self {
        self.inputs += 1;
        match normalize_ports(rule.protocol, rule.ports) {
            Ok(p) => rule.ports = p,
            Err(msg) => {
                let g = rule.group_id.clone();
                self.findings.push(Finding::new(
                    FindingCode::InvalidPorts,
                    format!("{g}: {msg}; rule dropped"),
                    None,
                    Some(&g),
                ));
                return self;
            }
        }
        let aws_id = rule.id.is_aws().then(|| rule.id.0.clone());
        rule.id = derived_rule_id(
            &rule.group_id,
            rule.direction,
            rule.protocol,
            rule.ports,
            &rule.peer,
        );
        self.merge_rule(rule, None, aws_id);
        self
    }

    /// Adds a network interface. One with `valid` [`Interval::ALWAYS`] belongs to the current
    /// snapshot (the first of two with the same id in one snapshot is kept); one with another
    /// validity is that version of the ENI, as given.
    pub fn add_network_interface(&mut self, eni: NetworkInterface) -> &mut Self {
        self.inputs += 1;
        self.add_eni_at(eni, None);
        self
    }

    /// Adds a prefix list; `entries: None` means its entries are unknown.
    pub fn add_prefix_list(&mut self, list: PrefixList) -> &mut Self {
        self.inputs += 1;
        self.describe_prefix_list(list, None);
        self
    }

    /// Adds a VPC CIDR whose VPC is not known: internal seen from every VPC (see
    /// [`CompiledMatcher::peer_class`](crate::CompiledMatcher::peer_class)).
    pub fn add_vpc_cidr(&mut self, cidr: Cidr) -> &mut Self {
        self.inputs += 1;
        self.loose_vpc_cidrs.push(cidr);
        self
    }

    /// Adds a VPC (its id and CIDR blocks).
    pub fn add_vpc(&mut self, vpc: Vpc) -> &mut Self {
        self.inputs += 1;
        let id = vpc.id.clone();
        self.describe_latest(id, vpc, None);
        self
    }

    /// Adds a subnet.
    pub fn add_subnet(&mut self, subnet: Subnet) -> &mut Self {
        self.inputs += 1;
        let id = subnet.id.clone();
        self.describe_latest(id, subnet, None);
        self
    }

    /// Adds a VPC peering connection.
    pub fn add_vpc_peering(&mut self, peering: VpcPeering) -> &mut Self {
        self.inputs += 1;
        let id = peering.id.clone();
        self.describe_latest(id, peering, None);
        self
    }

    /// Names a range of on-premises (or otherwise known private) addresses: a remote address
    /// inside it is [`PeerClass::OnPrem`](crate::PeerClass::OnPrem) unless it is in the VPC or
    /// a peered one. Not an input by itself (an inventory of internal CIDRs only is empty).
    pub fn add_internal_cidr(&mut self, cidr: Cidr) -> &mut Self {
        self.internal_cidrs.push(cidr);
        self
    }
}

/// True when a program-given validity is "all of time" (the value a snapshot description has).
pub(super) fn is_timeless(lifetimes: &[Interval]) -> bool {
    matches!(lifetimes, [only] if only.is_always())
}
