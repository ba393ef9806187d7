//! The closed vocabularies of the report: rule statuses, the reasons a rule is `unknown`, peer
//! classes, the likely causes of refusals. Each is a typed enum that serialises to the stable
//! snake_case string documented in `docs/report-schema.md` and `docs/semantics.md`, and says in
//! words what it means ([`Reason::describe`]), so renderers never keep their own copies.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Implements `as_str`, `Display` and `ALL` for a fieldless enum from one table of
/// (variant, JSON string), so the string forms are written once.
macro_rules! vocabulary {
    ($name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// How many values there are.
            pub const COUNT: usize = $name::ALL.len();

            /// The position of this value in [`Self::ALL`].
            pub fn index(self) -> usize {
                self as usize
            }

            /// The stable snake_case form (the JSON string).
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = UnknownName;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == text)
                    .ok_or_else(|| UnknownName {
                        kind: stringify!($name),
                        text: text.to_owned(),
                    })
            }
        }
    };
}

/// A string that names no value of a report vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {text:?}")]
pub struct UnknownName {
    kind: &'static str,
    text: String,
}

/// What the logs say about a rule over the analysed window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleStatus {
    /// At least one initiating record, oriented on firm evidence, needed the rule.
    Used,
    /// Proven unused: no record credits it or could have credited it, every ENI carrying its
    /// group was observed with ACCEPT traffic captured for the whole window, and its peer set is
    /// completely known. Safe to act on.
    Unused,
    /// Not proven either way; [`RuleHits::reasons`](crate::RuleHits::reasons) says why.
    Unknown,
}

vocabulary!(RuleStatus {
    Used => "used",
    Unused => "unused",
    Unknown => "unknown",
});

/// Why a rule is `unknown` rather than `unused` (or `used`). Stable codes; `docs/semantics.md`
/// says what each means and what to do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Nothing at all was attributed in the window.
    NoAttributedRecords,
    /// Some records cannot be attributed (their format lacks interface-id, addresses or action,
    /// or their direction cannot be told): any rule could be concerned.
    UnattributableRecords,
    /// No ENI of the inventory carries the rule's group during the window.
    NoCarrierEnis,
    /// None of the ENIs carrying the group appears in the logs.
    NoLogsForGroup,
    /// Some carrier ENIs are not logged, or are logged for only part of the window.
    PartialCoverage,
    /// AWS dropped records (SKIPDATA) on a carrier ENI in the window.
    Skipdata,
    /// The carrier ENIs' flow logs capture REJECT traffic only (or no ACCEPT was seen in them).
    RejectOnlyCapture,
    /// The referenced group or prefix list is not in the inventory, or the reference is stale.
    UnresolvedPeer,
    /// The referenced group has no ENIs, or internal addresses no known ENI holds exchanged
    /// traffic the rule could have allowed (members that are gone or not loaded).
    PeerMembershipIncomplete,
    /// Records on ENIs missing from the inventory could have used the rule.
    UnknownEniTraffic,
    /// An ICMP type/code-specific rule that ICMP records could have matched (flow logs carry no
    /// ICMP type or code).
    IcmpTypeNotLogged,
    /// The only records that could credit it are ones whose initiator is a guess.
    WeakOrientation,
    /// Traffic forwarded by a Network Load Balancer with client IP preservation could have used
    /// it (the target sees client addresses).
    NlbClientIpPreservation,
    /// Traffic AWS never logs (for example between an interface endpoint and a Network Load
    /// Balancer) could use it.
    UnloggedPath,
    /// The rule makes flows untracked or carries the replies of untracked flows: removing it
    /// changes connection tracking and cuts established flows at once.
    UntrackedFlowDependency,
}

vocabulary!(Reason {
    NoAttributedRecords => "no_attributed_records",
    UnattributableRecords => "unattributable_records",
    NoCarrierEnis => "no_carrier_enis",
    NoLogsForGroup => "no_logs_for_group",
    PartialCoverage => "partial_coverage",
    Skipdata => "skipdata",
    RejectOnlyCapture => "reject_only_capture",
    UnresolvedPeer => "unresolved_peer",
    PeerMembershipIncomplete => "peer_membership_incomplete",
    UnknownEniTraffic => "unknown_eni_traffic",
    IcmpTypeNotLogged => "icmp_type_not_logged",
    WeakOrientation => "weak_orientation",
    NlbClientIpPreservation => "nlb_client_ip_preservation",
    UnloggedPath => "unlogged_path",
    UntrackedFlowDependency => "untracked_flow_dependency",
});

impl Reason {
    /// The reason in words, for tables and Markdown (one short clause, no final period).
    pub fn describe(self) -> &'static str {
        match self {
            Reason::NoAttributedRecords => "no record was attributed in the window",
            Reason::UnattributableRecords => {
                "some logs cannot be attributed to an ENI and direction"
            }
            Reason::NoCarrierEnis => "no ENI carries its group",
            Reason::NoLogsForGroup => "no ENI of its group is in the logs",
            Reason::PartialCoverage => "ENIs of its group are logged for part of the window only",
            Reason::Skipdata => "AWS dropped records (SKIPDATA) on ENIs of its group",
            Reason::RejectOnlyCapture => "its ENIs' flow logs capture REJECT traffic only",
            Reason::UnresolvedPeer => "its peer group or prefix list is not loaded or is stale",
            Reason::PeerMembershipIncomplete => {
                "members of its peer group are missing from the inventory"
            }
            Reason::UnknownEniTraffic => "ENIs missing from the inventory may have used it",
            Reason::IcmpTypeNotLogged => "flow logs do not record the ICMP type it allows",
            Reason::WeakOrientation => "who opened the connections that could use it is a guess",
            Reason::NlbClientIpPreservation => {
                "a Network Load Balancer forwarding client addresses may use it"
            }
            Reason::UnloggedPath => "traffic AWS does not log may use it",
            Reason::UntrackedFlowDependency => {
                "removing it changes connection tracking and cuts established flows"
            }
        }
    }

    /// What a user can do about it, in one sentence.
    pub fn advice(self) -> &'static str {
        match self {
            Reason::NoAttributedRecords => {
                "Check --since/--until and that the logs match the inventory's account."
            }
            Reason::UnattributableRecords => {
                "Use a log format with interface-id, srcaddr, dstaddr and action (or pass --log-format)."
            }
            Reason::NoCarrierEnis => {
                "Load an inventory from the analysed period (snapshots or AWS Config history)."
            }
            Reason::NoLogsForGroup => "Enable flow logs on the VPC, subnets or ENIs of the group.",
            Reason::PartialCoverage => {
                "Analyse a window in which every ENI of the group was logged, or log the missing ENIs."
            }
            Reason::Skipdata => "Re-run over a window without SKIPDATA, or accept the uncertainty.",
            Reason::RejectOnlyCapture => {
                "Add a flow log with TrafficType ALL or ACCEPT on the group's ENIs."
            }
            Reason::UnresolvedPeer => {
                "Load the referenced group or prefix list (its account's inventory), or fix the stale reference."
            }
            Reason::PeerMembershipIncomplete => {
                "Load inventory history (AWS Config) covering the window, or every VPC the group's members live in."
            }
            Reason::UnknownEniTraffic => {
                "Load inventory history (AWS Config) so gone ENIs and their groups are known."
            }
            Reason::IcmpTypeNotLogged => {
                "Flow logs cannot tell; keep the rule unless ICMP of that type is known to be unneeded."
            }
            Reason::WeakOrientation => {
                "Use a log format with tcp-flags, or a longer window so listeners can be learned."
            }
            Reason::NlbClientIpPreservation => {
                "Load describe-target-groups and describe-target-health so forwarded traffic is attributed exactly."
            }
            Reason::UnloggedPath => "Keep the rule: flow logs cannot show this traffic.",
            Reason::UntrackedFlowDependency => {
                "Keep the rule, or replace the untracked design deliberately (see docs/semantics.md)."
            }
        }
    }
}

/// Where a remote address lies, relative to the recording ENI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeerClass {
    /// The recording ENI's VPC: a known ENI, or inside that VPC's CIDRs.
    Internal,
    /// A CIDR of a VPC peered with the recording ENI's VPC.
    Peered,
    /// Inside a range the user declared internal (`--internal-cidr`): on-premises networks.
    OnPrem,
    /// A private address (RFC 1918, RFC 6598, IPv6 ULA) outside every loaded VPC: on-premises
    /// over VPN or Direct Connect, a Transit Gateway attachment, a VPC not loaded.
    PrivateExternal,
    /// Everything else: the internet.
    External,
}

vocabulary!(PeerClass {
    Internal => "internal",
    Peered => "peered",
    OnPrem => "on_prem",
    PrivateExternal => "private_external",
    External => "external",
});

impl PeerClass {
    /// True for the classes that are not the internet: traffic from them is a configuration
    /// matter, never scanner noise.
    pub fn is_private(self) -> bool {
        self != PeerClass::External
    }
}

/// The most likely reason a group of connection attempts was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LikelyCause {
    /// Private traffic no rule of the target's groups allows: usually a broken service.
    MissingRule,
    /// Only a network ACL can refuse it: the ENI carries no security groups (NAT gateway,
    /// Transit Gateway attachment), or a loaded network ACL entry denies it.
    Nacl,
    /// The target's groups allow it: a network ACL refused it, or the inventory is not what was
    /// deployed.
    NaclOrStaleInventory,
    /// Unsolicited traffic from the internet.
    UnsolicitedExternal,
    /// A source that probes many ports or many targets.
    Scan,
}

vocabulary!(LikelyCause {
    MissingRule => "missing_rule",
    Nacl => "nacl",
    NaclOrStaleInventory => "nacl_or_stale_inventory",
    UnsolicitedExternal => "unsolicited_external",
    Scan => "scan",
});

impl LikelyCause {
    /// The cause in a few words, for tables and Markdown.
    pub fn describe(self) -> &'static str {
        match self {
            LikelyCause::MissingRule => "missing rule",
            LikelyCause::Nacl => "NACL",
            LikelyCause::NaclOrStaleInventory => "NACL/stale",
            LikelyCause::UnsolicitedExternal => "internet",
            LikelyCause::Scan => "scan",
        }
    }
}

/// The traffic a flow log captures (its `TrafficType`: ACCEPT, REJECT, or both for ALL).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrafficType {
    /// Accepted traffic.
    Accept,
    /// Rejected traffic.
    Reject,
}

vocabulary!(TrafficType {
    Accept => "accept",
    Reject => "reject",
});

/// Something about the whole analysis a reader must know before trusting it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeCode {
    /// No record was attributed in the analysis window: no rule can be judged.
    NoAttributedRecords,
    /// Some records cannot be attributed; rules they could concern are `unknown`.
    UnattributableRecords,
    /// A flow log holds REJECT records but no ACCEPT: taken as capturing REJECT traffic only.
    RejectOnlyCaptureInferred,
    /// A flow log holds no REJECT record: it may capture ACCEPT traffic only, so the absence of
    /// hotspots does not mean nothing was refused.
    NoRejectsCaptured,
    /// A flow log's `tcp-flags` are absent: initiators are inferred from ports and listeners.
    NoTcpFlags,
}

vocabulary!(NoticeCode {
    NoAttributedRecords => "no_attributed_records",
    UnattributableRecords => "unattributable_records",
    RejectOnlyCaptureInferred => "reject_only_capture_inferred",
    NoRejectsCaptured => "no_rejects_captured",
    NoTcpFlags => "no_tcp_flags",
});

/// How serious an inventory finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Something to check.
    Warning,
    /// Something was dropped or cannot be evaluated.
    Error,
}

vocabulary!(Severity {
    Warning => "warning",
    Error => "error",
});

impl From<flowsieve_sg::Severity> for Severity {
    fn from(severity: flowsieve_sg::Severity) -> Self {
        match severity {
            flowsieve_sg::Severity::Warning => Severity::Warning,
            flowsieve_sg::Severity::Error => Severity::Error,
        }
    }
}

/// Serialises [`flowsieve_sg::Direction`] as `"ingress"` / `"egress"` (model types are not
/// serde types; the report is the serialised boundary).
pub(crate) mod direction_serde {
    use flowsieve_sg::Direction;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(d: &Direction, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(d.as_str())
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Direction, D::Error> {
        match <std::borrow::Cow<'de, str>>::deserialize(d)?.as_ref() {
            "ingress" => Ok(Direction::Ingress),
            "egress" => Ok(Direction::Egress),
            other => Err(serde::de::Error::unknown_variant(
                other,
                &["ingress", "egress"],
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_round_trip_through_serde_and_from_str() {
        for &reason in Reason::ALL {
            let json = serde_json::to_string(&reason).unwrap();
            assert_eq!(json, format!("\"{}\"", reason.as_str()));
            assert_eq!(serde_json::from_str::<Reason>(&json).unwrap(), reason);
            assert_eq!(reason.as_str().parse::<Reason>().unwrap(), reason);
            assert!(!reason.describe().ends_with('.'));
            assert!(reason.advice().ends_with('.'));
        }
        for &class in PeerClass::ALL {
            let json = serde_json::to_string(&class).unwrap();
            assert_eq!(serde_json::from_str::<PeerClass>(&json).unwrap(), class);
        }
        assert!("unsued".parse::<RuleStatus>().is_err());
    }
}
