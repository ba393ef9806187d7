//! [`InventoryBuilder`]: JSON texts → pages → the loader of each top-level key; model values a
//! program adds; the snapshot (layer) each description belongs to, and AWS Config observations.
//! `build` (in `finish.rs`) turns all of it into an [`Inventory`](crate::Inventory).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use hashbrown::HashMap;

use super::at;
use super::fs::{decode_text, prefix_list_id_in_name};
use crate::addr::Cidr;
use crate::dto::Page;
use crate::error::{Error, Result};
use crate::model::{
    Finding, FindingCode, FlowLogConfig, Interval, LoadBalancer, NetworkAcl, NetworkInterface,
    PrefixList, Rule, SecurityGroup, SourceKind, Subnet, Target, TargetGroup, Vpc, VpcPeering,
};

/// Index of a snapshot in [`InventoryBuilder::layers`]; [`UNDATED`] is the undated one.
pub(super) type LayerId = usize;

/// The undated snapshot: what is added outside any dated snapshot.
pub(super) const UNDATED: LayerId = 0;

/// One snapshot: its capture time, and which kinds of things it describes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct LayerInfo {
    pub(super) captured_at: Option<i64>,
    /// It describes network interfaces: an ENI it does not describe did not exist then.
    pub(super) has_enis: bool,
    /// It describes groups or rules: a rule it does not hold did not exist then.
    pub(super) has_groups: bool,
}

/// Where descriptions being read go.
#[derive(Debug)]
pub(super) enum Layer {
    /// Into a snapshot.
    Snapshot(LayerId),
    /// An AWS Config item being read: its rules' keys are collected for its observation.
    Collect(Vec<String>),
}

/// One AWS Config item of a resource: its capture time, the resource's creation time when
/// given, and its state (`None`: deleted or no longer recorded).
#[derive(Debug)]
pub(super) struct ConfigObservation<T> {
    pub(super) at: i64,
    pub(super) created: Option<i64>,
    pub(super) state: Option<T>,
}

impl<T> ConfigObservation<T> {
    pub(super) fn new(at: i64, created: Option<i64>, state: Option<T>) -> Self {
        ConfigObservation { at, created, state }
    }
}

/// AWS Config observations per resource id.
#[derive(Debug, Default)]
pub(super) struct ConfigHistory {
    pub(super) enis: BTreeMap<String, Vec<ConfigObservation<NetworkInterface>>>,
    /// A security group's state is the set of its rules' keys.
    pub(super) groups: BTreeMap<String, Vec<ConfigObservation<Vec<String>>>>,
}

/// How a target-health or attributes page names its target group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum TargetGroupRef {
    Arn(String),
    /// The hexadecimal id at the end of the ARN, from the file name.
    Id(String),
}

/// Targets or attributes of a target group, attached when the inventory is built.
#[derive(Debug)]
pub(super) struct PendingTargetGroupData {
    pub(super) group: TargetGroupRef,
    pub(super) targets: Option<Vec<Target>>,
    pub(super) preserve_client_ip: Option<bool>,
    pub(super) source: Option<String>,
}

/// A description that several snapshots may repeat, with the snapshot it came from.
#[derive(Debug)]
pub(super) struct Layered<T> {
    pub(super) value: T,
    pub(super) layer: LayerId,
}

/// Things described whole by id, the latest snapshot's description winning (VPCs, subnets,
/// peering connections, ACLs, flow logs, load balancers, target groups).
pub(super) trait Described: Sized {
    /// What it is, for messages.
    const WHAT: &'static str;
    /// Its map in the builder.
    fn map(b: &mut InventoryBuilder) -> &mut BTreeMap<String, Layered<Self>>;
}

macro_rules! described {
    ($t:ty, $what:literal, $field:ident) => {
        impl Described for $t {
            const WHAT: &'static str = $what;
            fn map(b: &mut InventoryBuilder) -> &mut BTreeMap<String, Layered<Self>> {
                &mut b.$field
            }
        }
    };
}

described!(Vpc, "VPC", vpcs);
described!(Subnet, "subnet", subnets);
described!(VpcPeering, "VPC peering connection", peerings);
described!(NetworkAcl, "network ACL", network_acls);
described!(FlowLogConfig, "flow log", flow_logs);
described!(LoadBalancer, "load balancer", load_balancers);
described!(TargetGroup, "target group", target_groups);

/// Assembles an [`Inventory`](crate::Inventory) from files, JSON text, or model values added by a program.
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
#[derive(Debug)]
pub struct InventoryBuilder {
    pub(super) groups: BTreeMap<String, GroupEntry>,
    pub(super) rules: HashMap<String, RuleEntry>,
    /// Per ENI id, its description in each snapshot that describes it.
    pub(super) enis: BTreeMap<String, Vec<(LayerId, NetworkInterface)>>,
    /// ENI versions a program added with a validity of their own.
    pub(super) explicit_enis: Vec<NetworkInterface>,
    pub(super) prefix_lists: BTreeMap<String, PrefixListEntry>,
    /// VPC CIDRs without a VPC id.
    pub(super) loose_vpc_cidrs: Vec<Cidr>,
    /// CIDRs of a VPC given apart from a description of it (Terraform VPC resources).
    pub(super) vpc_extra_cidrs: Vec<(String, Cidr)>,
    /// User-given on-premises ranges.
    pub(super) internal_cidrs: Vec<Cidr>,
    pub(super) vpcs: BTreeMap<String, Layered<Vpc>>,
    pub(super) subnets: BTreeMap<String, Layered<Subnet>>,
    pub(super) peerings: BTreeMap<String, Layered<VpcPeering>>,
    pub(super) network_acls: BTreeMap<String, Layered<NetworkAcl>>,
    pub(super) flow_logs: BTreeMap<String, Layered<FlowLogConfig>>,
    pub(super) load_balancers: BTreeMap<String, Layered<LoadBalancer>>,
    pub(super) target_groups: BTreeMap<String, Layered<TargetGroup>>,
    pub(super) pending_target_data: Vec<PendingTargetGroupData>,
    pub(super) config: ConfigHistory,
    /// Every snapshot; `layers[UNDATED]` is the undated one.
    pub(super) layers: Vec<LayerInfo>,
    /// Where descriptions being read go.
    pub(super) layer: Layer,
    pub(super) findings: Vec<Finding>,
    /// (owning group, referenced group) → peering status, from describe-stale-security-groups.
    pub(super) stale_refs: HashMap<(String, String), String>,
    /// Owner account of groups known only from the rules listing (`GroupOwnerId`).
    pub(super) owner_hints: HashMap<String, String>,
    /// Number of inputs added (files, JSON texts, values), to report an empty load.
    pub(super) inputs: usize,
}

impl Default for InventoryBuilder {
    fn default() -> Self {
        InventoryBuilder {
            groups: BTreeMap::new(),
            rules: HashMap::new(),
            enis: BTreeMap::new(),
            explicit_enis: Vec::new(),
            prefix_lists: BTreeMap::new(),
            loose_vpc_cidrs: Vec::new(),
            vpc_extra_cidrs: Vec::new(),
            internal_cidrs: Vec::new(),
            vpcs: BTreeMap::new(),
            subnets: BTreeMap::new(),
            peerings: BTreeMap::new(),
            network_acls: BTreeMap::new(),
            flow_logs: BTreeMap::new(),
            load_balancers: BTreeMap::new(),
            target_groups: BTreeMap::new(),
            pending_target_data: Vec::new(),
            config: ConfigHistory::default(),
            layers: vec![LayerInfo {
                captured_at: None,
                has_enis: false,
                has_groups: false,
            }],
            layer: Layer::Snapshot(UNDATED),
            findings: Vec::new(),
            stale_refs: HashMap::new(),
            owner_hints: HashMap::new(),
            inputs: 0,
        }
    }
}

#[derive(Debug)]
pub(super) struct GroupEntry {
    pub(super) group: SecurityGroup,
    /// (snapshot, kind of input) of every description, to report a group described twice by
    /// the same kind of input in one snapshot.
    pub(super) described: BTreeSet<(LayerId, SourceKind)>,
}

#[derive(Debug)]
pub(super) struct RuleEntry {
    pub(super) rule: Rule,
    /// `sgr-…` from describe-security-group-rules.
    pub(super) listing_id: Option<String>,
    /// `sgr-…` from Terraform (`security_group_rule_id`) or a program.
    pub(super) other_id: Option<String>,
    /// The snapshots that hold it.
    pub(super) layers: BTreeSet<LayerId>,
    /// Lifetimes a program gave.
    pub(super) explicit: Vec<Interval>,
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

    /// Adds the JSON text of one file (to the current snapshot: the undated one, or the one
    /// [`add_snapshot`](Self::add_snapshot) is reading). `name` stands for the file in messages
    /// and sources, and names the prefix list or target group of pages that do not name their
    /// own (see the crate docs).
    ///
    /// # Errors
    ///
    /// As [`Inventory::load`](crate::Inventory::load) for a file given explicitly.
    pub fn add_json(&mut self, name: impl AsRef<Path>, json: &[u8]) -> Result<&mut Self> {
        self.add_json_inner(name.as_ref(), json, true)?;
        Ok(self)
    }

    /// The snapshot descriptions go to (the undated one while an AWS Config item is read).
    pub(super) fn layer_id(&self) -> LayerId {
        match self.layer {
            Layer::Snapshot(l) => l,
            Layer::Collect(_) => UNDATED,
        }
    }

    /// Makes the snapshot captured at `captured_at` current (created when new); returns the
    /// previous current one.
    pub(super) fn enter_snapshot(&mut self, captured_at: Option<i64>) -> Layer {
        let id = match captured_at {
            None => UNDATED,
            Some(t) => match self.layers.iter().position(|l| l.captured_at == Some(t)) {
                Some(i) => i,
                None => {
                    self.layers.push(LayerInfo {
                        captured_at: Some(t),
                        has_enis: false,
                        has_groups: false,
                    });
                    self.layers.len() - 1
                }
            },
        };
        std::mem::replace(&mut self.layer, Layer::Snapshot(id))
    }

    /// Stores a description by id: the latest snapshot's wins (undated counts as earliest); a
    /// second description in the same snapshot is a `duplicate_id` finding, the first kept.
    pub(super) fn describe_latest<T: Described>(
        &mut self,
        id: String,
        value: T,
        source: Option<String>,
    ) {
        let layer = self.layer_id();
        let time = |l: LayerId, layers: &[LayerInfo]| {
            layers
                .get(l)
                .and_then(|i| i.captured_at)
                .unwrap_or(i64::MIN)
        };
        let now = time(layer, &self.layers);
        let old_layer = T::map(self).get(&id).map(|o| o.layer);
        match old_layer {
            None => {
                T::map(self).insert(id, Layered { value, layer });
            }
            Some(old) if old == layer => self.findings.push(Finding::new(
                FindingCode::DuplicateId,
                format!(
                    "{} {id} is described more than once; the first description is kept",
                    T::WHAT
                ),
                source,
                Some(&id),
            )),
            Some(old) if now > time(old, &self.layers) => {
                T::map(self).insert(id, Layered { value, layer });
            }
            Some(_) => {}
        }
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
        macro_rules! add {
            ($field:ident => $method:ident) => {
                if let Some(v) = page.$field {
                    recognised = true;
                    self.$method(file, prefix, v)?;
                }
            };
        }
        add!(security_groups => add_aws_groups);
        add!(security_group_rules => add_aws_rule_listing);
        add!(network_interfaces => add_aws_enis);
        add!(prefix_lists => add_aws_prefix_lists);
        add!(vpcs => add_aws_vpcs);
        add!(subnets => add_aws_subnets);
        add!(stale_security_group_set => add_aws_stale);
        add!(flow_logs => add_aws_flow_logs);
        add!(vpc_peering_connections => add_aws_peerings);
        add!(network_acls => add_aws_network_acls);
        add!(load_balancers => add_elb_load_balancers);
        add!(target_groups => add_elb_target_groups);
        add!(configuration_items => add_config_items);
        add!(results => add_config_results);
        if let Some(entries) = page.entries {
            recognised = true;
            let list_id = match page.prefix_list_id {
                Some(id) => super::req_id(file, Some(id), || format!("{prefix}PrefixListId"))?,
                None => {
                    prefix_list_id_in_name(file).ok_or_else(|| Error::UnnamedPrefixListEntries {
                        path: file.to_owned(),
                        json_path: format!("{prefix}Entries"),
                    })?
                }
            };
            self.add_aws_entries(file, prefix, &list_id, entries)?;
        }
        let tg = page.target_group_arn.as_deref();
        if let Some(health) = page.target_health_descriptions {
            recognised = true;
            self.add_elb_target_health(file, prefix, tg, health)?;
        }
        if let Some(attributes) = page.attributes {
            recognised |= self.add_elb_attributes(file, prefix, tg, attributes)?;
        }
        if let Some(version) = page.format_version {
            recognised = true;
            self.add_terraform(file, prefix, &version, page.values, page.planned_values)?;
        }
        Ok(recognised)
    }
}
