//! The declared network of an AWS account — security groups, their rules, network interfaces
//! (ENIs), managed prefix lists, and around them VPCs, subnets, peering connections, network
//! ACLs, load balancers and flow-log configurations, over time — and a compiled matcher that says
//! which rules allow a flow.
//!
//! flowsieve-sg knows nothing about flow-log text: it reads what the AWS CLI, AWS Config and
//! Terraform print, and answers questions asked with fixed-width addresses ([`Addr`], the same 16
//! octets flowsieve-log stores). The matching contract is docs/semantics.md of the repository;
//! the AWS facts it relies on are in docs/security-groups.md.
//!
//! # Three steps
//!
//! 1. **Load** an [`Inventory`] from files and directories ([`Inventory::load`]; with capture
//!    times, [`Inventory::load_snapshots`]), or assemble one with an [`InventoryBuilder`].
//!    Problems with the content become [`Finding`]s; only unreadable input is an [`Error`].
//! 2. **Compile** it once into a [`CompiledMatcher`] (`Send + Sync`).
//! 3. **Ask**, per flow: [`CompiledMatcher::resolve_address`] says which ENI version held the
//!    remote address (in the recording ENI's VPC scope, at the record's time);
//!    [`CompiledMatcher::matching_rules`] returns every rule that allows the flow, the ICMP rules
//!    that can be neither confirmed nor refuted, and the narrowest match;
//!    [`CompiledMatcher::peer_class`] says where the remote address lies.
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
//! let peer = Addr::from_ip("10.0.21.10".parse().unwrap());
//! // Group peers match by the ENI holding the remote address, looked up in the backend's VPC.
//! let remote = matcher.resolve_address(matcher.eni_vpc(eni), peer, None).eni();
//! let query = FlowQuery { direction: Direction::Egress, protocol: 6, port: 3306, peer, remote, at: None };
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
//! | `Vpcs`, `Subnets` | `aws ec2 describe-vpcs`, `describe-subnets` | [`Vpc`]s and [`Subnet`]s with their CIDRs (what is "internal") |
//! | `StaleSecurityGroupSet` | `aws ec2 describe-stale-security-groups` | marks stale group references |
//! | `VpcPeeringConnections` | `aws ec2 describe-vpc-peering-connections` | [`VpcPeering`]s: status, both sides' VPCs and CIDRs; a reference through one that is over is stale |
//! | `NetworkAcls` | `aws ec2 describe-network-acls` | [`NetworkAcl`]s with their subnets and entries, and [`NetworkAcl::evaluate`] |
//! | `FlowLogs` | `aws ec2 describe-flow-logs` | [`FlowLogConfig`]s: covered resource, [`TrafficType`], format, aggregation interval, destination, creation time |
//! | `LoadBalancers` | `aws elbv2 describe-load-balancers` | [`LoadBalancer`]s: type, scheme, VPC, subnets, security groups |
//! | `TargetGroups` | `aws elbv2 describe-target-groups` | [`TargetGroup`]s: target type, protocol, port, load balancers |
//! | `TargetHealthDescriptions` | `aws elbv2 describe-target-health` | a target group's [`Target`]s (see below) |
//! | `Attributes` | `aws elbv2 describe-target-group-attributes` | `preserve_client_ip.enabled` (see below) |
//! | `configurationItems` | `aws configservice get-resource-config-history` | ENI and group history (see "Time") |
//! | `Results` | `aws configservice select-resource-config` | ENI and group items (see "Time") |
//! | `format_version` | `terraform show -json` (state or plan) | groups, rules, VPC CIDRs |
//!
//! **Prefix-list entries.** The output of `get-managed-prefix-list-entries` does not say which
//! list it belongs to. flowsieve accepts either a file whose name contains the list id
//! (`pl-` + hex digits at a word boundary, e.g. `get-managed-prefix-list-entries-pl-0123abcd.json`
//! or `pl-0123abcd.json`; this is what `flowsieve generate` writes), or the wrapper
//! `{"PrefixListId": "pl-…", "Entries": [...]}`. The wrapper wins when both are present.
//!
//! **Target health and attributes.** Neither output names its target group: flowsieve takes it
//! from the wrapper `{"TargetGroupArn": "arn:…", "TargetHealthDescriptions": […]}` (or
//! `"Attributes"`), or from a file name carrying the group's id, the 16 hex digits ending its ARN
//! (`describe-target-health-73e2d6bc24d8a067.json`); the group may be loaded from any file.
//! `Attributes` whose keys are a load balancer's (`deletion_protection.enabled`, …) are not
//! inventory input.
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
//! # Time
//!
//! A network changes during the window its flow logs cover: ENIs come and go, rules are added.
//! So [`Inventory::network_interfaces`] holds ENI **versions** (each with its
//! [`valid`](NetworkInterface::valid) [`Interval`], half-open, unix seconds) and every rule has
//! [`lifetimes`](Rule::lifetimes). Two inputs carry time:
//!
//! * **Dated snapshots** ([`InventoryBuilder::add_snapshot`], [`SnapshotSpec`] `2025-04-01=dir/`):
//!   each snapshot's state holds from its capture time until the next snapshot's; the first
//!   extends back and the last forward without bound. What a snapshot does not hold did not exist
//!   then — unless the snapshot holds nothing of that kind (no ENIs at all, say), in which case it
//!   says nothing about that kind. Undated input holds at all times and counts as part of every
//!   snapshot; with undated input only, every version and lifetime is [`Interval::ALWAYS`] and
//!   nothing depends on time.
//! * **AWS Config items** of `AWS::EC2::NetworkInterface` and `AWS::EC2::SecurityGroup`: each holds
//!   from its capture time until the next item of the same resource; `ResourceDeleted` (and
//!   `ResourceNotRecorded`, `ResourceDeletedNotRecorded`) ends it; the first holds from the
//!   resource's creation time when given. From its first item on, a resource's history is followed
//!   rather than snapshots. An item without a capture time describes the resource like current
//!   `describe-…` output.
//!
//! A program adds values with a time of their own by setting `valid` or `lifetimes` before
//! [`InventoryBuilder::add_network_interface`] / [`InventoryBuilder::add_rule`].
//! [`CompiledMatcher::epoch_boundaries`] cuts time where rules appear or go.
//!
//! # Scope
//!
//! VPCs reuse address ranges (every default VPC is 172.31.0.0/16), so addresses are looked up per
//! VPC: the recording ENI's ([`CompiledMatcher::eni_vpc`]) and the VPCs peered with it by an
//! active connection; ENIs without a VPC id are visible from every VPC, and a lookup without a VPC
//! sees all. [`CompiledMatcher::peer_class`] classes a remote address [`PeerClass::Internal`],
//! [`PeerClass::Peered`], [`PeerClass::OnPrem`] (ranges given to
//! [`InventoryBuilder::add_internal_cidr`]), [`PeerClass::PrivateExternal`] or
//! [`PeerClass::External`]. The matcher also says which [`NetworkAcl`] guards an ENI's subnet
//! ([`CompiledMatcher::nacl_of`]), which [`FlowLogConfig`]s capture an ENI
//! ([`CompiledMatcher::flow_logs_of`]), which [`LoadBalancer`] an ENI is a node of, and which ENIs
//! a target group sends traffic to.
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
//! and never matches ([`CompiledMatcher::peer_resolved`] tells which rules are in that state); an
//! ENI carrying an unknown group (`unknown_eni_group`), an invalid CIDR, port range or protocol
//! (the rule is dropped), duplicate ids, stale peerings, a referenced group no ENI carries
//! (`group_without_enis`), an address held by several ENIs over time (`address_moved`), VPCs with
//! overlapping CIDRs (`overlapping_vpc_cidrs`) — all are [`Finding`]s. See [`FindingCode`] for the
//! codes.
//!
//! # Matching, in one paragraph
//!
//! A flow matches a rule when the rule is alive at the flow's time ([`FlowQuery::at`]; `None`:
//! any rule), the direction agrees, the rule's protocol is `-1` or the flow's, for TCP/UDP the
//! destination port is in the range, and the peer contains the remote: a CIDR by prefix (IPv4
//! blocks never contain IPv6 addresses and vice versa), a prefix list by its entries, a group when
//! the ENI version holding the remote address ([`FlowQuery::remote`], which the caller resolves
//! with [`CompiledMatcher::resolve_address`]: private addresses and delegated prefixes only, never
//! public IPs) carries the group and the reference is not stale. ICMP rules for all types match
//! any ICMP record of their family; rules for one ICMP type are returned apart, in
//! [`RuleMatches::icmp_type_unknown`], since flow logs carry no ICMP type. `NaiveMatcher` (behind
//! the `oracle` feature: the matcher benchmark's peer) is this paragraph as a loop, and the
//! oracle of the tests; it is not part of the API an analysis uses.
#![forbid(unsafe_code)]

mod addr;
mod document;
mod dto;
mod error;
/// The fuzzing entry point of the loaders (`fuzz/`); not part of the API.
#[doc(hidden)]
pub mod fuzzing;
mod load;
mod matcher;
mod model;
#[cfg(any(test, feature = "oracle"))]
mod naive;

pub use addr::{Addr, Cidr, CidrParseError};
pub use document::{
    FindingEntry, GroupEntry, InterfaceEntry, InventoryCounts, InventoryDocument, PrefixListEntry,
    RuleEntry, SourceEntry,
};
pub use error::{Error, Result};
pub use load::{Inventory, InventoryBuilder, InventoryFiles, SnapshotSpec, SnapshotSpecError};
pub use matcher::{
    AddressOwner, CompiledMatcher, EniIdx, EpochIdx, FlowQuery, GroupSetIdx, RuleIdx, RuleMatches,
    SubnetIdx, VpcIdx,
};
pub use model::{
    Direction, EniKind, Finding, FindingCode, FlowLogConfig, FlowLogDestinationType,
    FlowLogResource, Interval, LoadBalancer, LoadBalancerScheme, LoadBalancerType, NaclAction,
    NaclDecision, NaclEntry, NetworkAcl, NetworkInterface, Peer, PeerClass, PeeringStatus,
    PeeringVpc, PortSpec, PrefixList, Protocol, Rule, RuleId, RuleSource, SecurityGroup, Severity,
    SourceKind, Subnet, Target, TargetGroup, TargetType, TrafficType, Vpc, VpcPeering,
    format_timestamp, parse_timestamp,
};
/// The reference matcher (feature `oracle`): the test oracle and the benchmark's peer.
#[cfg(any(test, feature = "oracle"))]
pub use naive::NaiveMatcher;
