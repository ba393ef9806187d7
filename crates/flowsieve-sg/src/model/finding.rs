//! Validation findings: their typed codes, severities and messages.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How serious a finding is. Neither stops loading.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// Something to check; the inventory is complete as far as it goes.
    Warning,
    /// Something was dropped (an invalid rule or address) or cannot be evaluated.
    Error,
}

impl Severity {
    /// `"warning"` or `"error"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The stable, machine-readable code of a [`Finding`] (serialised as its `snake_case` name, the
/// string [`FindingCode::as_str`] returns). Each code has one [`Severity`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FindingCode {
    /// A rule references a security group that is not in the inventory (another account, a peer
    /// VPC, or a group whose description was not loaded): the rule never matches.
    UnresolvedGroupPeer,
    /// A rule references a group across a VPC peering connection that is deleted: the rule is
    /// stale and never matches.
    StalePeering,
    /// A rule references a prefix list whose entries were not loaded: the rule never matches.
    UnexpandedPrefixList,
    /// A network interface carries a group that is not in the inventory: its rules are unknown.
    UnknownEniGroup,
    /// A group has rules but no description (name, VPC) was loaded for it.
    GroupNotDescribed,
    /// A CIDR block could not be parsed, or is of the wrong address family for its field; the
    /// rule, entry or VPC block is dropped.
    InvalidCidr,
    /// A CIDR block has host bits set; it is read as its network.
    NonCanonicalCidr,
    /// A port range or ICMP type/code is invalid for the rule's protocol; the rule is dropped.
    InvalidPorts,
    /// A protocol is neither `-1`, a known name nor a number 0–255; the rule is dropped.
    InvalidProtocol,
    /// An address of a network interface could not be parsed; it is ignored.
    InvalidAddress,
    /// A value has a type or content the loader cannot use (e.g. a Terraform rule `type` that is
    /// neither `ingress` nor `egress`); the item is skipped.
    InvalidValue,
    /// The same id is described more than once, or one rule id names two different rules.
    DuplicateId,
    /// Two inputs give the same rule two different `sgr-` ids; the first is kept.
    ConflictingRuleId,
    /// A Terraform plan value is unknown until apply; the item is skipped.
    TerraformUnknownValue,
    /// A JSON file inside a directory is not an inventory file; it is skipped.
    UnrecognisedFile,
    /// Nothing was loaded at all.
    EmptyInput,
    /// A group that rules reference is carried by no network interface in the inventory (at any
    /// time): its members are unknown — interfaces that are gone, or that were not loaded.
    GroupWithoutEnis,
    /// A private address was held by different network interfaces at different times; records
    /// are matched against the one that held it at their time.
    AddressMoved,
    /// Two loaded VPCs have overlapping CIDR blocks; their addresses are never mixed (lookups
    /// stay within the recording interface's VPC and its peers).
    OverlappingVpcCidrs,
    /// Snapshots and AWS Config history disagree: a rule is in snapshots taken after its group's
    /// history begins but in none of its items (the history is followed).
    InventoryHistoryGap,
    /// Targets or attributes name a target group that is not loaded; they are ignored.
    UnknownTargetGroup,
    /// AWS Config items of a resource type flowsieve does not read were skipped.
    UnsupportedConfigItem,
}

impl FindingCode {
    /// The code as written in reports and messages (`"unresolved_group_peer"`, …).
    pub fn as_str(&self) -> &'static str {
        match self {
            FindingCode::UnresolvedGroupPeer => "unresolved_group_peer",
            FindingCode::StalePeering => "stale_peering",
            FindingCode::UnexpandedPrefixList => "unexpanded_prefix_list",
            FindingCode::UnknownEniGroup => "unknown_eni_group",
            FindingCode::GroupNotDescribed => "group_not_described",
            FindingCode::InvalidCidr => "invalid_cidr",
            FindingCode::NonCanonicalCidr => "non_canonical_cidr",
            FindingCode::InvalidPorts => "invalid_ports",
            FindingCode::InvalidProtocol => "invalid_protocol",
            FindingCode::InvalidAddress => "invalid_address",
            FindingCode::InvalidValue => "invalid_value",
            FindingCode::DuplicateId => "duplicate_id",
            FindingCode::ConflictingRuleId => "conflicting_rule_id",
            FindingCode::TerraformUnknownValue => "terraform_unknown_value",
            FindingCode::UnrecognisedFile => "unrecognised_file",
            FindingCode::EmptyInput => "empty_input",
            FindingCode::GroupWithoutEnis => "group_without_enis",
            FindingCode::AddressMoved => "address_moved",
            FindingCode::OverlappingVpcCidrs => "overlapping_vpc_cidrs",
            FindingCode::InventoryHistoryGap => "inventory_history_gap",
            FindingCode::UnknownTargetGroup => "unknown_target_group",
            FindingCode::UnsupportedConfigItem => "unsupported_config_item",
        }
    }

    /// The severity of every finding with this code: [`Severity::Error`] when something was
    /// dropped, [`Severity::Warning`] otherwise.
    pub fn severity(&self) -> Severity {
        match self {
            FindingCode::InvalidCidr
            | FindingCode::InvalidPorts
            | FindingCode::InvalidProtocol
            | FindingCode::InvalidAddress
            | FindingCode::InvalidValue => Severity::Error,
            _ => Severity::Warning,
        }
    }
}

impl fmt::Display for FindingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A validation finding: something a user should check before trusting an analysis.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// Warning or error (always `code.severity()`).
    pub severity: Severity,
    /// Stable machine-readable code.
    pub code: FindingCode,
    /// A sentence for people.
    pub message: String,
    /// Where: `file: json-path` or `file: terraform address`, when known.
    pub source: Option<String>,
    /// What: the rule, group, ENI or prefix list id concerned, when there is one.
    pub subject: Option<String>,
}

impl Finding {
    /// A finding of `code`, with the code's severity.
    pub fn new(
        code: FindingCode,
        message: String,
        source: Option<String>,
        subject: Option<&str>,
    ) -> Finding {
        Finding {
            severity: code.severity(),
            code,
            message,
            source,
            subject: subject.map(str::to_owned),
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}] {}", self.severity, self.code, self.message)?;
        if let Some(src) = &self.source {
            write!(f, " ({src})")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialise_as_their_snake_case_names() {
        let all = [
            FindingCode::UnresolvedGroupPeer,
            FindingCode::StalePeering,
            FindingCode::UnexpandedPrefixList,
            FindingCode::UnknownEniGroup,
            FindingCode::GroupNotDescribed,
            FindingCode::InvalidCidr,
            FindingCode::NonCanonicalCidr,
            FindingCode::InvalidPorts,
            FindingCode::InvalidProtocol,
            FindingCode::InvalidAddress,
            FindingCode::InvalidValue,
            FindingCode::DuplicateId,
            FindingCode::ConflictingRuleId,
            FindingCode::TerraformUnknownValue,
            FindingCode::UnrecognisedFile,
            FindingCode::EmptyInput,
            FindingCode::GroupWithoutEnis,
            FindingCode::AddressMoved,
            FindingCode::OverlappingVpcCidrs,
            FindingCode::InventoryHistoryGap,
            FindingCode::UnknownTargetGroup,
            FindingCode::UnsupportedConfigItem,
        ];
        for code in all {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert_eq!(serde_json::from_str::<FindingCode>(&json).unwrap(), code);
            assert_eq!(code.to_string(), code.as_str());
        }
        assert_eq!(FindingCode::InvalidCidr.severity(), Severity::Error);
        assert_eq!(FindingCode::DuplicateId.severity(), Severity::Warning);
    }
}
