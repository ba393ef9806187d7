//! Seeded synthetic VPC Flow Log archives with an AWS inventory and exact ground truth.
//!
//! `flowsieve-synth` writes an archive that looks like what an AWS account delivers — the
//! inventory as the AWS CLI prints it, gzip flow-log objects under the exact S3 key layout, for
//! two flow logs at once — together with `truth.json`, the right answer of the analysis
//! flowsieve performs (which security group rules the traffic uses, where it is rejected), so
//! that tests and benchmarks can score any analysis exactly. The truth is computed here by a
//! deliberately naive evaluation (a loop over the rules for every record), independent of the
//! flowsieve crates it is meant to check.
//!
//! The output is a pure function of [`GenerateConfig`]: the same bytes for the same
//! configuration, whatever the number of rayon threads.
//!
//! # Example
//!
//! ```no_run
//! use flowsieve_synth::{GenerateConfig, generate};
//!
//! let cfg = GenerateConfig::new("target/archive", 200_000, 7);
//! let summary = generate(&cfg)?;
//! println!("{} objects, {} records, truth in {}", summary.files, summary.records, summary.truth_path.display());
//! # Ok::<(), flowsieve_synth::Error>(())
//! ```
//!
//! # What is written
//!
//! * `DIR/inventory/`: `describe-security-groups.json`, `describe-security-group-rules.json`,
//!   `describe-network-interfaces.json`, `describe-managed-prefix-lists.json`,
//!   `get-managed-prefix-list-entries-<pl-id>.json` (one per list), `describe-vpcs.json`,
//!   `describe-subnets.json`.
//! * `DIR/logs/AWSLogs/…`: one gzip stream per object, header line first, under
//!   `AWSLogs/<account>/vpcflowlogs/<region>/YYYY/MM/DD/` ([`Layout::Plain`]) or the Hive-style
//!   `aws-account-id=…/aws-service=vpcflowlogs/aws-region=…/year=…/month=…/day=…/`
//!   ([`Layout::Hive`]), named `<account>_vpcflowlogs_<region>_<fl-id>_<YYYYMMDDTHHmmZ>_<hash8>.log.gz`.
//!   An object holds the records of one flow log whose `end` lies in one 5-minute window; a
//!   window larger than 8 MiB of text is split into several objects.
//! * `DIR/truth.json` (below), and with [`GenerateConfig::labels`] `DIR/labels/AWSLogs/….tsv`:
//!   one `<line>\t<class>` per line of the matching object, class ∈ `header`, `forward`,
//!   `reverse`, `nodata`, `skipdata`, `malformed`. Labels are as large as the logs uncompressed:
//!   meant for small archives (initiator-inference tests).
//!
//! # The simulated network
//!
//! One VPC (`10.x.0.0/16` and an IPv6 `/56`, 2 or 3 AZs by seed) combining the four seed
//! designs: internet → ALB (requester-managed ELB ENIs, one per AZ) → Nginx → main-backend
//! Fargate tasks → GGUF model and ASR servers, RDS MySQL, EFS, interface VPC endpoints; a
//! backup instance (RDS, S3 through the AWS-managed prefix list `com.amazonaws.us-east-1.s3`,
//! Secrets Manager); Lambda → MongoDB on Fargate → its own EFS; an ECS service behind a second
//! ALB; ECS container instances; a forgotten instance and a Jenkins box in the default group;
//! a legacy bastion open to `0.0.0.0/0` and `::/0`; a Prometheus/statsd host scraping and
//! pinging a shared monitoring group; a NAT gateway (no groups; its records carry the original
//! endpoints in `pkt-srcaddr`/`pkt-dstaddr`, docs/flow-logs.md §6); a reporting database in a
//! subnet neither flow log covers. Traffic is IPv4 and IPv6; TCP, UDP (DNS to a public resolver,
//! statsd, NTP) and ICMP; internet clients, brute-forcers and scanners (many sources, many
//! ports, 1–2 packets).
//!
//! Connections are simulated, and AWS is simulated too: a connection is ACCEPTed only when a
//! rule of the client's groups allows it out and a rule of the server's groups (and the server
//! subnet's network ACL) lets it in. An accepted intra-VPC connection leaves four records per
//! aggregation window (client egress and ingress-response, server ingress and egress-response),
//! an external end two, a NAT gateway four more; long connections span windows with `tcp-flags`
//! ORed per window and direction (SYN 2 / SYN-ACK 18 first, 0 in between, FIN 1 or RST 4 at the
//! close; 3 and 19 for a short one). A refused attempt leaves one REJECT per window on the target
//! (SYN retries as packets) and the client's egress ACCEPT, or an egress REJECT when the
//! client's own rules refuse it. Idle ENIs get NODATA lines (every covered ENI, every window
//! without a record), a few busy ones SKIPDATA lines (records are kept). Ephemeral ports:
//! 32768–60999 for instances and tasks, 1024–65535 for ALB, NAT, Lambda, endpoints and the
//! internet. The archive spans `max(1 h, records / 1000 s)` from a seed-chosen Monday of 2025;
//! rates are calibrated so that the archive holds about `records` records (within a few per
//! cent; `truth.json` has the exact counts).
//!
//! The two flow logs ([`FlowLogSpec`]) record the same ENIs and the same connections: the
//! default format with 10-minute aggregation, and a 29-field custom format with 1-minute
//! aggregation (so their record counts differ).
//!
//! # The truth (`truth.json`)
//!
//! The contract is `docs/semantics.md` of the repository ("What flowsieve counts"). Per flow
//! log: the object count; line counts by bucket (`header`, `records`, `nodata`, `skipdata`,
//! `blank`, `malformed`; they add up to `total`); every rule of the inventory sorted by rule id
//! with its status, reason, crediting `records`/`packets`/`bytes`, `possible_records`,
//! `first_seen`/`last_seen`; every REJECT hotspot in rank order; `other_rejects` (egress
//! REJECTs, reverse ingress REJECTs: counted, not hotspots); the malformed lines (file, 1-based
//! line, reason, field). Then the named traps and the seed variant. A record credits a rule when
//! it is an `OK` `ACCEPT` forward record on an ENI carrying the rule's group, in the rule's
//! direction, of the rule's protocol, with the destination port in range (TCP/UDP), and the
//! remote address (`pkt-*` when the format has them) inside the peer; every such rule is
//! credited. Choices where the contract leaves room, taken as AWS behaves:
//!
//! * Forward and reverse are the simulator's knowledge: the initiator's packets are forward in
//!   every window of the connection; a late response packet after the close, rejected on the
//!   client, is a reverse ingress REJECT (in `other_rejects`, not a hotspot).
//! * An ICMP rule for one type is `unknown` (`icmp_type_not_logged`) with the records that would
//!   match it otherwise in `possible_records`; its `records`, `packets`, `bytes` are 0 and its
//!   `first_seen`/`last_seen` null. (The simulated AWS still knows the echo type and accepts.)
//! * Reasons of `unknown`, when several hold: `unresolved_peer`, then `icmp_type_not_logged`,
//!   then `no_logs_for_group`. A group on no ENI at all is `no_logs_for_group`.
//! * `peer_class` is `internal` for addresses of inventory ENIs and VPC CIDRs; a peered VPC's
//!   hosts are `external`.
//! * On the recording ENI's own side, `srcaddr`/`dstaddr` show the primary private IPv4 when the
//!   packet used a secondary address or a delegated-prefix address (docs/flow-logs.md §6), and
//!   `pkt-srcaddr`/`pkt-dstaddr` the address really used; the remote side is always the real
//!   remote address. So `pkt-*` equal `srcaddr`/`dstaddr` except in those cases and on the NAT
//!   gateway. Peer membership uses every address of the inventory, so both agree on crediting.
//! * NODATA and SKIPDATA lines carry `start` = window start and `end` = window end − 1, and the
//!   ENI's metadata (`vpc-id`, `subnet-id`, `instance-id`, `az-id`, `region`); flow fields are `-`.
//! * At high rates two connections may reuse a 5-tuple within one window; each keeps its own
//!   record (AWS would merge them). Counts in the truth are of the lines written.
//!
//! The document, abridged from `testdata/demo/truth.json` (every list is complete in the file;
//! times are Unix seconds):
//!
//! ```json
//! { "schema_version": 1,
//!   "generator": { "seed": 7, "records": 20000, "layout": "plain", "malformed": false,
//!                  "formats": ["default", "custom"], "labels": false },
//!   "window": { "start": 1745193600, "end": 1745197200 },
//!   "flow_logs": [ {
//!       "id": "fl-7fe945314f75f26ab", "name": "default", "format": "${version} ${account-id} …",
//!       "aggregation_seconds": 600, "has_tcp_flags": false, "files": 12,
//!       "lines": { "total": 8937, "header": 12, "records": 8895, "nodata": 29, "skipdata": 1,
//!                  "blank": 0, "malformed": 0 },
//!       "rules": [ { "rule_id": "sgr-…", "group_id": "sg-…", "direction": "ingress", "protocol": 6,
//!                    "from_port": 443, "to_port": 443, "peer": "0.0.0.0/0",
//!                    "status": "used", "reason": null, "records": 455, "packets": 7954,
//!                    "bytes": 3219632, "possible_records": 0,
//!                    "first_seen": 1745193601, "last_seen": 1745197190 } ],
//!       "reject_hotspots": [ { "group_ids": ["sg-…", "sg-…"], "dst_port": 8081, "protocol": 6,
//!                              "peer_class": "internal", "records": 329, "packets": 678,
//!                              "distinct_sources": 2, "first_seen": 1745193612,
//!                              "last_seen": 1745197187 } ],
//!       "other_rejects": { "egress": 16, "ingress_reverse": 3 },
//!       "malformed": [ { "file": "logs/AWSLogs/…/….log.gz", "line": 17,
//!                        "reason": "invalid_number", "field": "packets" } ] } ],
//!   "traps": [ { "name": "used_once", "rule_ids": ["sgr-…"], "expect": "used", "reason": null,
//!                "records": 1, "hotspot": null, "note": "…" } ],
//!   "variant": { "backup_rds_rule_missing": true } }
//! ```
//!
//! A trap's `expect` (and `reason`) is the status of each of its rules in every flow log, its
//! `records`, when not null, their exact crediting record count; its `hotspot`, when not null,
//! names a hotspot key with `expect` `top_internal` (the first `internal` hotspot of the
//! ranking) or `present`.
//!
//! # Traps
//!
//! `truth.json` names them with their rule ids and expected outcome: an egress
//! `tcp 1024-65535 0.0.0.0/0` rule touched only by responses (unused); a rule that only allows
//! traffic a network ACL rejects (unused, REJECT hotspot); rules used once and twice; the
//! second ALB's health checks on a port the task group forgot (top internal hotspot); the
//! seed-selected variant (odd seeds) where the RDS group lacks its rule from the backup group;
//! type-specific ICMP rules (`unknown`); groups without logs (`unknown`); a peer in another
//! account (`unknown`); overlapping rules that are all credited; a self-reference.
//!
//! # Malformed lines
//!
//! With [`GenerateConfig::malformed`], each flow log gets three lines of each reason of
//! docs/semantics.md (`field_count`, `empty_field`, `invalid_number`, `number_out_of_range`,
//! `invalid_address`, `invalid_utf8`, `invalid_value`, `line_too_long`), spread over the
//! archive, each a real record with one field spoilt (never `version` or `account-id`),
//! *inserted* between records. The truth names the field, except for `field_count` and
//! `line_too_long` (`null`: the whole line is at fault).
//!
//! # Performance
//!
//! Work is split into units (flow log × 5-minute window) run by rayon; a unit regenerates the
//! connections that reach its window from per-(pattern, slice) random streams, renders into a
//! reused buffer with `itoa`, compresses with flate2 (zlib-rs, level 1) and writes each object
//! once. Truth is merged from per-unit sums; no record is kept, so memory does not grow with the
//! archive. Measured on 2 cores: 100 million records (18.7 GB of text, 2.5 GB gzip, 2,338
//! objects) in about a minute with a peak RSS of 44 MB.
//!
//! # Scenarios
//!
//! The archive above shares the engine's assumptions, so agreement with it proves little.
//! [`generate_scenario`] writes instead one of a catalogue of small accounts built like real
//! ones, where naive verdicts are wrong, with exact truth ([`scenarios()`] lists them;
//! `flowsieve generate --scenario NAME --out DIR`, `--list-scenarios`). Each is a declarative
//! description (VPCs with possibly overlapping CIDRs and peerings, subnets and network ACLs,
//! groups and rules with creation and deletion times, ENIs of every kind with lifetimes and
//! group changes, flow logs on a VPC, subnet or ENI with their traffic type, format,
//! aggregation interval and dates, load balancers, and traffic), played through a simulated AWS:
//! the union of an ENI's groups, stateful tracking and untracked flows, network ACLs at subnet
//! boundaries, NAT gateways, NLBs with client IP preservation (the target sees the client's
//! address and AWS matches its rule that references the NLB's group), records only on logged
//! ENIs per aggregation window with tcp-flags ORed per window, NODATA for idle logged ENIs, no
//! records on unlogged ones, SKIPDATA where a scenario drops a window.
//!
//! What is written under `DIR`:
//!
//! * the inventory in the scenario's form: one end-of-window snapshot (`inventory/`), dated
//!   snapshots (`inventory/<RFC3339>/`), or the snapshot plus AWS Config history (`config/`:
//!   `get-resource-config-history` per ENI, newest first as the CLI prints it, and
//!   `select-resource-config` for the groups), each as the AWS CLI prints it;
//! * when the scenario uses them, `aws/describe-flow-logs.json`,
//!   `aws/describe-vpc-peering-connections.json`, `aws/describe-network-acls.json`, and the elbv2
//!   documents (`describe-load-balancers`, `describe-target-groups`, and per target group
//!   `describe-target-health` and `describe-target-group-attributes`, wrapped with the target
//!   group's ARN, which the CLI output does not repeat);
//! * `logs/AWSLogs/…`: gzip objects under the S3 key layout, one per flow log and 5-minute
//!   delivery slot (or aggregation window when longer); `labels/…`: the orientation of every line;
//! * `truth.json`: where each input is and how the analysis takes it (`inputs`); per flow log its
//!   resource, traffic type, format and counts; per ENI its kind, lifetime, groups over time and
//!   whether it is fully observed; per rule the ground truth (`used`: AWS needed it for an
//!   initiating packet, or for the responses of untracked flows, logged or not; `used_by`; the
//!   logged records that show it; the records of unknown ENIs or unexplained peers that could
//!   have used it) and the **expected verdict** (`status` and `reasons`, the codes of
//!   docs/semantics.md), hand-labelled by reasoning about what the logs can prove; the expected
//!   REJECT hotspots with their likely cause and, for a missing rule, the narrowest rule that
//!   fixes it.
//!
//! The expectations are checked at generation time: an expected `unused` must be ground-truth
//! unused, with every carrier ENI observed with ACCEPT traffic captured for its whole life in
//! the window and no record of an unknown ENI or of an unexplained internal peer that could
//! have used it; a rule AWS used can only be expected `used` (shown by a logged record) or
//! `unknown`; every expected hotspot has refused records. The output is a pure function of the
//! name and the seed, and the seed moves only client ports and object names.
//!
//! | scenario | the story | what a correct engine must do |
//! |---|---|---|
//! | `ecs_churn_config_history` | Fargate batch tasks come and go; all are gone at the end; AWS Config history given | match records against the network of their time: batch rules used, an idle group's rule provably unused |
//! | `ecs_churn_snapshot` | the same churn with one end-of-window snapshot | no false unused: `peer_membership_incomplete`, `no_carrier_enis`, `unknown_eni_traffic` |
//! | `eni_born_mid_window` | a worker task starts five minutes before the end and stays idle | its rules `partial_coverage`; fully observed groups' rules that reference it stay unused |
//! | `partial_group_logging` | a group's two carriers in two subnets, one logged | `partial_coverage`; an unlogged group `no_logs_for_group` |
//! | `reject_only_beside_all` | a REJECT-only flow log beside an ALL one, describe-flow-logs given | `reject_only_capture`; the refused probe a missing-rule hotspot |
//! | `group_without_enis` | a referenced group no ENI carries | `peer_membership_incomplete`, `no_carrier_enis`; a known idle group's rule unused |
//! | `icmp_type_rule_unused` | `icmp 3/4 from 0.0.0.0/0` on fully logged hosts without ICMP; pinged hosts under an echo rule | the first unused, the second `icmp_type_not_logged` |
//! | `skipdata_window` | ten minutes of a cache's records dropped | `skipdata`, not unused |
//! | `overlapping_vpcs_peering` | two VPCs on 10.0.0.0/16 sharing an address, an active and a deleted peering | per-VPC resolution; cross-VPC reference used; stale one `unresolved_peer` |
//! | `on_prem_rds` | on-prem (10.200/16 over VPN) sources reach RDS, one refused | peer class `on_prem`; missing rule with the exact source |
//! | `ecs_dynamic_ports` | ALB → ECS dynamic host ports, `ingress 32768-65535 from sg-alb`, no tcp-flags | learn the host ports: orientation ≥ 99 % |
//! | `high_server_ports` | gRPC 50051 and Jenkins 50000 behind `ingress all` rules | wide rules used; leftover callback range unused; orientation ≥ 99 % |
//! | `nfs_privileged_client` | NFS from client ports 600–1023 to EFS 2049 | EFS rule used; the clients' `0-1023 from sg-efs` unused; orientation ≥ 99 % |
//! | `windows_clients` | Windows clients (49152–65535) to a domain controller's RPC ports | dynamic RPC rule used; reverse range unused; orientation ≥ 99 % |
//! | `long_connections` | hour-long agent connections, tcp-flags, one-minute windows | later windows oriented by the earlier SYN |
//! | `nlb_client_ip_targets` | NLB with a group and client IP preservation; elbv2 JSON given | `8443 from sg-nlb` used |
//! | `nlb_client_ip_no_targets` | the same without elbv2 JSON | `nlb_client_ip_preservation`, never unused |
//! | `icmp_pings_both_ways` | pings in, pings out, ports `0 0` | pair request and reply: the bastion's `icmp from 0.0.0.0/0` unused |
//! | `untracked_pair` | `tcp 443 from 0.0.0.0/0` with `egress all to 0.0.0.0/0` | `untracked_flow_dependency`; a tracked neighbour's egress rule unused |
//! | `nat_gateway_reject` | a NACL denies SMTP through the NAT gateway | cause `nacl`, no suggestion |
//! | `internal_port_scan` | an internal scanner probes 20 ports; a reporting job is refused on 9100 | `scan` without suggestions; `tcp 9100 from sg-report on sg-app` |
//! | `hotspot_in_noise` | thousands of internet REJECTs and a few internal ones; a shared monitoring group | `unsolicited_external`; `tcp 6380 from sg-app on sg-cache` |
//!
//! Every scenario file of `src/scenario/catalog/` starts with its story in plain words.

#![forbid(unsafe_code)]

mod addr;
mod aws_json;
mod error;
mod format;
mod generate;
mod inventory;
mod malformed;
mod matcher;
mod render;
mod rng;
mod scenario;
mod time;
mod traffic;
mod truth;

#[cfg(test)]
mod tests;

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

pub use error::{Error, Result};
pub use format::FlowLogSpec;
pub use scenario::{ScenarioInfo, ScenarioSummary, generate_scenario, scenarios};

/// The directory layout of the flow-log objects (docs/flow-logs.md §8).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Layout {
    /// `AWSLogs/<account>/vpcflowlogs/<region>/YYYY/MM/DD/`.
    #[default]
    Plain,
    /// `AWSLogs/aws-account-id=<account>/aws-service=vpcflowlogs/aws-region=<region>/year=YYYY/month=MM/day=DD/`.
    Hive,
}

impl FromStr for Layout {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "plain" => Ok(Layout::Plain),
            "hive" => Ok(Layout::Hive),
            other => Err(Error::UnknownName {
                what: "layout",
                name: other.into(),
                expected: "plain, hive",
            }),
        }
    }
}

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Layout::Plain => "plain",
            Layout::Hive => "hive",
        })
    }
}

/// What to generate. Build it with [`GenerateConfig::new`] and adjust the public fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenerateConfig {
    /// The output directory (created if missing; its `logs/` and `labels/` must be empty).
    pub out_dir: PathBuf,
    /// About how many flow-log records (lines with `log-status` `OK`, all flow logs together)
    /// the archive holds; it also sets the archive's length (1000 records per simulated second,
    /// at least an hour). At most 10^11.
    pub records: u64,
    /// The seed: the inventory, the traffic and every name derive from it.
    pub seed: u64,
    /// Plain or Hive-style object keys. Default: plain.
    pub layout: Layout,
    /// Insert malformed lines of every class. Default: false.
    pub malformed: bool,
    /// The flow logs to write, each recording the same traffic. Default: both
    /// ([`FlowLogSpec::ALL`]).
    pub formats: Vec<FlowLogSpec>,
    /// Write `labels/` (one class per line; small archives). Default: false.
    pub labels: bool,
    /// Extra distinct internet clients of the internet-facing load balancer's HTTPS traffic,
    /// drawn uniformly (addresses in 44.0.0.0/7, computed, never stored; at most 2^25). When
    /// set, that traffic's rate rises from 110 to 600 thousandths of the records (about 40 % of
    /// them instead of 11 %). With `n` clients and `c` connections of that pattern, about
    /// `n·(1 − e^(−c/n))` distinct clients appear: 2^25 clients and 300M records (one flow log)
    /// give more than 20M. Default: 0 (the 4,000-address client pool only).
    pub internet_clients: u64,
}

impl GenerateConfig {
    /// A configuration with the defaults: plain layout, no malformed lines, both flow logs, no labels.
    pub fn new(out_dir: impl Into<PathBuf>, records: u64, seed: u64) -> GenerateConfig {
        GenerateConfig {
            out_dir: out_dir.into(),
            records,
            seed,
            layout: Layout::Plain,
            malformed: false,
            formats: FlowLogSpec::ALL.to_vec(),
            labels: false,
            internet_clients: 0,
        }
    }
}

/// What [`generate()`] wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenerateSummary {
    /// Flow-log objects written.
    pub files: usize,
    /// Lines in them (headers, records, NODATA, SKIPDATA, malformed).
    pub lines: u64,
    /// Records (`log-status` `OK`) in them.
    pub records: u64,
    /// Their total size decompressed.
    pub bytes_uncompressed: u64,
    /// Their total size on disk.
    pub bytes_compressed: u64,
    /// Where the truth was written (`DIR/truth.json`).
    pub truth_path: PathBuf,
}

/// Writes the archive `cfg` describes: `DIR/inventory/`, `DIR/logs/`, `DIR/truth.json` and,
/// when asked, `DIR/labels/`.
///
/// # Errors
///
/// [`Error::NotEmpty`] when `DIR/logs` or `DIR/labels` already holds files, [`Error::Config`]
/// for an empty or repeated format list or more than 10^11 records, and I/O errors naming the
/// path.
pub fn generate(cfg: &GenerateConfig) -> Result<GenerateSummary> {
    generate::generate(cfg, &|_, _| {})
}

/// Checks that [`generate()`] may write into `out_dir`: [`Error::NotEmpty`] when its `logs/` or
/// `labels/` already holds files (a caller that generates elsewhere first, then moves the
/// archive in, checks the final directory with this).
///
/// # Errors
///
/// [`Error::NotEmpty`], or [`Error::ReadDir`] when one cannot be read.
pub fn check_out_dir(out_dir: &std::path::Path) -> Result<()> {
    generate::check_out_dir(out_dir)
}

/// [`generate()`], calling `progress(done, total)` (from worker threads) each time one of the
/// archive's `total` work units (a flow log's objects of one time slice) is written.
///
/// # Errors
///
/// As [`generate()`].
pub fn generate_with_progress(
    cfg: &GenerateConfig,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<GenerateSummary> {
    generate::generate(cfg, progress)
}
