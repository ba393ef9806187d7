//! Loading: files and directories → [`Inventory`].
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

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};

use hashbrown::HashMap;
use serde::Deserialize;

use crate::addr::Cidr;
use crate::dto::{Page, aws, terraform};
use crate::error::{Error, Result};
use crate::model::{
    Direction, Finding, NetworkInterface, Peer, PrefixList, Protocol, Rule, RuleId, RuleSource,
    SecurityGroup, Severity, SourceKind, derived_rule_id, normalize_ports, ports_from_aws,
};

/// Directory recursion limit: deep enough for any real layout, and a guard against symlink loops.
const MAX_DIR_DEPTH: usize = 32;

/// The declared network: security groups, their exploded rules, network interfaces, prefix lists
/// and VPC CIDRs, with the validation findings found while loading.
///
/// Build it with [`Inventory::load`] (files and directories of AWS CLI JSON and
/// `terraform show -json` output) or with an [`InventoryBuilder`].
#[derive(Clone, Debug, Default)]
pub struct Inventory {
    groups: Vec<SecurityGroup>,
    rules: Vec<Rule>,
    enis: Vec<NetworkInterface>,
    prefix_lists: Vec<PrefixList>,
    vpc_cidrs: Vec<Cidr>,
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

    /// Every security group, sorted by id.
    pub fn security_groups(&self) -> &[SecurityGroup] {
        &self.groups
    }

    /// Every exploded rule; a [`RuleIdx`](crate::RuleIdx) indexes this slice.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Every network interface, sorted by id.
    pub fn network_interfaces(&self) -> &[NetworkInterface] {
        &self.enis
    }

    /// Every prefix list, sorted by id.
    pub fn prefix_lists(&self) -> &[PrefixList] {
        &self.prefix_lists
    }

    /// The CIDRs of the VPCs and subnets loaded (sorted, without duplicates).
    pub fn vpc_cidrs(&self) -> &[Cidr] {
        &self.vpc_cidrs
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

    /// The network interface with this id.
    pub fn network_interface(&self, eni_id: &str) -> Option<&NetworkInterface> {
        self.enis
            .binary_search_by(|e| e.id.as_str().cmp(eni_id))
            .ok()
            .and_then(|i| self.enis.get(i))
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

/// Assembles an [`Inventory`] from files, JSON text, or model values added by a program.
///
/// ```
/// use flowsieve_sg::{Direction, InventoryBuilder, Peer, PortSpec, Protocol, Rule, SecurityGroup};
/// let mut b = InventoryBuilder::new();
/// b.add_json("describe-security-groups.json", br#"{"SecurityGroups": [{"GroupId": "sg-1",
///     "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
///                        "IpRanges": [{"CidrIp": "203.0.113.0/24"}]}]}]}"#)?;
/// b.add_rule(Rule::new("sg-1", Direction::Egress, Protocol::All, PortSpec::All, Peer::group("sg-1")));
/// let inv = b.build();
/// assert_eq!(inv.rules().len(), 2);
/// # Ok::<(), flowsieve_sg::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct InventoryBuilder {
    groups: BTreeMap<String, GroupEntry>,
    rules: HashMap<String, RuleEntry>,
    enis: BTreeMap<String, NetworkInterface>,
    prefix_lists: BTreeMap<String, PrefixListEntry>,
    vpc_cidrs: Vec<Cidr>,
    findings: Vec<Finding>,
    /// (owning group, referenced group) → peering status, from describe-stale-security-groups.
    stale_refs: HashMap<(String, String), String>,
    /// Owner account of groups known only from the rules listing (`GroupOwnerId`).
    owner_hints: HashMap<String, String>,
    /// Number of inputs added (files, JSON texts, values), to report an empty load.
    inputs: usize,
}

#[derive(Debug)]
struct GroupEntry {
    group: SecurityGroup,
    by_aws: bool,
    by_terraform: bool,
    by_program: bool,
}

#[derive(Debug)]
struct RuleEntry {
    rule: Rule,
    /// `sgr-…` from describe-security-group-rules.
    listing_id: Option<String>,
    /// `sgr-…` from Terraform (`security_group_rule_id`) or a program.
    other_id: Option<String>,
}

#[derive(Debug)]
struct PrefixListEntry {
    list: PrefixList,
    described: bool,
}

/// The peer of a rule as read, before validation.
enum PeerInput {
    /// CIDR text and the family the field demands (`Some(true)` = IPv4 only).
    Cidr {
        text: String,
        want_v4: Option<bool>,
    },
    Group {
        id: String,
        owner_id: Option<String>,
        vpc_id: Option<String>,
        peering_status: Option<String>,
    },
    PrefixList(String),
}

/// One rule as read from one place, before validation and merging.
struct RuleInput<'a> {
    group_id: &'a str,
    direction: Direction,
    protocol: &'a str,
    from: Option<i64>,
    to: Option<i64>,
    peer: PeerInput,
    description: Option<String>,
    listing_id: Option<String>,
    other_id: Option<String>,
    source: RuleSource,
}

/// The value of a required field, or a [`Error::MissingField`] naming it.
fn req<T>(file: &Path, value: Option<T>, json_path: impl FnOnce() -> String) -> Result<T> {
    value.ok_or_else(|| Error::MissingField {
        path: file.to_owned(),
        json_path: json_path(),
    })
}

/// Text of a file: UTF-8 (a BOM is skipped) or UTF-16 with a BOM (what Windows PowerShell 5
/// writes for `aws … > file.json`).
fn decode_text<'a>(file: &Path, bytes: &'a [u8]) -> Result<Cow<'a, str>> {
    let utf16 = |le: bool, body: &[u8]| -> Result<Cow<'a, str>> {
        let units: Vec<u16> = body
            .chunks_exact(2)
            .map(|c| match c {
                [a, b] if le => u16::from_le_bytes([*a, *b]),
                [a, b] => u16::from_be_bytes([*a, *b]),
                _ => 0,
            })
            .collect();
        String::from_utf16(&units)
            .map(Cow::Owned)
            .map_err(|_| Error::Json {
                path: file.to_owned(),
                line: 0,
                column: 0,
                message: "invalid UTF-16 text".to_owned(),
            })
    };
    match bytes {
        [0xef, 0xbb, 0xbf, rest @ ..] => std::str::from_utf8(rest)
            .map(Cow::Borrowed)
            .map_err(|e| utf8_error(file, rest, e)),
        [0xff, 0xfe, rest @ ..] => utf16(true, rest),
        [0xfe, 0xff, rest @ ..] => utf16(false, rest),
        _ => std::str::from_utf8(bytes)
            .map(Cow::Borrowed)
            .map_err(|e| utf8_error(file, bytes, e)),
    }
}

fn utf8_error(file: &Path, bytes: &[u8], e: std::str::Utf8Error) -> Error {
    let upto = bytes.get(..e.valid_up_to()).unwrap_or(&[]);
    let line = 1 + upto.iter().filter(|&&b| b == b'\n').count();
    let column = 1 + upto.iter().rev().take_while(|&&b| b != b'\n').count();
    Error::Json {
        path: file.to_owned(),
        line,
        column,
        message: "invalid UTF-8".to_owned(),
    }
}

/// The prefix list id a file name carries: `pl-` at a word start followed by hex digits.
fn prefix_list_id_in_name(file: &Path) -> Option<String> {
    let name = file.file_name()?.to_str()?;
    let bytes = name.as_bytes();
    let mut start = 0;
    while let Some(off) = name.get(start..).and_then(|s| s.find("pl-")) {
        let at = start + off;
        let boundary = at == 0
            || bytes
                .get(at - 1)
                .is_some_and(|b| !b.is_ascii_alphanumeric());
        let hex: usize = bytes
            .get(at + 3..)
            .unwrap_or(&[])
            .iter()
            .take_while(|b| b.is_ascii_hexdigit())
            .count();
        let after_ok = bytes
            .get(at + 3 + hex)
            .is_none_or(|b| !b.is_ascii_alphanumeric());
        if boundary && hex > 0 && after_ok {
            return name.get(at..at + 3 + hex).map(str::to_ascii_lowercase);
        }
        start = at + 3;
    }
    None
}

fn finding(
    severity: Severity,
    code: &'static str,
    message: String,
    source: Option<String>,
    subject: Option<&str>,
) -> Finding {
    Finding {
        severity,
        code,
        message,
        source,
        subject: subject.map(str::to_owned),
    }
}

fn at(file: &Path, location: &str) -> Option<String> {
    Some(format!("{}: {location}", file.display()))
}

impl InventoryBuilder {
    /// An empty builder.
    pub fn new() -> InventoryBuilder {
        InventoryBuilder::default()
    }

    /// Adds a file (whatever its name) or a directory (recursively, sorted, `*.json` only,
    /// hidden entries skipped). See [`Inventory::load`].
    ///
    /// # Errors
    ///
    /// As [`Inventory::load`]. After an error the builder may hold part of the failed file.
    pub fn add_path(&mut self, path: impl AsRef<Path>) -> Result<&mut Self> {
        let path = path.as_ref();
        let meta = std::fs::metadata(path).map_err(|source| Error::Io {
            path: path.to_owned(),
            source,
        })?;
        if meta.is_dir() {
            self.add_dir(path, 0)?;
        } else {
            self.add_file(path, true)?;
        }
        Ok(self)
    }

    fn add_dir(&mut self, dir: &Path, depth: usize) -> Result<()> {
        let io = |source| Error::Io {
            path: dir.to_owned(),
            source,
        };
        if depth > MAX_DIR_DEPTH {
            return Err(io(std::io::Error::other(
                "directories nested too deeply (a symlink loop?)",
            )));
        }
        let mut entries: Vec<PathBuf> = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(io)? {
            let entry = entry.map_err(io)?;
            let hidden = entry
                .file_name()
                .to_str()
                .is_none_or(|n| n.starts_with('.'));
            if !hidden {
                entries.push(entry.path());
            }
        }
        entries.sort();
        for p in entries {
            let meta = std::fs::metadata(&p).map_err(|source| Error::Io {
                path: p.clone(),
                source,
            })?;
            if meta.is_dir() {
                self.add_dir(&p, depth + 1)?;
            } else if p
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e.eq_ignore_ascii_case("json"))
            {
                self.add_file(&p, false)?;
            }
        }
        Ok(())
    }

    fn add_file(&mut self, file: &Path, explicit: bool) -> Result<()> {
        let bytes = std::fs::read(file).map_err(|source| Error::Io {
            path: file.to_owned(),
            source,
        })?;
        self.add_json_inner(file, &bytes, explicit)
    }

    /// Adds the JSON text of one file. `name` stands for the file in messages and sources, and
    /// names the prefix list of a `get-managed-prefix-list-entries` page (see the crate docs).
    ///
    /// # Errors
    ///
    /// As [`Inventory::load`] for a file given explicitly.
    pub fn add_json(&mut self, name: impl AsRef<Path>, json: &[u8]) -> Result<&mut Self> {
        self.add_json_inner(name.as_ref(), json, true)?;
        Ok(self)
    }

    fn add_json_inner(&mut self, file: &Path, bytes: &[u8], explicit: bool) -> Result<()> {
        self.inputs += 1;
        let text = decode_text(file, bytes)?;
        let first = text.trim_start().chars().next();
        let (pages, is_array) = match first {
            Some('[') => {
                let pages: Vec<Page> =
                    serde_json::from_str(&text).map_err(|e| Error::json(file, &e))?;
                (
                    pages
                        .into_iter()
                        .enumerate()
                        .map(|(i, p)| (format!("[{i}]."), p))
                        .collect::<Vec<_>>(),
                    true,
                )
            }
            Some('{') => {
                let page: Page = serde_json::from_str(&text).map_err(|e| Error::json(file, &e))?;
                (vec![(String::new(), page)], false)
            }
            _ => {
                // Report a syntax error as such; valid JSON of another shape is "not recognised".
                serde_json::from_str::<serde::de::IgnoredAny>(&text)
                    .map_err(|e| Error::json(file, &e))?;
                (Vec::new(), false)
            }
        };
        let empty_array = is_array && pages.is_empty();
        let mut recognised = false;
        for (prefix, page) in pages {
            recognised |= self.add_page(file, &prefix, page)?;
        }
        if !recognised && !empty_array {
            if explicit {
                return Err(Error::UnrecognisedFile {
                    path: file.to_owned(),
                });
            }
            self.findings.push(finding(
                Severity::Warning,
                "unrecognised_file",
                format!(
                    "{} is JSON but not an inventory file; skipped",
                    file.display()
                ),
                at(file, "$"),
                None,
            ));
        }
        Ok(())
    }

    /// Adds one response; true when it had at least one recognised key.
    fn add_page(&mut self, file: &Path, prefix: &str, page: Page) -> Result<bool> {
        let mut recognised = false;
        if let Some(groups) = page.security_groups {
            recognised = true;
            self.add_aws_groups(file, prefix, groups)?;
        }
        if let Some(rules) = page.security_group_rules {
            recognised = true;
            self.add_aws_rule_listing(file, prefix, rules)?;
        }
        if let Some(enis) = page.network_interfaces {
            recognised = true;
            self.add_aws_enis(file, prefix, enis)?;
        }
        if let Some(lists) = page.prefix_lists {
            recognised = true;
            self.add_aws_prefix_lists(file, prefix, lists)?;
        }
        if let Some(entries) = page.entries {
            recognised = true;
            let list_id = match page.prefix_list_id {
                Some(id) => id,
                None => {
                    prefix_list_id_in_name(file).ok_or_else(|| Error::UnnamedPrefixListEntries {
                        path: file.to_owned(),
                        json_path: format!("{prefix}Entries"),
                    })?
                }
            };
            self.add_aws_entries(file, prefix, &list_id, entries)?;
        }
        if let Some(vpcs) = page.vpcs {
            recognised = true;
            for (i, v) in vpcs.into_iter().enumerate() {
                let p = format!("{prefix}Vpcs[{i}]");
                if let Some(c) = v.cidr_block {
                    self.add_cidr_text(file, &format!("{p}.CidrBlock"), &c);
                }
                for (k, a) in v
                    .cidr_block_association_set
                    .unwrap_or_default()
                    .into_iter()
                    .enumerate()
                {
                    let ap = format!("{p}.CidrBlockAssociationSet[{k}].CidrBlock");
                    let c = req(file, a.cidr_block, || ap.clone())?;
                    self.add_cidr_text(file, &ap, &c);
                }
                self.add_ipv6_associations(file, &p, v.ipv6_cidr_block_association_set)?;
            }
        }
        if let Some(subnets) = page.subnets {
            recognised = true;
            for (i, s) in subnets.into_iter().enumerate() {
                let p = format!("{prefix}Subnets[{i}]");
                if let Some(c) = s.cidr_block {
                    self.add_cidr_text(file, &format!("{p}.CidrBlock"), &c);
                }
                self.add_ipv6_associations(file, &p, s.ipv6_cidr_block_association_set)?;
            }
        }
        if let Some(stale) = page.stale_security_group_set {
            recognised = true;
            self.add_aws_stale(file, prefix, stale)?;
        }
        if let Some(version) = page.format_version {
            recognised = true;
            self.add_terraform(file, prefix, &version, page.values, page.planned_values)?;
        }
        Ok(recognised)
    }

    fn add_ipv6_associations(
        &mut self,
        file: &Path,
        p: &str,
        set: Option<Vec<aws::Ipv6CidrBlockAssociation>>,
    ) -> Result<()> {
        for (k, a) in set.unwrap_or_default().into_iter().enumerate() {
            let ap = format!("{p}.Ipv6CidrBlockAssociationSet[{k}].Ipv6CidrBlock");
            let c = req(file, a.ipv6_cidr_block, || ap.clone())?;
            self.add_cidr_text(file, &ap, &c);
        }
        Ok(())
    }

    /// A VPC or subnet CIDR; an invalid one is a finding.
    fn add_cidr_text(&mut self, file: &Path, location: &str, text: &str) {
        if text.is_empty() {
            return;
        }
        match text.parse::<Cidr>() {
            Ok(c) => self.vpc_cidrs.push(c),
            Err(e) => self.findings.push(finding(
                Severity::Error,
                "invalid_cidr",
                format!("VPC/subnet {e}; ignored"),
                at(file, location),
                None,
            )),
        }
    }

    fn add_aws_groups(
        &mut self,
        file: &Path,
        prefix: &str,
        groups: Vec<aws::SecurityGroup>,
    ) -> Result<()> {
        for (i, g) in groups.into_iter().enumerate() {
            let gp = format!("{prefix}SecurityGroups[{i}]");
            let id = req(file, g.group_id, || format!("{gp}.GroupId"))?;
            let name = g.group_name.unwrap_or_default();
            let mut tags = Vec::new();
            for (k, t) in g.tags.unwrap_or_default().into_iter().enumerate() {
                let key = req(file, t.key, || format!("{gp}.Tags[{k}].Key"))?;
                tags.push((key, t.value.unwrap_or_default()));
            }
            let group = SecurityGroup {
                id: id.clone(),
                is_default: name == "default",
                name,
                description: g.description.unwrap_or_default(),
                vpc_id: g.vpc_id,
                owner_id: g.owner_id,
                tags,
            };
            self.describe_group(group, SourceKind::AwsJson, at(file, &gp));
            for (direction, list, field) in [
                (Direction::Ingress, g.ip_permissions, "IpPermissions"),
                (
                    Direction::Egress,
                    g.ip_permissions_egress,
                    "IpPermissionsEgress",
                ),
            ] {
                for (j, perm) in list.unwrap_or_default().into_iter().enumerate() {
                    let pp = format!("{gp}.{field}[{j}]");
                    self.add_aws_permission(file, &id, direction, &pp, perm)?;
                }
            }
        }
        Ok(())
    }

    fn add_aws_permission(
        &mut self,
        file: &Path,
        group_id: &str,
        direction: Direction,
        pp: &str,
        perm: aws::IpPermission,
    ) -> Result<()> {
        let protocol = req(file, perm.ip_protocol, || format!("{pp}.IpProtocol"))?;
        let source = |location: String| RuleSource {
            kind: SourceKind::AwsJson,
            file: file.to_owned(),
            location,
        };
        let mut inputs: Vec<(PeerInput, Option<String>, String)> = Vec::new();
        for (k, r) in perm.ip_ranges.unwrap_or_default().into_iter().enumerate() {
            let rp = format!("{pp}.IpRanges[{k}]");
            let text = req(file, r.cidr_ip, || format!("{rp}.CidrIp"))?;
            inputs.push((
                PeerInput::Cidr {
                    text,
                    want_v4: Some(true),
                },
                r.description,
                rp,
            ));
        }
        for (k, r) in perm.ipv6_ranges.unwrap_or_default().into_iter().enumerate() {
            let rp = format!("{pp}.Ipv6Ranges[{k}]");
            let text = req(file, r.cidr_ipv6, || format!("{rp}.CidrIpv6"))?;
            inputs.push((
                PeerInput::Cidr {
                    text,
                    want_v4: Some(false),
                },
                r.description,
                rp,
            ));
        }
        for (k, r) in perm
            .prefix_list_ids
            .unwrap_or_default()
            .into_iter()
            .enumerate()
        {
            let rp = format!("{pp}.PrefixListIds[{k}]");
            let id = req(file, r.prefix_list_id, || format!("{rp}.PrefixListId"))?;
            inputs.push((PeerInput::PrefixList(id), r.description, rp));
        }
        for (k, r) in perm
            .user_id_group_pairs
            .unwrap_or_default()
            .into_iter()
            .enumerate()
        {
            let rp = format!("{pp}.UserIdGroupPairs[{k}]");
            let id = req(file, r.group_id, || format!("{rp}.GroupId"))?;
            let peer = PeerInput::Group {
                id,
                owner_id: r.user_id,
                vpc_id: r.vpc_id,
                peering_status: r.peering_status,
            };
            inputs.push((peer, r.description, rp));
        }
        for (peer, description, location) in inputs {
            self.observe(RuleInput {
                group_id,
                direction,
                protocol: &protocol,
                from: perm.from_port,
                to: perm.to_port,
                peer,
                description,
                listing_id: None,
                other_id: None,
                source: source(location),
            });
        }
        Ok(())
    }

    fn add_aws_rule_listing(
        &mut self,
        file: &Path,
        prefix: &str,
        rules: Vec<aws::SecurityGroupRule>,
    ) -> Result<()> {
        for (i, r) in rules.into_iter().enumerate() {
            let rp = format!("{prefix}SecurityGroupRules[{i}]");
            let rule_id = req(file, r.security_group_rule_id, || {
                format!("{rp}.SecurityGroupRuleId")
            })?;
            let group_id = req(file, r.group_id, || format!("{rp}.GroupId"))?;
            let is_egress = req(file, r.is_egress, || format!("{rp}.IsEgress"))?;
            let protocol = req(file, r.ip_protocol, || format!("{rp}.IpProtocol"))?;
            let peer = if let Some(text) = r.cidr_ipv4 {
                PeerInput::Cidr {
                    text,
                    want_v4: Some(true),
                }
            } else if let Some(text) = r.cidr_ipv6 {
                PeerInput::Cidr {
                    text,
                    want_v4: Some(false),
                }
            } else if let Some(id) = r.prefix_list_id {
                PeerInput::PrefixList(id)
            } else if let Some(g) = r.referenced_group_info {
                let id = req(file, g.group_id, || {
                    format!("{rp}.ReferencedGroupInfo.GroupId")
                })?;
                PeerInput::Group {
                    id,
                    owner_id: g.user_id,
                    vpc_id: g.vpc_id,
                    peering_status: g.peering_status,
                }
            } else {
                return Err(Error::InvalidValue {
                    path: file.to_owned(),
                    json_path: rp,
                    message: "rule has no peer: expected one of CidrIpv4, CidrIpv6, PrefixListId, ReferencedGroupInfo".to_owned(),
                });
            };
            if let Some(owner) = r.group_owner_id {
                self.owner_hints.entry(group_id.clone()).or_insert(owner);
            }
            self.observe(RuleInput {
                group_id: &group_id,
                direction: if is_egress {
                    Direction::Egress
                } else {
                    Direction::Ingress
                },
                protocol: &protocol,
                from: r.from_port,
                to: r.to_port,
                peer,
                description: r.description,
                listing_id: Some(rule_id),
                other_id: None,
                source: RuleSource {
                    kind: SourceKind::AwsJson,
                    file: file.to_owned(),
                    location: rp,
                },
            });
        }
        Ok(())
    }

    fn add_aws_enis(
        &mut self,
        file: &Path,
        prefix: &str,
        enis: Vec<aws::NetworkInterface>,
    ) -> Result<()> {
        for (i, e) in enis.into_iter().enumerate() {
            let ep = format!("{prefix}NetworkInterfaces[{i}]");
            let id = req(file, e.network_interface_id, || {
                format!("{ep}.NetworkInterfaceId")
            })?;
            let mut eni = NetworkInterface {
                id: id.clone(),
                interface_type: e.interface_type.unwrap_or_else(|| "interface".to_owned()),
                requester_managed: e.requester_managed.unwrap_or(false),
                requester_id: e.requester_id,
                description: e.description.unwrap_or_default(),
                vpc_id: e.vpc_id,
                subnet_id: e.subnet_id,
                instance_id: e.attachment.and_then(|a| a.instance_id),
                ..NetworkInterface::default()
            };
            let mut bad = Vec::new();
            let mut v4 = |text: &str, location: String, list: &mut Vec<Ipv4Addr>| match text
                .parse::<Ipv4Addr>()
            {
                Ok(a) if !list.contains(&a) => list.push(a),
                Ok(_) => {}
                Err(_) => bad.push((format!("invalid IPv4 address {text:?}; ignored"), location)),
            };
            if let Some(primary) = &e.private_ip_address {
                v4(
                    primary,
                    format!("{ep}.PrivateIpAddress"),
                    &mut eni.private_ipv4,
                );
            }
            let mut privates = e.private_ip_addresses.unwrap_or_default();
            // The primary address first, whatever the listing order.
            privates.sort_by_key(|p| !p.primary.unwrap_or(false));
            for (k, p) in privates.into_iter().enumerate() {
                let pp = format!("{ep}.PrivateIpAddresses[{k}]");
                let text = req(file, p.private_ip_address, || {
                    format!("{pp}.PrivateIpAddress")
                })?;
                v4(&text, pp.clone(), &mut eni.private_ipv4);
                if let Some(public) = p.association.and_then(|a| a.public_ip) {
                    v4(
                        &public,
                        format!("{pp}.Association.PublicIp"),
                        &mut eni.public_ipv4,
                    );
                }
            }
            if let Some(public) = e.association.and_then(|a| a.public_ip) {
                v4(
                    &public,
                    format!("{ep}.Association.PublicIp"),
                    &mut eni.public_ipv4,
                );
            }
            let mut v6 = |text: &str, location: String, list: &mut Vec<Ipv6Addr>| match text
                .parse::<Ipv6Addr>()
            {
                Ok(a) if !list.contains(&a) => list.push(a),
                Ok(_) => {}
                Err(_) => bad.push((format!("invalid IPv6 address {text:?}; ignored"), location)),
            };
            for (k, a) in e.ipv6_addresses.unwrap_or_default().into_iter().enumerate() {
                let ap = format!("{ep}.Ipv6Addresses[{k}].Ipv6Address");
                let text = req(file, a.ipv6_address, || ap.clone())?;
                v6(&text, ap, &mut eni.ipv6);
            }
            if let Some(text) = &e.ipv6_address {
                v6(text, format!("{ep}.Ipv6Address"), &mut eni.ipv6);
            }
            let mut prefixes =
                |text: &str, location: String, want_v4: bool, list: &mut Vec<Cidr>| match text
                    .parse::<Cidr>()
                {
                    Ok(c) if c.is_ipv4() == want_v4 => {
                        if !list.contains(&c) {
                            list.push(c);
                        }
                    }
                    Ok(_) => bad.push((
                        format!("prefix {text:?} is of the wrong address family; ignored"),
                        location,
                    )),
                    Err(err) => bad.push((format!("{err}; ignored"), location)),
                };
            for (k, p) in e.ipv4_prefixes.unwrap_or_default().into_iter().enumerate() {
                let pp = format!("{ep}.Ipv4Prefixes[{k}].Ipv4Prefix");
                let text = req(file, p.ipv4_prefix, || pp.clone())?;
                prefixes(&text, pp, true, &mut eni.ipv4_prefixes);
            }
            for (k, p) in e.ipv6_prefixes.unwrap_or_default().into_iter().enumerate() {
                let pp = format!("{ep}.Ipv6Prefixes[{k}].Ipv6Prefix");
                let text = req(file, p.ipv6_prefix, || pp.clone())?;
                prefixes(&text, pp, false, &mut eni.ipv6_prefixes);
            }
            for (k, g) in e.groups.unwrap_or_default().into_iter().enumerate() {
                let gid = req(file, g.group_id, || format!("{ep}.Groups[{k}].GroupId"))?;
                if !eni.group_ids.contains(&gid) {
                    eni.group_ids.push(gid);
                }
            }
            for (message, location) in bad {
                self.findings.push(finding(
                    Severity::Error,
                    "invalid_address",
                    format!("{id}: {message}"),
                    at(file, &location),
                    Some(&id),
                ));
            }
            self.add_eni_at(eni, at(file, &ep));
        }
        Ok(())
    }

    fn add_aws_prefix_lists(
        &mut self,
        file: &Path,
        prefix: &str,
        lists: Vec<aws::PrefixList>,
    ) -> Result<()> {
        for (i, l) in lists.into_iter().enumerate() {
            let lp = format!("{prefix}PrefixLists[{i}]");
            let id = req(file, l.prefix_list_id, || format!("{lp}.PrefixListId"))?;
            let list = PrefixList {
                id,
                name: l.prefix_list_name.unwrap_or_default(),
                address_family: l.address_family.unwrap_or_default(),
                version: l.version,
                entries: None,
            };
            self.describe_prefix_list(list, at(file, &lp));
        }
        Ok(())
    }

    fn add_aws_entries(
        &mut self,
        file: &Path,
        prefix: &str,
        list_id: &str,
        entries: Vec<aws::PrefixListEntry>,
    ) -> Result<()> {
        let mut cidrs = Vec::new();
        for (i, e) in entries.into_iter().enumerate() {
            let ep = format!("{prefix}Entries[{i}].Cidr");
            let text = req(file, e.cidr, || ep.clone())?;
            match Cidr::parse_reporting_host_bits(&text) {
                Ok((c, _)) => cidrs.push(c),
                Err(err) => self.findings.push(finding(
                    Severity::Error,
                    "invalid_cidr",
                    format!("prefix list {list_id}: {err}; entry ignored"),
                    at(file, &ep),
                    Some(list_id),
                )),
            }
        }
        let entry = self
            .prefix_lists
            .entry(list_id.to_owned())
            .or_insert_with(|| PrefixListEntry {
                list: PrefixList {
                    id: list_id.to_owned(),
                    name: String::new(),
                    address_family: String::new(),
                    version: None,
                    entries: None,
                },
                described: false,
            });
        entry
            .list
            .entries
            .get_or_insert_with(Vec::new)
            .extend(cidrs);
        Ok(())
    }

    fn add_aws_stale(
        &mut self,
        file: &Path,
        prefix: &str,
        stale: Vec<aws::StaleSecurityGroup>,
    ) -> Result<()> {
        for (i, s) in stale.into_iter().enumerate() {
            let sp = format!("{prefix}StaleSecurityGroupSet[{i}]");
            let gid = req(file, s.group_id, || format!("{sp}.GroupId"))?;
            for (field, perms) in [
                ("StaleIpPermissions", s.stale_ip_permissions),
                ("StaleIpPermissionsEgress", s.stale_ip_permissions_egress),
            ] {
                for (j, p) in perms.unwrap_or_default().into_iter().enumerate() {
                    for (k, pair) in p
                        .user_id_group_pairs
                        .unwrap_or_default()
                        .into_iter()
                        .enumerate()
                    {
                        let pp = format!("{sp}.{field}[{j}].UserIdGroupPairs[{k}]");
                        let rid = req(file, pair.group_id, || format!("{pp}.GroupId"))?;
                        if let Some(status) = pair.peering_status {
                            self.stale_refs.insert((gid.clone(), rid), status);
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn add_terraform(
        &mut self,
        file: &Path,
        prefix: &str,
        version: &str,
        values: Option<terraform::Values>,
        planned: Option<terraform::Values>,
    ) -> Result<()> {
        if version.split('.').next() != Some("1") {
            return Err(Error::UnsupportedFormat {
                path: file.to_owned(),
                version: version.to_owned(),
            });
        }
        // A plan's planned_values is the declared (desired) network; its prior_state is not.
        let (root_path, vals) = match (planned, values) {
            (Some(p), _) => ("planned_values", p),
            (None, Some(v)) => ("values", v),
            (None, None) => return Ok(()),
        };
        if let Some(root) = vals.root_module {
            self.add_tf_module(file, &format!("{prefix}{root_path}.root_module"), root)?;
        }
        Ok(())
    }

    fn add_tf_module(&mut self, file: &Path, path: &str, module: terraform::Module) -> Result<()> {
        for (j, r) in module.resources.unwrap_or_default().into_iter().enumerate() {
            self.add_tf_resource(file, &format!("{path}.resources[{j}]"), r)?;
        }
        for (i, child) in module
            .child_modules
            .unwrap_or_default()
            .into_iter()
            .enumerate()
        {
            self.add_tf_module(file, &format!("{path}.child_modules[{i}]"), child)?;
        }
        Ok(())
    }

    fn tf_unknown(&mut self, file: &Path, address: &str, what: &str) {
        self.findings.push(finding(
            Severity::Warning,
            "terraform_unknown_value",
            format!(
                "{address}: {what} is not known (a plan value computed at apply time?); skipped"
            ),
            at(file, address),
            None,
        ));
    }

    fn add_tf_resource(&mut self, file: &Path, path: &str, r: terraform::Resource) -> Result<()> {
        if r.mode.as_deref().is_some_and(|m| m != "managed") {
            return Ok(());
        }
        let kind = req(file, r.kind, || format!("{path}.type"))?;
        let relevant = matches!(
            kind.as_str(),
            "aws_security_group"
                | "aws_default_security_group"
                | "aws_security_group_rule"
                | "aws_vpc_security_group_ingress_rule"
                | "aws_vpc_security_group_egress_rule"
                | "aws_vpc"
                | "aws_default_vpc"
                | "aws_vpc_ipv4_cidr_block_association"
                | "aws_vpc_ipv6_cidr_block_association"
        );
        if !relevant {
            return Ok(());
        }
        let address = r
            .address
            .unwrap_or_else(|| format!("{kind}.{}", r.name.as_deref().unwrap_or("?")));
        let Some(values) = r.values else {
            self.tf_unknown(file, &address, "the resource's values");
            return Ok(());
        };
        let vpath = format!("{path}.values");
        let typed_err = |e: serde_json::Error| Error::InvalidValue {
            path: file.to_owned(),
            json_path: vpath.clone(),
            message: e.to_string(),
        };
        match kind.as_str() {
            "aws_security_group" | "aws_default_security_group" => {
                let sg = terraform::SecurityGroup::deserialize(&values).map_err(typed_err)?;
                self.add_tf_group(file, &address, kind == "aws_default_security_group", sg);
            }
            "aws_security_group_rule" => {
                let rule = terraform::SecurityGroupRule::deserialize(&values).map_err(typed_err)?;
                self.add_tf_legacy_rule(file, &address, rule);
            }
            "aws_vpc_security_group_ingress_rule" | "aws_vpc_security_group_egress_rule" => {
                let rule =
                    terraform::VpcSecurityGroupRule::deserialize(&values).map_err(typed_err)?;
                let direction = if kind.ends_with("ingress_rule") {
                    Direction::Ingress
                } else {
                    Direction::Egress
                };
                self.add_tf_vpc_rule(file, &address, direction, rule);
            }
            _ => {
                let vpc = terraform::Vpc::deserialize(&values).map_err(typed_err)?;
                for (attr, c) in [
                    ("cidr_block", vpc.cidr_block),
                    ("ipv6_cidr_block", vpc.ipv6_cidr_block),
                ] {
                    if let Some(c) = c {
                        self.add_cidr_text(file, &format!("{address}.{attr}"), &c);
                    }
                }
            }
        }
        Ok(())
    }

    fn add_tf_group(
        &mut self,
        file: &Path,
        address: &str,
        is_default_resource: bool,
        sg: terraform::SecurityGroup,
    ) {
        let Some(id) = sg.id else {
            self.tf_unknown(file, address, "the security group id");
            return;
        };
        let name = sg.name.unwrap_or_default();
        let group = SecurityGroup {
            id: id.clone(),
            is_default: is_default_resource || name == "default",
            name,
            description: sg.description.unwrap_or_default(),
            vpc_id: sg.vpc_id,
            owner_id: sg.owner_id,
            tags: sg
                .tags
                .unwrap_or_default()
                .into_iter()
                .map(|(k, v)| (k, v.unwrap_or_default()))
                .collect(),
        };
        self.describe_group(group, SourceKind::Terraform, at(file, address));
        for (direction, blocks, attr) in [
            (Direction::Ingress, sg.ingress, "ingress"),
            (Direction::Egress, sg.egress, "egress"),
        ] {
            for (j, b) in blocks.unwrap_or_default().into_iter().enumerate() {
                let loc = format!("{address}.{attr}[{j}]");
                let Some(protocol) = b.protocol else {
                    self.tf_unknown(file, &loc, "protocol");
                    continue;
                };
                let mut peers = tf_peers(
                    &loc,
                    b.cidr_blocks,
                    b.ipv6_cidr_blocks,
                    b.prefix_list_ids,
                    b.security_groups,
                );
                if b.self_ == Some(true) {
                    peers.push((
                        PeerInput::Group {
                            id: id.clone(),
                            owner_id: None,
                            vpc_id: None,
                            peering_status: None,
                        },
                        format!("{loc}.self"),
                    ));
                }
                for (peer, location) in peers {
                    self.observe(RuleInput {
                        group_id: &id,
                        direction,
                        protocol: &protocol,
                        from: b.from_port,
                        to: b.to_port,
                        peer,
                        description: b.description.clone(),
                        listing_id: None,
                        other_id: None,
                        source: RuleSource {
                            kind: SourceKind::Terraform,
                            file: file.to_owned(),
                            location,
                        },
                    });
                }
            }
        }
    }

    fn add_tf_legacy_rule(&mut self, file: &Path, address: &str, r: terraform::SecurityGroupRule) {
        let direction = match r.direction.as_deref() {
            Some("ingress") => Direction::Ingress,
            Some("egress") => Direction::Egress,
            Some(other) => {
                self.findings.push(finding(
                    Severity::Error,
                    "invalid_value",
                    format!("{address}: type {other:?} is neither ingress nor egress; skipped"),
                    at(file, address),
                    None,
                ));
                return;
            }
            None => return self.tf_unknown(file, address, "type (ingress/egress)"),
        };
        let Some(group_id) = r.security_group_id else {
            return self.tf_unknown(file, address, "security_group_id");
        };
        let Some(protocol) = r.protocol else {
            return self.tf_unknown(file, address, "protocol");
        };
        let mut peers = tf_peers(
            address,
            r.cidr_blocks,
            r.ipv6_cidr_blocks,
            r.prefix_list_ids,
            None,
        );
        if let Some(sg) = r.source_security_group_id.filter(|s| !s.is_empty()) {
            peers.push((
                group_peer(&sg),
                format!("{address}.source_security_group_id"),
            ));
        }
        if r.self_ == Some(true) {
            peers.push((
                PeerInput::Group {
                    id: group_id.clone(),
                    owner_id: None,
                    vpc_id: None,
                    peering_status: None,
                },
                format!("{address}.self"),
            ));
        }
        // An AWS rule id can only name the rule when the resource is exactly one rule.
        let other_id = if peers.len() == 1 {
            r.security_group_rule_id.filter(|s| s.starts_with("sgr-"))
        } else {
            None
        };
        for (peer, location) in peers {
            self.observe(RuleInput {
                group_id: &group_id,
                direction,
                protocol: &protocol,
                from: r.from_port,
                to: r.to_port,
                peer,
                description: r.description.clone(),
                listing_id: None,
                other_id: other_id.clone(),
                source: RuleSource {
                    kind: SourceKind::Terraform,
                    file: file.to_owned(),
                    location,
                },
            });
        }
    }

    fn add_tf_vpc_rule(
        &mut self,
        file: &Path,
        address: &str,
        direction: Direction,
        r: terraform::VpcSecurityGroupRule,
    ) {
        let Some(group_id) = r.security_group_id else {
            return self.tf_unknown(file, address, "security_group_id");
        };
        let Some(protocol) = r.ip_protocol else {
            return self.tf_unknown(file, address, "ip_protocol");
        };
        let (peer, attr) = if let Some(text) = r.cidr_ipv4 {
            (
                PeerInput::Cidr {
                    text,
                    want_v4: Some(true),
                },
                "cidr_ipv4",
            )
        } else if let Some(text) = r.cidr_ipv6 {
            (
                PeerInput::Cidr {
                    text,
                    want_v4: Some(false),
                },
                "cidr_ipv6",
            )
        } else if let Some(id) = r.prefix_list_id {
            (PeerInput::PrefixList(id), "prefix_list_id")
        } else if let Some(sg) = r.referenced_security_group_id {
            (group_peer(&sg), "referenced_security_group_id")
        } else {
            return self.tf_unknown(
                file,
                address,
                "the peer (cidr_ipv4, cidr_ipv6, prefix_list_id, referenced_security_group_id)",
            );
        };
        self.observe(RuleInput {
            group_id: &group_id,
            direction,
            protocol: &protocol,
            from: r.from_port,
            to: r.to_port,
            peer,
            description: r.description,
            listing_id: None,
            other_id: r.security_group_rule_id.filter(|s| s.starts_with("sgr-")),
            source: RuleSource {
                kind: SourceKind::Terraform,
                file: file.to_owned(),
                location: format!("{address}.{attr}"),
            },
        });
    }

    /// Adds or merges a group description. AWS JSON wins over Terraform for the attributes; a
    /// second description from the same kind of input is a `duplicate_id` finding.
    fn describe_group(&mut self, group: SecurityGroup, kind: SourceKind, source: Option<String>) {
        self.inputs += usize::from(kind == SourceKind::Program);
        match self.groups.get_mut(&group.id) {
            None => {
                let id = group.id.clone();
                let entry = GroupEntry {
                    group,
                    by_aws: kind == SourceKind::AwsJson,
                    by_terraform: kind == SourceKind::Terraform,
                    by_program: kind == SourceKind::Program,
                };
                self.groups.insert(id, entry);
            }
            Some(e) => {
                let seen = match kind {
                    SourceKind::AwsJson => std::mem::replace(&mut e.by_aws, true),
                    SourceKind::Terraform => std::mem::replace(&mut e.by_terraform, true),
                    SourceKind::Program => std::mem::replace(&mut e.by_program, true),
                };
                let overrides = kind == SourceKind::AwsJson && !seen;
                let g = &mut e.group;
                if (overrides || g.name.is_empty()) && !group.name.is_empty() {
                    g.name = group.name;
                }
                if (overrides || g.description.is_empty()) && !group.description.is_empty() {
                    g.description = group.description;
                }
                if overrides || g.vpc_id.is_none() {
                    g.vpc_id = group.vpc_id.or(g.vpc_id.take());
                }
                if overrides || g.owner_id.is_none() {
                    g.owner_id = group.owner_id.or(g.owner_id.take());
                }
                if (overrides || g.tags.is_empty()) && !group.tags.is_empty() {
                    g.tags = group.tags;
                }
                g.is_default |= group.is_default;
                if seen {
                    let id = g.id.clone();
                    self.findings.push(finding(
                        Severity::Warning,
                        "duplicate_id",
                        format!("security group {id} is described more than once in {kind} input; descriptions merged"),
                        source,
                        Some(&id),
                    ));
                }
            }
        }
    }

    fn describe_prefix_list(&mut self, list: PrefixList, source: Option<String>) {
        match self.prefix_lists.get_mut(&list.id) {
            None => {
                self.prefix_lists.insert(
                    list.id.clone(),
                    PrefixListEntry {
                        list,
                        described: true,
                    },
                );
            }
            Some(e) if !e.described => {
                e.described = true;
                e.list.name = list.name;
                e.list.address_family = list.address_family;
                e.list.version = list.version;
                if let Some(entries) = list.entries {
                    e.list.entries.get_or_insert_with(Vec::new).extend(entries);
                }
            }
            Some(e) => {
                if let Some(entries) = list.entries {
                    e.list.entries.get_or_insert_with(Vec::new).extend(entries);
                }
                let id = list.id;
                self.findings.push(finding(
                    Severity::Warning,
                    "duplicate_id",
                    format!("prefix list {id} is described more than once; the first description is kept"),
                    source,
                    Some(&id),
                ));
            }
        }
    }

    fn add_eni_at(&mut self, eni: NetworkInterface, source: Option<String>) {
        if self.enis.contains_key(&eni.id) {
            self.findings.push(finding(
                Severity::Warning,
                "duplicate_id",
                format!("network interface {} is described more than once; the first description is kept", eni.id),
                source,
                Some(&eni.id),
            ));
        } else {
            self.enis.insert(eni.id.clone(), eni);
        }
    }

    /// Validates one rule description and merges it into the rule with the same tuple.
    fn observe(&mut self, input: RuleInput<'_>) {
        let src = at(&input.source.file, &input.source.location);
        let Some(protocol) = Protocol::parse(input.protocol) else {
            self.findings.push(finding(
                Severity::Error,
                "invalid_protocol",
                format!("{}: protocol {:?} is not -1, a name (tcp, udp, icmp, icmpv6) or a number 0-255; rule dropped", input.group_id, input.protocol),
                src,
                Some(input.group_id),
            ));
            return;
        };
        let ports = match ports_from_aws(protocol, input.from, input.to) {
            Ok(p) => p,
            Err(msg) => {
                self.findings.push(finding(
                    Severity::Error,
                    "invalid_ports",
                    format!("{}: {msg}; rule dropped", input.group_id),
                    src,
                    Some(input.group_id),
                ));
                return;
            }
        };
        let peer = match input.peer {
            PeerInput::Cidr { text, want_v4 } => match Cidr::parse_reporting_host_bits(&text) {
                Err(e) => {
                    self.findings.push(finding(
                        Severity::Error,
                        "invalid_cidr",
                        format!("{}: {e}; rule dropped", input.group_id),
                        src,
                        Some(input.group_id),
                    ));
                    return;
                }
                Ok((c, _)) if want_v4.is_some_and(|v4| v4 != c.is_ipv4()) => {
                    let family = if c.is_ipv4() { "an IPv4" } else { "an IPv6" };
                    self.findings.push(finding(
                        Severity::Error,
                        "invalid_cidr",
                        format!("{}: {text:?} is {family} block in a field of the other family; rule dropped", input.group_id),
                        src,
                        Some(input.group_id),
                    ));
                    return;
                }
                Ok((c, host_bits)) => {
                    if host_bits {
                        self.findings.push(finding(
                            Severity::Warning,
                            "non_canonical_cidr",
                            format!(
                                "{}: {text:?} has host bits set; read as {c}",
                                input.group_id
                            ),
                            src.clone(),
                            Some(input.group_id),
                        ));
                    }
                    Peer::Cidr(c)
                }
            },
            PeerInput::Group {
                id,
                owner_id,
                vpc_id,
                peering_status,
            } => Peer::Group {
                group_id: id,
                owner_id,
                vpc_id,
                peering_status,
            },
            PeerInput::PrefixList(id) => Peer::PrefixList { id },
        };
        let mut rule = Rule::new(input.group_id, input.direction, protocol, ports, peer);
        rule.description = input.description.filter(|d| !d.is_empty());
        rule.sources.push(input.source);
        self.merge_rule(rule, input.listing_id, input.other_id);
    }

    fn merge_rule(&mut self, rule: Rule, listing_id: Option<String>, other_id: Option<String>) {
        let key = rule.key();
        let Some(e) = self.rules.get_mut(&key) else {
            self.rules.insert(
                key,
                RuleEntry {
                    rule,
                    listing_id,
                    other_id,
                },
            );
            return;
        };
        let mut conflicts = Vec::new();
        for (slot, new) in [(&mut e.listing_id, listing_id), (&mut e.other_id, other_id)] {
            match (slot.as_ref(), new) {
                (Some(old), Some(new)) if *old != new => conflicts.push((old.clone(), new)),
                (None, Some(new)) => *slot = Some(new),
                _ => {}
            }
        }
        let r = &mut e.rule;
        if r.description.is_none() {
            r.description = rule.description;
        }
        if let (
            Peer::Group {
                owner_id,
                vpc_id,
                peering_status,
                ..
            },
            Peer::Group {
                owner_id: o2,
                vpc_id: v2,
                peering_status: p2,
                ..
            },
        ) = (&mut r.peer, rule.peer)
        {
            if owner_id.is_none() {
                *owner_id = o2;
            }
            if vpc_id.is_none() {
                *vpc_id = v2;
            }
            if peering_status.is_none() {
                *peering_status = p2;
            }
        }
        let source = rule
            .sources
            .first()
            .map(|s| format!("{}: {}", s.file.display(), s.location));
        r.sources.extend(rule.sources);
        for (old, new) in conflicts {
            self.findings.push(finding(
                Severity::Warning,
                "conflicting_rule_id",
                format!("rule {key} has two ids, {old} and {new}; {old} is kept"),
                source.clone(),
                Some(&old),
            ));
        }
    }

    /// Adds (or merges) a security group. Its rules are added with [`InventoryBuilder::add_rule`].
    pub fn add_group(&mut self, group: SecurityGroup) -> &mut Self {
        self.describe_group(group, SourceKind::Program, None);
        self
    }

    /// Adds a rule (merged with any rule of the same tuple). Its ports are normalised as
    /// documented on [`PortSpec`](crate::PortSpec); a rule whose ports contradict its protocol
    /// is dropped with an `invalid_ports` finding. An `sgr-…` id is kept; any other id is
    /// replaced by the derived one.
    pub fn add_rule(&mut self, mut rule: Rule) -> &mut Self {
        self.inputs += 1;
        match normalize_ports(rule.protocol, rule.ports) {
            Ok(p) => rule.ports = p,
            Err(msg) => {
                let g = rule.group_id.clone();
                self.findings.push(finding(
                    Severity::Error,
                    "invalid_ports",
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

    /// Adds a network interface (the first of two with the same id is kept).
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

    /// Adds a VPC (or subnet) CIDR, used by [`CompiledMatcher::is_internal`](crate::CompiledMatcher::is_internal).
    pub fn add_vpc_cidr(&mut self, cidr: Cidr) -> &mut Self {
        self.inputs += 1;
        self.vpc_cidrs.push(cidr);
        self
    }

    /// Finishes the inventory: assigns rule ids, sorts, and adds the validation findings.
    pub fn build(self) -> Inventory {
        let InventoryBuilder {
            groups,
            rules,
            enis,
            prefix_lists,
            mut vpc_cidrs,
            mut findings,
            stale_refs,
            owner_hints,
            inputs,
        } = self;
        if inputs == 0 {
            findings.push(finding(
                Severity::Warning,
                "empty_input",
                "no inventory input was loaded".to_owned(),
                None,
                None,
            ));
        }

        // Rules, in a stable order independent of input order.
        let mut entries: Vec<RuleEntry> = rules.into_values().collect();
        entries.sort_by(|a, b| {
            let (x, y) = (&a.rule, &b.rule);
            (
                &x.group_id,
                x.direction,
                x.protocol,
                x.ports,
                x.peer.to_key(),
            )
                .cmp(&(
                    &y.group_id,
                    y.direction,
                    y.protocol,
                    y.ports,
                    y.peer.to_key(),
                ))
        });
        let mut rule_ids: HashMap<String, u32> = HashMap::with_capacity(entries.len());
        let mut out_rules: Vec<Rule> = Vec::with_capacity(entries.len());
        for (i, e) in entries.into_iter().enumerate() {
            let mut rule = e.rule;
            if let Peer::Group {
                group_id,
                peering_status,
                ..
            } = &mut rule.peer
                && peering_status.is_none()
                && let Some(s) = stale_refs.get(&(rule.group_id.clone(), group_id.clone()))
            {
                *peering_status = Some(s.clone());
            }
            let derived = derived_rule_id(
                &rule.group_id,
                rule.direction,
                rule.protocol,
                rule.ports,
                &rule.peer,
            );
            let mut id = e.listing_id.or(e.other_id).map_or(derived.clone(), RuleId);
            if rule_ids.contains_key(id.as_str()) {
                let source = rule
                    .sources
                    .first()
                    .map(|s| format!("{}: {}", s.file.display(), s.location));
                findings.push(finding(
                    Severity::Warning,
                    "duplicate_id",
                    format!(
                        "rule id {id} names two different rules; {} keeps its derived id {derived}",
                        rule.key()
                    ),
                    source,
                    Some(id.as_str()),
                ));
                id = derived;
            }
            let idx = u32::try_from(i).unwrap_or(u32::MAX);
            rule_ids.insert(id.0.clone(), idx);
            rule.id = id;
            out_rules.push(rule);
        }

        // Groups: every rule's owner exists, described or not.
        let mut groups = groups;
        for r in &out_rules {
            if !groups.contains_key(&r.group_id) {
                let source = r
                    .sources
                    .first()
                    .map(|s| format!("{}: {}", s.file.display(), s.location));
                findings.push(finding(
                    Severity::Warning,
                    "group_not_described",
                    format!(
                        "group {} has rules but no description (name, VPC) was loaded",
                        r.group_id
                    ),
                    source,
                    Some(&r.group_id),
                ));
                let group = SecurityGroup {
                    id: r.group_id.clone(),
                    name: String::new(),
                    description: String::new(),
                    vpc_id: None,
                    owner_id: owner_hints.get(&r.group_id).cloned(),
                    is_default: false,
                    tags: Vec::new(),
                };
                groups.insert(
                    r.group_id.clone(),
                    GroupEntry {
                        group,
                        by_aws: false,
                        by_terraform: false,
                        by_program: false,
                    },
                );
            }
        }
        let out_groups: Vec<SecurityGroup> = groups.into_values().map(|e| e.group).collect();

        let mut out_lists: Vec<PrefixList> = prefix_lists.into_values().map(|e| e.list).collect();
        for l in &mut out_lists {
            if let Some(entries) = &mut l.entries {
                entries.sort();
                entries.dedup();
            }
            if l.address_family.is_empty()
                && let Some(first) = l.entries.as_ref().and_then(|e| e.first())
            {
                l.address_family = if first.is_ipv4() { "IPv4" } else { "IPv6" }.to_owned();
            }
        }
        let out_enis: Vec<NetworkInterface> = enis.into_values().collect();
        vpc_cidrs.sort();
        vpc_cidrs.dedup();

        let mut inv = Inventory {
            groups: out_groups,
            rules: out_rules,
            enis: out_enis,
            prefix_lists: out_lists,
            vpc_cidrs,
            findings,
            rule_ids,
        };
        inv.validate();
        inv
    }
}

/// Terraform CIDR, prefix-list and group lists of one block → peers with their locations.
fn tf_peers(
    loc: &str,
    cidrs: Option<Vec<String>>,
    cidrs6: Option<Vec<String>>,
    lists: Option<Vec<String>>,
    groups: Option<Vec<String>>,
) -> Vec<(PeerInput, String)> {
    let mut peers = Vec::new();
    for (k, text) in cidrs.unwrap_or_default().into_iter().enumerate() {
        peers.push((
            PeerInput::Cidr {
                text,
                want_v4: Some(true),
            },
            format!("{loc}.cidr_blocks[{k}]"),
        ));
    }
    for (k, text) in cidrs6.unwrap_or_default().into_iter().enumerate() {
        peers.push((
            PeerInput::Cidr {
                text,
                want_v4: Some(false),
            },
            format!("{loc}.ipv6_cidr_blocks[{k}]"),
        ));
    }
    for (k, id) in lists.unwrap_or_default().into_iter().enumerate() {
        peers.push((
            PeerInput::PrefixList(id),
            format!("{loc}.prefix_list_ids[{k}]"),
        ));
    }
    for (k, sg) in groups.unwrap_or_default().into_iter().enumerate() {
        peers.push((group_peer(&sg), format!("{loc}.security_groups[{k}]")));
    }
    peers
}

/// A Terraform group reference: `sg-…`, or `account/sg-…` for another account's group.
fn group_peer(text: &str) -> PeerInput {
    match text.split_once('/') {
        Some((owner, id)) => PeerInput::Group {
            id: id.to_owned(),
            owner_id: Some(owner.to_owned()),
            vpc_id: None,
            peering_status: None,
        },
        None => PeerInput::Group {
            id: text.to_owned(),
            owner_id: None,
            vpc_id: None,
            peering_status: None,
        },
    }
}

impl Inventory {
    /// Adds the findings about references: unresolved group peers, stale peerings, prefix lists
    /// without entries, ENIs carrying unknown groups.
    fn validate(&mut self) {
        let mut found = Vec::new();
        for r in &self.rules {
            let source = r
                .sources
                .first()
                .map(|s| format!("{}: {}", s.file.display(), s.location));
            match &r.peer {
                Peer::Group { group_id, peering_status, .. } if r.peer.is_stale() => found.push(finding(
                    Severity::Warning,
                    "stale_peering",
                    format!(
                        "rule {} of {} references {group_id} across a peering connection that is {}; it can never match",
                        r.id,
                        r.group_id,
                        peering_status.as_deref().unwrap_or("deleted")
                    ),
                    source,
                    Some(r.id.as_str()),
                )),
                Peer::Group { group_id, owner_id, .. } if self.group(group_id).is_none() => {
                    let owner = owner_id.as_deref().map(|o| format!(" (account {o})")).unwrap_or_default();
                    found.push(finding(
                        Severity::Warning,
                        "unresolved_group_peer",
                        format!("rule {} of {} references group {group_id}{owner}, which is not in the inventory; it never matches", r.id, r.group_id),
                        source,
                        Some(r.id.as_str()),
                    ));
                }
                Peer::PrefixList { id } if self.prefix_list(id).is_none_or(|l| l.entries.is_none()) => found.push(finding(
                    Severity::Warning,
                    "unexpanded_prefix_list",
                    format!(
                        "rule {} of {} references prefix list {id}, whose entries were not loaded (add `aws ec2 get-managed-prefix-list-entries` output); it never matches",
                        r.id, r.group_id
                    ),
                    source,
                    Some(r.id.as_str()),
                )),
                _ => {}
            }
        }
        for e in &self.enis {
            for g in &e.group_ids {
                if self.group(g).is_none() {
                    found.push(finding(
                        Severity::Warning,
                        "unknown_eni_group",
                        format!("network interface {} carries group {g}, which is not in the inventory; its rules are unknown", e.id),
                        None,
                        Some(&e.id),
                    ));
                }
            }
        }
        self.findings.extend(found);
    }
}

#[cfg(test)]
mod tests;
