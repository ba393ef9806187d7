//! The inventory as the AWS CLI prints it (`aws ec2 describe-…` JSON: PascalCase keys, the shapes
//! of SECURITY-GROUPS.md §2–§5). Keys come out sorted (serde_json's map), lists in a fixed order,
//! indentation as the CLI's (4 spaces).
//!
//! Knows nothing about traffic.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::inventory::{ALL, EniKind, ICMP, ICMPV6, Inventory, Peer, REGION, Rule, TCP, UDP};

/// File name → document, for every file of `DIR/inventory/`.
pub(crate) fn documents(inv: &Inventory) -> BTreeMap<String, Value> {
    let mut docs = BTreeMap::new();
    docs.insert("describe-security-groups.json".into(), security_groups(inv));
    docs.insert(
        "describe-security-group-rules.json".into(),
        security_group_rules(inv),
    );
    docs.insert(
        "describe-network-interfaces.json".into(),
        network_interfaces(inv),
    );
    docs.insert(
        "describe-managed-prefix-lists.json".into(),
        prefix_lists(inv),
    );
    for pl in &inv.prefix_lists {
        let entries: Vec<Value> = pl
            .entries
            .iter()
            .map(|(c, d)| {
                let mut m = Map::new();
                m.insert("Cidr".into(), json!(c.to_string()));
                if let Some(d) = d {
                    m.insert("Description".into(), json!(d));
                }
                Value::Object(m)
            })
            .collect();
        docs.insert(
            format!("get-managed-prefix-list-entries-{}.json", pl.id),
            json!({ "Entries": entries }),
        );
    }
    docs.insert("describe-vpcs.json".into(), vpcs(inv));
    docs.insert("describe-subnets.json".into(), subnets(inv));
    docs
}

/// The CLI's `IpProtocol` string of an IANA number.
pub(crate) fn protocol_name(proto: i16) -> String {
    match proto {
        ALL => "-1".into(),
        TCP => "tcp".into(),
        UDP => "udp".into(),
        ICMP => "icmp".into(),
        ICMPV6 => "icmpv6".into(),
        other => other.to_string(),
    }
}

fn tags(name: &str) -> Value {
    json!([{ "Key": "Name", "Value": name }])
}

fn with_description(mut m: Map<String, Value>, rule: &Rule) -> Value {
    if let Some(d) = &rule.description {
        m.insert("Description".into(), json!(d));
    }
    Value::Object(m)
}

/// A group peer as `UserIdGroupPairs` / `ReferencedGroupInfo` show it (without description).
fn group_pair(peer: &Peer) -> Map<String, Value> {
    let mut m = Map::new();
    if let Peer::Group {
        id,
        user_id,
        vpc_id,
        peering,
        ..
    } = peer
    {
        m.insert("GroupId".into(), json!(id));
        m.insert("UserId".into(), json!(user_id));
        if let Some(v) = vpc_id {
            m.insert("VpcId".into(), json!(v));
        }
        if let Some(p) = peering {
            m.insert("VpcPeeringConnectionId".into(), json!(p));
            m.insert("PeeringStatus".into(), json!("active"));
        }
    }
    m
}

/// The `IpPermissions` of one direction: rules with the same protocol and ports bundled, each
/// peer in its list.
fn permissions(inv: &Inventory, group: usize, egress: bool) -> Vec<Value> {
    // (protocol, from, to) and the rules that share them, in rule order.
    type Bundle<'a> = ((i16, i32, i32), Vec<&'a Rule>);
    let mut bundles: Vec<Bundle<'_>> = Vec::new();
    for rule in inv
        .rules
        .iter()
        .filter(|r| r.group == group && r.egress == egress)
    {
        let key = (rule.proto, rule.from, rule.to);
        match bundles.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push(rule),
            None => bundles.push((key, vec![rule])),
        }
    }
    bundles
        .into_iter()
        .map(|((proto, from, to), rules)| {
            let (mut v4, mut v6, mut pls, mut pairs) =
                (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            for rule in rules {
                match &rule.peer {
                    Peer::Cidr(c) if c.is_v4() => v4.push(with_description(
                        Map::from_iter([("CidrIp".into(), json!(c.to_string()))]),
                        rule,
                    )),
                    Peer::Cidr(c) => v6.push(with_description(
                        Map::from_iter([("CidrIpv6".into(), json!(c.to_string()))]),
                        rule,
                    )),
                    Peer::PrefixList { id, .. } => pls.push(with_description(
                        Map::from_iter([("PrefixListId".into(), json!(id))]),
                        rule,
                    )),
                    Peer::Group { .. } => {
                        pairs.push(with_description(group_pair(&rule.peer), rule))
                    }
                }
            }
            let mut m = Map::new();
            m.insert("IpProtocol".into(), json!(protocol_name(proto)));
            if proto != ALL {
                m.insert("FromPort".into(), json!(from));
                m.insert("ToPort".into(), json!(to));
            }
            m.insert("IpRanges".into(), Value::Array(v4));
            m.insert("Ipv6Ranges".into(), Value::Array(v6));
            m.insert("PrefixListIds".into(), Value::Array(pls));
            m.insert("UserIdGroupPairs".into(), Value::Array(pairs));
            Value::Object(m)
        })
        .collect()
}

fn security_groups(inv: &Inventory) -> Value {
    let groups: Vec<Value> = inv
        .groups
        .iter()
        .enumerate()
        .map(|(i, g)| {
            json!({
                "Description": g.description,
                "GroupName": g.name,
                "IpPermissions": permissions(inv, i, false),
                "OwnerId": inv.account,
                "GroupId": g.id,
                "IpPermissionsEgress": permissions(inv, i, true),
                "Tags": tags(&g.name),
                "VpcId": inv.vpc_id,
                "SecurityGroupArn": format!("arn:aws:ec2:{REGION}:{}:security-group/{}", inv.account, g.id),
            })
        })
        .collect();
    json!({ "SecurityGroups": groups })
}

fn security_group_rules(inv: &Inventory) -> Value {
    let mut rules: Vec<&Rule> = inv.rules.iter().collect();
    rules.sort_by(|a, b| a.id.cmp(&b.id));
    let rules: Vec<Value> = rules
        .into_iter()
        .map(|r| {
            let mut m = Map::new();
            m.insert("SecurityGroupRuleId".into(), json!(r.id));
            m.insert("GroupId".into(), json!(inv.groups[r.group].id));
            m.insert("GroupOwnerId".into(), json!(inv.account));
            m.insert("IsEgress".into(), json!(r.egress));
            m.insert("IpProtocol".into(), json!(protocol_name(r.proto)));
            m.insert("FromPort".into(), json!(r.from));
            m.insert("ToPort".into(), json!(r.to));
            match &r.peer {
                Peer::Cidr(c) if c.is_v4() => {
                    m.insert("CidrIpv4".into(), json!(c.to_string()));
                }
                Peer::Cidr(c) => {
                    m.insert("CidrIpv6".into(), json!(c.to_string()));
                }
                Peer::PrefixList { id, .. } => {
                    m.insert("PrefixListId".into(), json!(id));
                }
                Peer::Group { .. } => {
                    m.insert(
                        "ReferencedGroupInfo".into(),
                        Value::Object(group_pair(&r.peer)),
                    );
                }
            }
            if let Some(d) = &r.description {
                m.insert("Description".into(), json!(d));
            }
            m.insert("Tags".into(), json!([]));
            m.insert(
                "SecurityGroupRuleArn".into(),
                json!(format!(
                    "arn:aws:ec2:{REGION}:{}:security-group-rule/{}",
                    inv.account, r.id
                )),
            );
            Value::Object(m)
        })
        .collect();
    json!({ "SecurityGroupRules": rules })
}

fn dns_name(addr: &str) -> String {
    format!("ip-{}.ec2.internal", addr.replace('.', "-"))
}

#[allow(clippy::too_many_lines)]
fn network_interfaces(inv: &Inventory) -> Value {
    let enis: Vec<Value> = inv
        .enis
        .iter()
        .map(|e| {
            let subnet = &inv.subnets[e.subnet];
            let primary = &inv.addrs[e.primary as usize].text;
            let association = e.public_ip.map(|(ip, elastic)| {
                let mut m = Map::new();
                m.insert(
                    "IpOwnerId".into(),
                    json!(if elastic {
                        inv.account.as_str()
                    } else {
                        "amazon"
                    }),
                );
                m.insert(
                    "PublicDnsName".into(),
                    json!(format!(
                        "ec2-{}.compute-1.amazonaws.com",
                        ip.to_string().replace('.', "-")
                    )),
                );
                m.insert("PublicIp".into(), json!(ip.to_string()));
                if elastic {
                    m.insert(
                        "AllocationId".into(),
                        json!(format!("eipalloc-{}", &e.attach_id[11..])),
                    );
                    m.insert(
                        "AssociationId".into(),
                        json!(format!("eipassoc-{}", &e.attach_id[11..])),
                    );
                }
                Value::Object(m)
            });
            let mut ips = Vec::new();
            for (k, &a) in std::iter::once(&e.primary)
                .chain(&e.secondaries)
                .enumerate()
            {
                let text = &inv.addrs[a as usize].text;
                let mut m = Map::new();
                m.insert("Primary".into(), json!(k == 0));
                m.insert("PrivateDnsName".into(), json!(dns_name(text)));
                m.insert("PrivateIpAddress".into(), json!(text));
                if k == 0
                    && let Some(assoc) = &association
                {
                    m.insert("Association".into(), assoc.clone());
                }
                ips.push(Value::Object(m));
            }
            let groups: Vec<Value> = e
                .groups
                .iter()
                .map(|&g| json!({ "GroupId": inv.groups[g].id, "GroupName": inv.groups[g].name }))
                .collect();
            let (interface_type, requester, description) = match &e.kind {
                EniKind::Instance { .. } => {
                    ("interface", None, "Primary network interface".to_string())
                }
                EniKind::Fargate { attachment } => (
                    "interface",
                    Some("578734482556"),
                    format!(
                        "arn:aws:ecs:{REGION}:{}:attachment/{attachment}",
                        inv.account
                    ),
                ),
                EniKind::Alb { name, lb_id } => (
                    "interface",
                    Some("amazon-elb"),
                    format!("ELB app/{name}/{lb_id}"),
                ),
                EniKind::Nat { nat_id } => (
                    "nat_gateway",
                    Some("amazon"),
                    format!("Interface for NAT Gateway {nat_id}"),
                ),
                EniKind::Lambda { function, uuid } => (
                    "lambda",
                    Some("amazon-lambda"),
                    format!("AWS Lambda VPC ENI-{function}-{uuid}"),
                ),
                EniKind::Vpce { vpce_id } => (
                    "vpc_endpoint",
                    Some("727180483921"),
                    format!("VPC Endpoint Interface {vpce_id}"),
                ),
                EniKind::Rds => (
                    "interface",
                    Some("amazon-rds"),
                    "RDSNetworkInterface".to_string(),
                ),
                EniKind::Efs { fs, fsmt } => (
                    "efs",
                    Some("641247547298"),
                    format!("EFS mount target for {fs} ({fsmt})"),
                ),
            };
            let requester_id = match (&e.kind, requester) {
                (EniKind::Lambda { .. }, _) => Some(format!(
                    "{}:awslambda_{}",
                    inv.account,
                    &e.attach_id[11..20]
                )),
                (_, r) => r.map(str::to_owned),
            };
            let mut attachment = Map::new();
            attachment.insert("AttachTime".into(), json!("2025-01-14T09:21:37+00:00"));
            attachment.insert("AttachmentId".into(), json!(e.attach_id));
            attachment.insert(
                "DeleteOnTermination".into(),
                json!(!matches!(e.kind, EniKind::Instance { .. })),
            );
            attachment.insert(
                "DeviceIndex".into(),
                json!(if matches!(e.kind, EniKind::Instance { .. }) {
                    0
                } else {
                    1
                }),
            );
            attachment.insert("NetworkCardIndex".into(), json!(0));
            attachment.insert("Status".into(), json!("attached"));
            match &e.kind {
                EniKind::Instance { instance_id } => {
                    attachment.insert("InstanceId".into(), json!(instance_id));
                    attachment.insert("InstanceOwnerId".into(), json!(inv.account));
                }
                EniKind::Alb { .. } => {
                    attachment.insert("InstanceOwnerId".into(), json!("amazon-elb"));
                }
                _ => {
                    attachment.insert(
                        "InstanceOwnerId".into(),
                        json!(requester_id.clone().unwrap_or_else(|| "amazon-aws".into())),
                    );
                }
            }
            let mut m = Map::new();
            if let Some(assoc) = association {
                m.insert("Association".into(), assoc);
            }
            m.insert("Attachment".into(), Value::Object(attachment));
            m.insert("AvailabilityZone".into(), json!(inv.azs[subnet.az].name));
            m.insert("Description".into(), json!(description));
            m.insert("Groups".into(), Value::Array(groups));
            m.insert("InterfaceType".into(), json!(interface_type));
            m.insert(
                "Ipv6Addresses".into(),
                json!(
                    e.v6.map(|a| vec![
                        json!({ "Ipv6Address": inv.addrs[a as usize].text, "IsPrimaryIpv6": false })
                    ])
                    .unwrap_or_default()
                ),
            );
            m.insert("MacAddress".into(), json!(e.mac));
            m.insert("NetworkInterfaceId".into(), json!(e.id));
            m.insert("OwnerId".into(), json!(inv.account));
            m.insert("PrivateDnsName".into(), json!(dns_name(primary)));
            m.insert("PrivateIpAddress".into(), json!(primary));
            m.insert("PrivateIpAddresses".into(), Value::Array(ips));
            if !e.prefixes.is_empty() {
                m.insert(
                    "Ipv4Prefixes".into(),
                    json!(
                        e.prefixes
                            .iter()
                            .map(|p| json!({ "Ipv4Prefix": p.to_string() }))
                            .collect::<Vec<_>>()
                    ),
                );
            }
            if let Some(r) = &requester_id {
                m.insert("RequesterId".into(), json!(r));
            }
            m.insert(
                "RequesterManaged".into(),
                json!(!matches!(e.kind, EniKind::Instance { .. })),
            );
            m.insert(
                "SourceDestCheck".into(),
                json!(!matches!(e.kind, EniKind::Nat { .. })),
            );
            m.insert("Status".into(), json!("in-use"));
            m.insert("SubnetId".into(), json!(subnet.id));
            m.insert("TagSet".into(), json!([]));
            m.insert("VpcId".into(), json!(inv.vpc_id));
            Value::Object(m)
        })
        .collect();
    json!({ "NetworkInterfaces": enis })
}

fn prefix_lists(inv: &Inventory) -> Value {
    let lists: Vec<Value> = inv
        .prefix_lists
        .iter()
        .map(|pl| {
            let owner = if pl.aws_managed {
                "aws".to_string()
            } else {
                inv.account.clone()
            };
            let mut m = Map::new();
            m.insert("PrefixListId".into(), json!(pl.id));
            m.insert("AddressFamily".into(), json!("IPv4"));
            m.insert("State".into(), json!("create-complete"));
            m.insert(
                "PrefixListArn".into(),
                json!(format!(
                    "arn:aws:ec2:{REGION}:{owner}:prefix-list/{}",
                    pl.id
                )),
            );
            m.insert("PrefixListName".into(), json!(pl.name));
            if let Some(max) = pl.max_entries {
                m.insert("MaxEntries".into(), json!(max));
            }
            m.insert("Version".into(), json!(pl.version));
            m.insert("Tags".into(), json!([]));
            m.insert("OwnerId".into(), json!(pl.owner));
            Value::Object(m)
        })
        .collect();
    json!({ "PrefixLists": lists })
}

fn vpcs(inv: &Inventory) -> Value {
    json!({ "Vpcs": [{
        "CidrBlock": inv.vpc_cidr.to_string(),
        "CidrBlockAssociationSet": [{
            "AssociationId": inv.vpc_assoc,
            "CidrBlock": inv.vpc_cidr.to_string(),
            "CidrBlockState": { "State": "associated" },
        }],
        "DhcpOptionsId": inv.dhcp_options,
        "InstanceTenancy": "default",
        "Ipv6CidrBlockAssociationSet": [{
            "AssociationId": inv.vpc_assoc_v6,
            "Ipv6CidrBlock": inv.vpc_v6.to_string(),
            "Ipv6CidrBlockState": { "State": "associated" },
            "Ipv6Pool": "Amazon",
            "NetworkBorderGroup": REGION,
        }],
        "IsDefault": false,
        "OwnerId": inv.account,
        "State": "available",
        "Tags": tags("flowsieve-synth"),
        "VpcId": inv.vpc_id,
    }] })
}

fn subnets(inv: &Inventory) -> Value {
    let subnets: Vec<Value> = inv
        .subnets
        .iter()
        .map(|s| {
            json!({
                "AssignIpv6AddressOnCreation": false,
                "AvailabilityZone": inv.azs[s.az].name,
                "AvailabilityZoneId": inv.azs[s.az].id,
                "AvailableIpAddressCount": 200,
                "CidrBlock": s.cidr.to_string(),
                "DefaultForAz": false,
                "Ipv6CidrBlockAssociationSet": [{
                    "AssociationId": s.assoc_v6,
                    "Ipv6CidrBlock": s.v6.to_string(),
                    "Ipv6CidrBlockState": { "State": "associated" },
                }],
                "MapPublicIpOnLaunch": s.tier == crate::inventory::Tier::Public,
                "OwnerId": inv.account,
                "State": "available",
                "SubnetArn": format!("arn:aws:ec2:{REGION}:{}:subnet/{}", inv.account, s.id),
                "SubnetId": s.id,
                "Tags": tags(&s.name),
                "VpcId": inv.vpc_id,
            })
        })
        .collect();
    json!({ "Subnets": subnets })
}
