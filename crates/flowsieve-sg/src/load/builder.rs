//! [`InventoryBuilder`]: JSON texts → pages → the loader of each top-level key; model values a
//! program adds; and `build`, which sorts everything, assigns rule ids and validates.

use std::collections::BTreeMap;
use std::path::Path;

use hashbrown::HashMap;

use super::at;
use super::fs::{decode_text, prefix_list_id_in_name};
use crate::addr::Cidr;
use crate::dto::Page;
use crate::error::{Error, Result};
use crate::model::{
    Finding, FindingCode, NetworkInterface, PrefixList, Rule, SecurityGroup, SourceKind,
    derived_rule_id, normalize_ports,
};

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
    pub(super) groups: BTreeMap<String, GroupEntry>,
    pub(super) rules: HashMap<String, RuleEntry>,
    pub(super) enis: BTreeMap<String, NetworkInterface>,
    pub(super) prefix_lists: BTreeMap<String, PrefixListEntry>,
    pub(super) vpc_cidrs: Vec<Cidr>,
    pub(super) findings: Vec<Finding>,
    /// (owning group, referenced group) → peering status, from describe-stale-security-groups.
    pub(super) stale_refs: HashMap<(String, String), String>,
    /// Owner account of groups known only from the rules listing (`GroupOwnerId`).
    pub(super) owner_hints: HashMap<String, String>,
    /// Number of inputs added (files, JSON texts, values), to report an empty load.
    pub(super) inputs: usize,
}

#[derive(Debug)]
pub(super) struct GroupEntry {
    pub(super) group: SecurityGroup,
    pub(super) by_aws: bool,
    pub(super) by_terraform: bool,
    pub(super) by_program: bool,
}

#[derive(Debug)]
pub(super) struct RuleEntry {
    pub(super) rule: Rule,
    /// `sgr-…` from describe-security-group-rules.
    pub(super) listing_id: Option<String>,
    /// `sgr-…` from Terraform (`security_group_rule_id`) or a program.
    pub(super) other_id: Option<String>,
}

#[derive(Debug)]
pub(super) struct PrefixListEntry {
    pub(super) list: PrefixList,
    pub(super) described: bool,
}

impl InventoryBuilder {
    /// An empty builder.
    pub fn new() -> InventoryBuilder {
        InventoryBuilder::default()
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

    pub(super) fn add_json_inner(
        &mut self,
        file: &Path,
        bytes: &[u8],
        explicit: bool,
    ) -> Result<()> {
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
            self.findings.push(Finding::new(
                FindingCode::UnrecognisedFile,
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
            self.add_aws_vpcs(file, prefix, vpcs)?;
        }
        if let Some(subnets) = page.subnets {
            recognised = true;
            self.add_aws_subnets(file, prefix, subnets)?;
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
}
