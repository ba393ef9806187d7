//! What surrounds an ENI version: its subnet and that subnet's network ACL, the flow logs that
//! capture it, the load balancer it is a node of, and the ENIs a target group sends traffic to.

use hashbrown::HashMap;

use super::{CompiledMatcher, EniIdx, NONE, SubnetIdx};
use crate::addr::Addr;
use crate::load::Inventory;
use crate::model::{
    FlowLogConfig, LoadBalancer, NetworkAcl, NetworkInterface, Subnet, TargetGroup, TargetType,
    nacl_of_subnet,
};

/// Subnets, network ACLs, load balancers and target groups, with each ENI version's own.
#[derive(Clone, Debug, Default)]
pub(super) struct Surroundings {
    pub(super) subnets: Vec<Subnet>,
    subnet_index: HashMap<String, u32>,
    pub(super) eni_subnet: Vec<u32>,
    pub(super) nacls: Vec<NetworkAcl>,
    eni_nacl: Vec<u32>,
    pub(super) load_balancers: Vec<LoadBalancer>,
    eni_lb: Vec<u32>,
    pub(super) target_groups: Vec<TargetGroup>,
    flow_logs: Vec<FlowLogConfig>,
}

impl Surroundings {
    pub(super) fn new(inv: &Inventory, enis: &[NetworkInterface]) -> Surroundings {
        let subnets = inv.subnets().to_vec();
        let subnet_index: HashMap<String, u32> = subnets
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.clone(), i as u32))
            .collect();
        let eni_subnet = enis
            .iter()
            .map(|e| {
                e.subnet_id
                    .as_deref()
                    .and_then(|s| subnet_index.get(s).copied())
                    .unwrap_or(NONE)
            })
            .collect();
        let nacls = inv.network_acls().to_vec();
        let eni_nacl = enis
            .iter()
            .map(|e| {
                let Some(subnet) = e.subnet_id.as_deref() else {
                    return NONE;
                };
                let vpc = e.vpc_id.as_deref().or_else(|| {
                    subnet_index
                        .get(subnet)
                        .and_then(|&i| subnets.get(i as usize))
                        .and_then(|s| s.vpc_id.as_deref())
                });
                nacl_of_subnet(&nacls, subnet, vpc).unwrap_or(NONE)
            })
            .collect();
        let load_balancers = inv.load_balancers().to_vec();
        let by_key: HashMap<&str, u32> = inv
            .load_balancers()
            .iter()
            .enumerate()
            .filter_map(|(i, lb)| lb.resource_key().map(|k| (k, i as u32)))
            .collect();
        let eni_lb = enis
            .iter()
            .map(|e| {
                e.description
                    .strip_prefix("ELB ")
                    .and_then(|key| by_key.get(key).copied())
                    .unwrap_or(NONE)
            })
            .collect();
        Surroundings {
            subnets,
            subnet_index,
            eni_subnet,
            nacls,
            eni_nacl,
            load_balancers,
            eni_lb,
            target_groups: inv.target_groups().to_vec(),
            flow_logs: inv.flow_logs().to_vec(),
        }
    }
}

impl CompiledMatcher {
    /// The subnet of an ENI version, when it is known and was loaded.
    pub fn eni_subnet(&self, eni: EniIdx) -> Option<SubnetIdx> {
        self.around
            .eni_subnet
            .get(eni.0 as usize)
            .copied()
            .filter(|&s| s != NONE)
            .map(SubnetIdx)
    }

    /// The subnet at `idx`, or `None` for an index this matcher did not produce.
    pub fn subnet(&self, idx: SubnetIdx) -> Option<&Subnet> {
        self.around.subnets.get(idx.0 as usize)
    }

    /// The index of a subnet id.
    pub fn subnet_index(&self, subnet_id: &str) -> Option<SubnetIdx> {
        self.around
            .subnet_index
            .get(subnet_id)
            .map(|&i| SubnetIdx(i))
    }

    /// The network ACL of an ENI version's subnet: the one associated with the subnet, else its
    /// VPC's default ACL; `None` when no ACL data says.
    pub fn nacl_of(&self, eni: EniIdx) -> Option<&NetworkAcl> {
        let i = *self.around.eni_nacl.get(eni.0 as usize)?;
        self.around.nacls.get(i as usize)
    }

    /// The flow logs that capture an ENI version: those attached to the ENI itself, to its subnet
    /// or to its VPC (AWS delivers a record to each of them), in id order. Empty when none was
    /// loaded — which says nothing about coverage unless `describe-flow-logs` output was loaded.
    /// Each tells its [`TrafficType`](crate::TrafficType) and its
    /// [`creation_time`](FlowLogConfig::creation_time) (it captures nothing before).
    pub fn flow_logs_of(&self, eni: EniIdx) -> impl Iterator<Item = &FlowLogConfig> + '_ {
        let e = self.enis.get(eni.0 as usize);
        let ids = [
            e.map(|e| e.id.as_str()),
            e.and_then(|e| e.subnet_id.as_deref()),
            e.and_then(|e| e.vpc_id.as_deref()),
        ];
        self.around
            .flow_logs
            .iter()
            .filter(move |f| ids.contains(&Some(f.resource_id.as_str())))
    }

    /// The load balancer an ENI version is a node of (told by its `ELB <type>/<name>/<id>`
    /// description), when that load balancer was loaded.
    pub fn load_balancer_of(&self, eni: EniIdx) -> Option<&LoadBalancer> {
        let i = *self.around.eni_lb.get(eni.0 as usize)?;
        self.around.load_balancers.get(i as usize)
    }

    /// Every load balancer loaded, sorted by ARN.
    pub fn load_balancers(&self) -> &[LoadBalancer] {
        &self.around.load_balancers
    }

    /// Every target group loaded, sorted by ARN.
    pub fn target_groups(&self) -> &[TargetGroup] {
        &self.around.target_groups
    }

    /// The target groups a load balancer forwards to.
    pub fn target_groups_of<'a>(
        &'a self,
        lb: &'a LoadBalancer,
    ) -> impl Iterator<Item = &'a TargetGroup> + 'a {
        self.around
            .target_groups
            .iter()
            .filter(move |tg| tg.load_balancer_arns.contains(&lb.arn))
    }

    /// The ENI versions a target group's registered targets receive traffic on (ascending):
    /// for instance targets the instance's primary ENI (device index 0; every ENI of the
    /// instance when none is known to be primary), for IP targets the ENIs holding the address
    /// in the target group's VPC (and its peers), at any time. Empty when the targets were not
    /// loaded.
    pub fn target_enis(&self, tg: &TargetGroup) -> Vec<EniIdx> {
        let mut out = Vec::new();
        let scope = tg.vpc_id.as_deref().and_then(|v| self.vpc_index(v));
        for t in tg.targets.iter().flatten() {
            match tg.target_type {
                TargetType::Instance => {
                    let of_instance: Vec<u32> = (0..self.enis.len() as u32)
                        .filter(|&i| {
                            self.enis
                                .get(i as usize)
                                .is_some_and(|e| e.instance_id.as_deref() == Some(t.id.as_str()))
                        })
                        .collect();
                    let primary: Vec<u32> = of_instance
                        .iter()
                        .copied()
                        .filter(|&i| {
                            self.enis
                                .get(i as usize)
                                .is_some_and(|e| e.device_index == Some(0))
                        })
                        .collect();
                    let chosen = if primary.is_empty() {
                        of_instance
                    } else {
                        primary
                    };
                    out.extend(chosen.into_iter().map(EniIdx));
                }
                TargetType::Ip => {
                    let Ok(ip) = t.id.parse::<std::net::IpAddr>() else {
                        continue;
                    };
                    let addr = Addr::from_ip(ip);
                    for c in self.addresses.claims(addr) {
                        let vpc = self.eni_vpc.get(c.eni as usize).copied().unwrap_or(NONE);
                        if self.scopes.visible(scope.map(|v| v.0), vpc) {
                            out.push(EniIdx(c.eni));
                        }
                    }
                }
                _ => {}
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}
