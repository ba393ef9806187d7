//! The declared network of an AWS account — security groups, their rules, network interfaces
//! (ENIs) and managed prefix lists — and a compiled matcher that says which rules allow a flow.
//!
//! flowsieve-sg knows nothing about flow-log text: it reads what the AWS CLI and Terraform print,
//! and answers questions asked with fixed-width addresses ([`Addr`], the same 16 octets
//! flowsieve-log stores). The matching contract is docs/semantics.md of the repository.
//!
//! # Three steps
//!
//! 1. **Load** an [`Inventory`] from files and directories ([`Inventory::load`]), or assemble one
//!    with an [`InventoryBuilder`]. Problems with the content become [`Finding`]s; only
//!    unreadable input is an [`Error`].
//! 2. **Compile** it once into a [`CompiledMatcher`] (`Send + Sync`).
//! 3. **Ask**, per flow: [`CompiledMatcher::matching_rules`] returns every rule that allows it,
//!    the ICMP rules that can be neither confirmed nor refuted, and the narrowest match.
//!
//! # Example: load a directory of AWS CLI JSON and ask a question
//!
//! ```
//! use flowsieve_sg::{Addr, CompiledMatcher, Direction, FlowQuery, Inventory};
//!
//! // The fixture network of the repository: ALB → Nginx → backend → model servers, RDS, EFS.
//! let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/network/aws");
//! let inventory = Inventory::load(&[dir])?;
//! for f in inventory.findings() {
//!     println!("{f}"); // e.g. warning [unresolved_group_peer] rule sgr-… references …
//! }
//!
//! let matcher = CompiledMatcher::new(&inventory);
//! // A backend instance (eni-0b5e0000000000001, group afirgen-backend) opens a MySQL connection
//! // to the RDS interface at 10.0.21.10: which egress rule allows it?
//! let eni = matcher.eni_index("eni-0b5e0000000000001").expect("ENI in the fixture");
//! let query = FlowQuery {
//!     direction: Direction::Egress,
//!     protocol: 6,
//!     port: 3306,
//!     peer: Addr::from_ip("10.0.21.10".parse().unwrap()),
//! };
//! let mut matches = matcher.new_matches(); // reusable buffers: queries never allocate
//! matcher.matching_rules(matcher.eni_group_set(eni), &query, &mut matches);
//! let rule = matcher.rule(matches.narrowest().expect("allowed"));
//! assert_eq!((rule.protocol.name(), rule.from_port(), rule.peer_string()),
//!            ("tcp".to_owned(), 3306, "sg-0a1b2c3d4e5f60006".to_owned()));
//! println!("allowed by {} ({})", rule.id, rule.description.as_deref().unwrap_or(""));
//! # Ok::<(), flowsieve_sg::Error>(())
//! ```
//!
//! # Inputs
//!
//! A file's kind is recognised by its top-level key, never by its name; several keys in one
//! object are all read. A file may hold one response or a JSON array of responses (pages, as
//! `--no-paginate` loops produce). Unknown fields are ignored; a missing required field is an
//! [`Error`] naming the file and JSON path (`SecurityGroups[3].IpPermissions[0].IpProtocol`).
//!
//! | top-level key | command | gives |
//! |---|---|---|
//! | `SecurityGroups` | `aws ec2 describe-security-groups` | groups and their rules (each peer of an IpPermission is one rule) |
//! | `SecurityGroupRules` | `aws ec2 describe-security-group-rules` | rules with their `sgr-` ids |
//! | `NetworkInterfaces` | `aws ec2 describe-network-interfaces` | ENIs: addresses, prefixes, groups |
//! | `PrefixLists` | `aws ec2 describe-managed-prefix-lists` | prefix lists (name, family, version) |
//! | `Entries` | `aws ec2 get-managed-prefix-list-entries` | a prefix list's CIDRs (see below) |
//! | `Vpcs`, `Subnets` | `aws ec2 describe-vpcs`, `describe-subnets` | VPC CIDRs (what is "internal") |
//! | `StaleSecurityGroupSet` | `aws ec2 describe-stale-security-groups` | marks stale group references |
//! | `format_version` | `terraform show -json` (state or plan) | groups, rules, VPC CIDRs |
//!
//! **Prefix-list entries.** The output of `get-managed-prefix-list-entries` does not say which
//! list it belongs to. flowsieve accepts either a file whose name contains the list id
//! (`pl-` + hex digits at a word boundary, e.g. `get-managed-prefix-list-entries-pl-0123abcd.json`
//! or `pl-0123abcd.json`; this is what `flowsieve generate` writes), or the wrapper
//! `{"PrefixListId": "pl-…", "Entries": [...]}`. The wrapper wins when both are present.
//!
//! **Terraform.** From `values.root_module` (state) or `planned_values.root_module` (plan),
//! recursively through `child_modules`: `aws_security_group` and `aws_default_security_group`
//! (inline `ingress`/`egress`), `aws_security_group_rule`,
//! `aws_vpc_security_group_ingress_rule`/`_egress_rule`, and `aws_vpc` CIDRs. Data sources are
//! ignored. Values unknown in a plan are reported (`terraform_unknown_value`) and skipped.
//!
//! Directories are walked recursively in sorted order; only `*.json` files are read and hidden
//! entries are skipped. A JSON file in a directory that is not an inventory file is skipped with
//! an `unrecognised_file` finding; a file named explicitly must be recognised.
//!
//! # Rules: one per peer, one id, all sources
//!
//! Every [`Rule`] is one (group, direction, protocol, ports, peer). Its [`RuleId`] is the AWS
//! `sgr-…` id when the rules listing (or a Terraform `security_group_rule_id`) gives one — an
//! IpPermissions entry is matched to it by the normalised tuple (protocol names and numbers,
//! absent / `-1` / `0` ports of all-protocol rules, canonical CIDRs) — and otherwise a derived
//! `sgr~` + 16 hex digits hash of that tuple, which stays the same when other rules are added.
//! Descriptions of the same rule from AWS JSON and Terraform become one rule with every
//! [`RuleSource`], so a report can show drift between them.
//!
//! # Findings
//!
//! Loading never stops on content: a rule referencing a group that is not loaded
//! (`unresolved_group_peer`) or a prefix list without entries (`unexpanded_prefix_list`) is kept
//! and never matches ([`CompiledMatcher::peer_resolved`] tells which rules are in that state); an ENI carrying an unknown group (`unknown_eni_group`), an invalid CIDR,
//! port range or protocol (the rule is dropped), duplicate ids, stale peerings — all are
//! [`Finding`]s. See [`FindingCode`] for the codes.
//!
//! # Matching, in one paragraph
//!
//! A flow matches a rule when the direction agrees, the rule's protocol is `-1` or the flow's,
//! for TCP/UDP the destination port is in the range, and the peer contains the remote address:
//! a CIDR by prefix (IPv4 blocks never contain IPv6 addresses and vice versa), a group by every
//! private address and delegated prefix of every ENI carrying it (never public IPs), a prefix
//! list by its entries. ICMP rules for all types match any ICMP record of their family; rules for
//! one ICMP type are returned apart, in [`RuleMatches::icmp_type_unknown`], since flow logs carry
//! no ICMP type. [`NaiveMatcher`] is this paragraph as a loop, and the oracle of the tests.
#![forbid(unsafe_code)]

mod addr;
mod dto;
mod error;
mod load;
mod matcher;
mod model;
mod naive;

pub use addr::{Addr, Cidr, CidrParseError};
pub use error::{Error, Result};
pub use load::{Inventory, InventoryBuilder, SnapshotSpec, SnapshotSpecError};
pub use matcher::{CompiledMatcher, EniIdx, FlowQuery, GroupSetIdx, RuleIdx, RuleMatches};
pub use model::{
    Direction, EniKind, Finding, FindingCode, FlowLogConfig, FlowLogDestinationType,
    FlowLogResource, Interval, LoadBalancer, LoadBalancerScheme, LoadBalancerType, NaclAction,
    NaclDecision, NaclEntry, NetworkAcl, NetworkInterface, Peer, PeeringStatus, PeeringVpc,
    PortSpec, PrefixList, Protocol, Rule, RuleId, RuleSource, SecurityGroup, Severity, SourceKind,
    Subnet, Target, TargetGroup, TargetType, TrafficType, Vpc, VpcPeering, format_timestamp,
    parse_timestamp,
};
pub use naive::NaiveMatcher;
