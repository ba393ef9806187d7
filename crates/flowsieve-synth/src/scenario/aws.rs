//! A scenario's declared network as the AWS CLI prints it: `describe-*` snapshots (PascalCase,
//! SECURITY-GROUPS.md shapes), AWS Config history (`get-resource-config-history` for ENIs,
//! `select-resource-config` for security groups: camelCase `configuration`), and the optional
//! `describe-flow-logs`, `describe-vpc-peering-connections`, `describe-network-acls` and elbv2
//! load balancer / target group / target health documents.
//!
//! Knows nothing about traffic.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::logs::{REGION, az_id, instance_id};
use super::model::{ALL, Account, EniKind, Peer, Resource, Rule};
use crate::aws_json::protocol_name;
use crate::time::civil;

/// `2025-03-03T10:00:00+00:00` (AWS CLI v2's ISO 8601 form).
pub(crate) fn iso(ts: u64) -> String {
    let c = civil(ts);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+00:00",
        c.year,
        c.month,
        c.day,
        c.hour,
        c.minute,
        ts % 60
    )
}

/// `2025-03-03T10:00:00Z`: the name of a dated snapshot directory.
pub(crate) fn rfc3339(ts: u64) -> String {
    let c = civil(ts);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        c.year,
        c.month,
        c.day,
        c.hour,
        c.minute,
        ts % 60
    )
}

/// `UserIdGroupPairs` / `ReferencedGroupInfo` of a group peer.
fn group_pair(a: &Account, peer: &Peer, camel: bool) -> Map<String, Value> {
    let mut m = Map::new();
    if let Peer::Group { group, peering } = peer {
        let g = &a.groups[group.0];
        let k = |pascal: &str| {
            if camel {
                let mut s = pascal.to_string();
                s[..1].make_ascii_lowercase();
                s
            } else {
                pascal.to_string()
            }
        };
        m.insert(k("GroupId"), json!(g.id));
        m.insert(k("UserId"), json!(g.owner));
        if let Some(p) = peering {
            let p = &a.peerings[p.0];
            m.insert(k("VpcId"), json!(a.vpcs[g.vpc.0].id));
            m.insert(k("VpcPeeringConnectionId"), json!(p.id));
            m.insert(k("PeeringStatus"), json!(p.status));
        }
    }
    m
}

/// The `IpPermissions` of one direction of a group at `at`, rules with the same protocol and
/// ports bundled. `camel`: AWS Config's spelling (with `ipv4Ranges` and the flat `ipRanges`).
fn permissions(a: &Account, group: usize, egress: bool, at: u64, camel: bool) -> Vec<Value> {
    // (protocol, from, to) and the rules that share them, in rule order.
    type Bundle<'a> = ((i16, i32, i32), Vec<&'a Rule>);
    let mut bundles: Vec<Bundle<'_>> = Vec::new();
    for r in a
        .rules
        .iter()
        .filter(|r| r.group.0 == group && r.egress == egress && r.active_at(at))
    {
        let key = (r.protocol, r.from, r.to);
        match bundles.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push(r),
            None => bundles.push((key, vec![r])),
        }
    }
    let names: [&str; 9] = if camel {
        [
            "ipProtocol",
            "fromPort",
            "toPort",
            "ipv4Ranges",
            "ipv6Ranges",
            "prefixListIds",
            "userIdGroupPairs",
            "cidrIp",
            "ipRanges",
        ]
    } else {
        [
            "IpProtocol",
            "FromPort",
            "ToPort",
            "IpRanges",
            "Ipv6Ranges",
            "PrefixListIds",
            "UserIdGroupPairs",
            "CidrIp",
            "",
        ]
    };
    bundles
        .into_iter()
        .map(|((proto, from, to), rules)| {
            let (mut v4, mut flat, mut pairs) = (Vec::new(), Vec::new(), Vec::new());
            for r in rules {
                match &r.peer {
                    Peer::Cidr(c) => {
                        v4.push(json!({ names[7]: c.to_string() }));
                        flat.push(json!(c.to_string()));
                    }
                    Peer::Group { .. } => pairs.push(Value::Object(group_pair(a, &r.peer, camel))),
                }
            }
            let mut m = Map::new();
            m.insert(names[0].into(), json!(protocol_name(proto)));
            if proto != ALL {
                m.insert(names[1].into(), json!(from));
                m.insert(names[2].into(), json!(to));
            }
            m.insert(names[3].into(), Value::Array(v4));
            m.insert(names[4].into(), json!([]));
            m.insert(names[5].into(), json!([]));
            m.insert(names[6].into(), Value::Array(pairs));
            if camel {
                m.insert(names[8].into(), Value::Array(flat));
            }
            Value::Object(m)
        })
        .collect()
}

fn security_groups(a: &Account, at: u64) -> Value {
    let groups: Vec<Value> = a
        .groups
        .iter()
        .enumerate()
        .filter(|(_, g)| g.loaded && a.vpcs[g.vpc.0].loaded)
        .map(|(i, g)| {
            json!({
                "Description": format!("{} ({})", g.name, a.name),
                "GroupName": g.name,
                "IpPermissions": permissions(a, i, false, at, false),
                "OwnerId": g.owner,
                "GroupId": g.id,
                "IpPermissionsEgress": permissions(a, i, true, at, false),
                "Tags": [{ "Key": "Name", "Value": g.name }],
                "VpcId": a.vpcs[g.vpc.0].id,
                "SecurityGroupArn": format!("arn:aws:ec2:{REGION}:{}:security-group/{}", g.owner, g.id),
            })
        })
        .collect();
    json!({ "SecurityGroups": groups })
}

fn security_group_rules(a: &Account, at: u64) -> Value {
    let mut rules: Vec<&Rule> = a
        .rules
        .iter()
        .filter(|r| {
            let g = &a.groups[r.group.0];
            g.loaded && a.vpcs[g.vpc.0].loaded && r.active_at(at)
        })
        .collect();
    rules.sort_by(|x, y| x.id.cmp(&y.id));
    let rules: Vec<Value> = rules
        .into_iter()
        .map(|r| {
            let g = &a.groups[r.group.0];
            let mut m = Map::new();
            m.insert("SecurityGroupRuleId".into(), json!(r.id));
            m.insert("GroupId".into(), json!(g.id));
            m.insert("GroupOwnerId".into(), json!(g.owner));
            m.insert("IsEgress".into(), json!(r.egress));
            m.insert("IpProtocol".into(), json!(protocol_name(r.protocol)));
            m.insert("FromPort".into(), json!(r.from));
            m.insert("ToPort".into(), json!(r.to));
            match &r.peer {
                Peer::Cidr(c) => {
                    m.insert("CidrIpv4".into(), json!(c.to_string()));
                }
                Peer::Group { .. } => {
                    m.insert(
                        "ReferencedGroupInfo".into(),
                        Value::Object(group_pair(a, &r.peer, false)),
                    );
                }
            }
            m.insert("Tags".into(), json!([]));
            m.insert(
                "SecurityGroupRuleArn".into(),
                json!(format!(
                    "arn:aws:ec2:{REGION}:{}:security-group-rule/{}",
                    g.owner, r.id
                )),
            );
            Value::Object(m)
        })
        .collect();
    json!({ "SecurityGroupRules": rules })
}

/// (InterfaceType, RequesterId, RequesterManaged, Description) of an ENI.
fn eni_identity(a: &Account, eni: usize) -> (&'static str, Option<String>, bool, String) {
    let e = &a.enis[eni];
    let short = &e.id[4..];
    match e.kind {
        EniKind::Instance(_) | EniKind::EcsContainerInstance => {
            ("interface", None, false, "Primary network interface".into())
        }
        EniKind::EcsTask => (
            "interface",
            Some("578734482556".into()),
            true,
            format!("arn:aws:ecs:{REGION}:{}:attachment/{short}", a.account),
        ),
        EniKind::Alb => (
            "interface",
            Some("amazon-elb".into()),
            true,
            format!("ELB app/{}/{}", e.name, &short[..16]),
        ),
        EniKind::Nlb(lb) => {
            let lb = &a.lbs[lb.0];
            (
                "network_load_balancer",
                Some("amazon-elb".into()),
                true,
                format!("ELB net/{}/{}", lb.name, lb.lb_id),
            )
        }
        EniKind::NatGateway => (
            "nat_gateway",
            Some("amazon".into()),
            true,
            format!("Interface for NAT Gateway nat-{}", &short[..17]),
        ),
        EniKind::Lambda => (
            "lambda",
            Some(format!("{}:awslambda_{}", a.account, &short[..9])),
            true,
            format!("AWS Lambda VPC ENI-{}-{}", e.name, &short[..8]),
        ),
        EniKind::Efs => (
            "efs",
            Some("641247547298".into()),
            true,
            format!(
                "EFS mount target for fs-{} (fsmt-{})",
                &short[..8],
                &short[8..16]
            ),
        ),
        EniKind::Rds => (
            "interface",
            Some("amazon-rds".into()),
            true,
            "RDSNetworkInterface".into(),
        ),
        EniKind::VpcEndpoint => (
            "vpc_endpoint",
            Some("727180483921".into()),
            true,
            format!("VPC Endpoint Interface vpce-{}", &short[..17]),
        ),
    }
}

/// One ENI as `describe-network-interfaces` (PascalCase) or AWS Config (camelCase) shows it,
/// with its groups at `at`.
fn eni_doc(a: &Account, eni: usize, at: u64, camel: bool) -> Value {
    let e = &a.enis[eni];
    let subnet = &a.subnets[e.subnet.0];
    let (itype, requester, managed, description) = eni_identity(a, eni);
    let groups: Vec<Value> = e
        .groups_at(at)
        .iter()
        .map(|g| json!({ "GroupId": a.groups[g.0].id, "GroupName": a.groups[g.0].name }))
        .collect();
    let ips: Vec<Value> = e
        .addrs
        .iter()
        .enumerate()
        .map(|(k, ip)| {
            json!({
                "Primary": k == 0,
                "PrivateDnsName": format!("ip-{}.ec2.internal", ip.to_string().replace('.', "-")),
                "PrivateIpAddress": ip.to_string(),
            })
        })
        .collect();
    let mut m = Map::new();
    if let Some(instance) = instance_id(a, eni) {
        m.insert(
            "Attachment".into(),
            json!({
                "AttachTime": iso(1_735_689_600),
                "AttachmentId": format!("eni-attach-{}", &e.id[4..]),
                "DeleteOnTermination": true,
                "DeviceIndex": 0,
                "InstanceId": instance,
                "InstanceOwnerId": a.account,
                "Status": "attached",
            }),
        );
    }
    m.insert(
        "AvailabilityZone".into(),
        json!(format!("{REGION}{}", ["a", "b", "c"][e.subnet.0 % 3])),
    );
    m.insert("Description".into(), json!(description));
    m.insert("Groups".into(), Value::Array(groups));
    m.insert("InterfaceType".into(), json!(itype));
    m.insert("Ipv6Addresses".into(), json!([]));
    m.insert(
        "MacAddress".into(),
        json!(format!(
            "02:{}:{}:{}:{}:{}",
            &e.id[4..6],
            &e.id[6..8],
            &e.id[8..10],
            &e.id[10..12],
            &e.id[12..14]
        )),
    );
    m.insert("NetworkInterfaceId".into(), json!(e.id));
    m.insert("OwnerId".into(), json!(a.account));
    m.insert("PrivateIpAddress".into(), json!(e.primary().to_string()));
    m.insert("PrivateIpAddresses".into(), Value::Array(ips));
    if let Some(r) = requester {
        m.insert("RequesterId".into(), json!(r));
    }
    m.insert("RequesterManaged".into(), json!(managed));
    m.insert(
        "SourceDestCheck".into(),
        json!(e.kind != EniKind::NatGateway),
    );
    m.insert("Status".into(), json!("in-use"));
    m.insert("SubnetId".into(), json!(subnet.id));
    m.insert("TagSet".into(), json!([]));
    m.insert("VpcId".into(), json!(a.vpcs[subnet.vpc.0].id));
    let doc = Value::Object(m);
    if camel { camel_case(doc) } else { doc }
}

/// PascalCase keys → camelCase, recursively (AWS Config's spelling of EC2 resources).
fn camel_case(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| {
                    let mut k = k;
                    if let Some(first) = k.get(..1) {
                        let lower = first.to_ascii_lowercase();
                        k.replace_range(..1, &lower);
                    }
                    (k, camel_case(v))
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(camel_case).collect()),
        other => other,
    }
}

fn vpcs(a: &Account) -> Value {
    let vpcs: Vec<Value> = a
        .vpcs
        .iter()
        .filter(|v| v.loaded)
        .map(|v| {
            json!({
                "CidrBlock": v.cidr.to_string(),
                "CidrBlockAssociationSet": [{
                    "AssociationId": format!("vpc-cidr-assoc-{}", &v.id[4..]),
                    "CidrBlock": v.cidr.to_string(),
                    "CidrBlockState": { "State": "associated" },
                }],
                "DhcpOptionsId": "dopt-0a1b2c3d4e5f60718",
                "InstanceTenancy": "default",
                "IsDefault": false,
                "OwnerId": a.account,
                "State": "available",
                "Tags": [{ "Key": "Name", "Value": v.name }],
                "VpcId": v.id,
            })
        })
        .collect();
    json!({ "Vpcs": vpcs })
}

fn subnets(a: &Account) -> Value {
    let subnets: Vec<Value> = a
        .subnets
        .iter()
        .enumerate()
        .filter(|(_, s)| a.vpcs[s.vpc.0].loaded)
        .map(|(i, s)| {
            json!({
                "AvailabilityZone": format!("{REGION}{}", ["a", "b", "c"][i % 3]),
                "AvailabilityZoneId": az_id(i),
                "AvailableIpAddressCount": 240,
                "CidrBlock": s.cidr.to_string(),
                "DefaultForAz": false,
                "MapPublicIpOnLaunch": false,
                "OwnerId": a.account,
                "State": "available",
                "SubnetArn": format!("arn:aws:ec2:{REGION}:{}:subnet/{}", a.account, s.id),
                "SubnetId": s.id,
                "Tags": [{ "Key": "Name", "Value": s.name }],
                "VpcId": a.vpcs[s.vpc.0].id,
            })
        })
        .collect();
    json!({ "Subnets": subnets })
}

/// The `describe-*` files of a snapshot of the network as it was at `at` (offset).
pub(crate) fn snapshot(a: &Account, at: u64) -> BTreeMap<String, Value> {
    let enis: Vec<Value> = a
        .enis
        .iter()
        .enumerate()
        .filter(|(_, e)| e.alive_at(at) && a.vpcs[a.subnets[e.subnet.0].vpc.0].loaded)
        .map(|(i, _)| eni_doc(a, i, at, false))
        .collect();
    let mut docs = BTreeMap::new();
    docs.insert(
        "describe-security-groups.json".into(),
        security_groups(a, at),
    );
    docs.insert(
        "describe-security-group-rules.json".into(),
        security_group_rules(a, at),
    );
    docs.insert(
        "describe-network-interfaces.json".into(),
        json!({ "NetworkInterfaces": enis }),
    );
    docs.insert("describe-vpcs.json".into(), vpcs(a));
    docs.insert("describe-subnets.json".into(), subnets(a));
    docs
}

/// One AWS Config configuration item.
fn config_item(
    a: &Account,
    rtype: &str,
    id: &str,
    at: u64,
    status: &str,
    conf: Option<Value>,
    vpc: &str,
) -> Value {
    let conf_text = conf
        .map(|c| Value::String(c.to_string()))
        .unwrap_or(Value::Null);
    json!({
        "version": "1.3",
        "accountId": a.account,
        "configurationItemCaptureTime": iso(at),
        "configurationItemStatus": status,
        "configurationStateId": format!("{}", at * 1000),
        "arn": format!("arn:aws:ec2:{REGION}:{}:{}/{id}", a.account, if rtype.ends_with("NetworkInterface") { "network-interface" } else { "security-group" }),
        "resourceType": rtype,
        "resourceId": id,
        "awsRegion": REGION,
        "availabilityZone": "Not Applicable",
        "tags": {},
        "relatedEvents": [],
        "relationships": [{ "resourceType": "AWS::EC2::VPC", "resourceId": vpc, "relationshipName": "Is contained in Vpc" }],
        "configuration": conf_text,
        "supplementaryConfiguration": {},
    })
}

/// AWS Config history: one `get-resource-config-history` document per ENI (newest first, as
/// the CLI returns it by default) and one `select-resource-config` document with every
/// configuration item of every security group (`t0` is the absolute window start).
pub(crate) fn config_history(a: &Account, t0: u64) -> BTreeMap<String, Value> {
    let mut docs = BTreeMap::new();
    for (i, e) in a.enis.iter().enumerate() {
        let vpc = &a.vpcs[a.subnets[e.subnet.0].vpc.0];
        if !vpc.loaded {
            continue;
        }
        let mut items = Vec::new();
        for (k, v) in e.versions.iter().enumerate() {
            let status = if k == 0 { "ResourceDiscovered" } else { "OK" };
            items.push(config_item(
                a,
                "AWS::EC2::NetworkInterface",
                &e.id,
                t0 + v.from,
                status,
                Some(eni_doc(a, i, v.from, true)),
                &vpc.id,
            ));
        }
        if let Some(d) = e.deleted {
            items.push(config_item(
                a,
                "AWS::EC2::NetworkInterface",
                &e.id,
                t0 + d,
                "ResourceDeleted",
                None,
                &vpc.id,
            ));
        }
        items.reverse();
        docs.insert(
            format!("get-resource-config-history-{}.json", e.id),
            json!({ "configurationItems": items }),
        );
    }
    let mut results = Vec::new();
    for (gi, g) in a.groups.iter().enumerate() {
        if !g.loaded || !a.vpcs[g.vpc.0].loaded {
            continue;
        }
        let mut times: Vec<u64> = vec![0];
        for r in a.rules.iter().filter(|r| r.group.0 == gi) {
            times.extend(r.created);
            times.extend(r.deleted);
        }
        times.sort_unstable();
        times.dedup();
        for (k, &at) in times.iter().enumerate() {
            let conf = json!({
                "description": format!("{} ({})", g.name, a.name),
                "groupName": g.name,
                "ipPermissions": permissions(a, gi, false, at, true),
                "ownerId": g.owner,
                "groupId": g.id,
                "ipPermissionsEgress": permissions(a, gi, true, at, true),
                "tags": [{ "key": "Name", "value": g.name }],
                "vpcId": a.vpcs[g.vpc.0].id,
            });
            let item = json!({
                "resourceId": g.id,
                "resourceType": "AWS::EC2::SecurityGroup",
                "configurationItemCaptureTime": iso(t0 + at),
                "configurationItemStatus": if k == 0 { "ResourceDiscovered" } else { "OK" },
                "configuration": conf,
            });
            results.push(Value::String(item.to_string()));
        }
    }
    docs.insert(
        "select-resource-config-security-groups.json".into(),
        json!({
            "Results": results,
            "QueryInfo": { "SelectFields": [
                { "Name": "resourceId" }, { "Name": "resourceType" },
                { "Name": "configurationItemCaptureTime" }, { "Name": "configurationItemStatus" },
                { "Name": "configuration" } ] },
        }),
    );
    docs
}

/// `describe-flow-logs`.
pub(crate) fn flow_logs(a: &Account, t0: u64) -> Value {
    let logs: Vec<Value> = a
        .flow_logs
        .iter()
        .map(|f| {
            let resource = match f.resource {
                Resource::Vpc(v) => a.vpcs[v.0].id.clone(),
                Resource::Subnet(s) => a.subnets[s.0].id.clone(),
                Resource::Eni(e) => a.enis[e.0].id.clone(),
            };
            json!({
                "CreationTime": iso(t0 + f.from),
                "DeliverLogsStatus": "SUCCESS",
                "FlowLogId": f.id,
                "FlowLogStatus": "ACTIVE",
                "ResourceId": resource,
                "TrafficType": f.traffic.aws_name(),
                "LogDestinationType": "s3",
                "LogDestination": format!("arn:aws:s3:::flowlogs-{}", a.account),
                "LogFormat": f.format.log_format(),
                "Tags": [],
                "MaxAggregationInterval": f.interval,
                "DestinationOptions": { "FileFormat": "plain-text", "HiveCompatiblePartitions": false, "PerHourPartition": false },
            })
        })
        .collect();
    json!({ "FlowLogs": logs })
}

/// `describe-vpc-peering-connections`.
pub(crate) fn peerings(a: &Account) -> Value {
    let info = |v: usize| {
        let vpc = &a.vpcs[v];
        json!({
            "CidrBlock": vpc.cidr.to_string(),
            "CidrBlockSet": [{ "CidrBlock": vpc.cidr.to_string() }],
            "OwnerId": a.account,
            "Region": REGION,
            "VpcId": vpc.id,
        })
    };
    let list: Vec<Value> = a
        .peerings
        .iter()
        .map(|p| {
            json!({
                "AccepterVpcInfo": info(p.accepter.0),
                "RequesterVpcInfo": info(p.requester.0),
                "Status": { "Code": p.status, "Message": p.status },
                "Tags": [],
                "VpcPeeringConnectionId": p.id,
            })
        })
        .collect();
    json!({ "VpcPeeringConnections": list })
}

/// `describe-network-acls`: the custom ACLs and each loaded VPC's default (allow all).
pub(crate) fn nacls(a: &Account) -> Value {
    let mut list = Vec::new();
    for (vi, v) in a.vpcs.iter().enumerate().filter(|(_, v)| v.loaded) {
        let defaults: Vec<Value> = a
            .subnets
            .iter()
            .filter(|s| s.vpc.0 == vi && s.nacl.is_none())
            .map(|s| json!({ "SubnetId": s.id, "NetworkAclId": format!("acl-{}", &v.id[4..]) }))
            .collect();
        let entry = |egress: bool, number: u32, allow: bool| {
            json!({ "CidrBlock": "0.0.0.0/0", "Egress": egress, "Protocol": "-1",
                    "RuleAction": if allow { "allow" } else { "deny" }, "RuleNumber": number })
        };
        list.push(json!({
            "Associations": defaults,
            "Entries": [entry(true, 100, true), entry(true, 32767, false), entry(false, 100, true), entry(false, 32767, false)],
            "IsDefault": true,
            "NetworkAclId": format!("acl-{}", &v.id[4..]),
            "OwnerId": a.account,
            "VpcId": v.id,
        }));
    }
    for (ni, n) in a.nacls.iter().enumerate() {
        let assoc: Vec<Value> = a
            .subnets
            .iter()
            .filter(|s| s.nacl.is_some_and(|x| x.0 == ni))
            .map(|s| json!({ "SubnetId": s.id, "NetworkAclId": n.id }))
            .collect();
        let mut entries: Vec<Value> = n
            .entries
            .iter()
            .map(|e| {
                let mut m = Map::new();
                m.insert("CidrBlock".into(), json!(e.cidr.to_string()));
                m.insert("Egress".into(), json!(e.egress));
                m.insert("Protocol".into(), json!(e.protocol.to_string()));
                m.insert(
                    "RuleAction".into(),
                    json!(if e.allow { "allow" } else { "deny" }),
                );
                m.insert("RuleNumber".into(), json!(e.number));
                if let Some((lo, hi)) = e.ports {
                    m.insert("PortRange".into(), json!({ "From": lo, "To": hi }));
                }
                Value::Object(m)
            })
            .collect();
        for egress in [true, false] {
            entries.push(json!({ "CidrBlock": "0.0.0.0/0", "Egress": egress, "Protocol": "-1", "RuleAction": "deny", "RuleNumber": 32767 }));
        }
        list.push(json!({
            "Associations": assoc,
            "Entries": entries,
            "IsDefault": false,
            "NetworkAclId": n.id,
            "OwnerId": a.account,
            "VpcId": a.vpcs[n.vpc.0].id,
        }));
    }
    json!({ "NetworkAcls": list })
}

/// elbv2 documents: `describe-load-balancers`, `describe-target-groups`, and per target group
/// `describe-target-health` and `describe-target-group-attributes` (wrapped with the target
/// group's ARN, which the CLI output does not repeat; the file name carries its id too).
pub(crate) fn load_balancers(a: &Account) -> BTreeMap<String, Value> {
    let mut docs = BTreeMap::new();
    let (mut lbs, mut tgs) = (Vec::new(), Vec::new());
    for lb in &a.lbs {
        let arn = format!(
            "arn:aws:elasticloadbalancing:{REGION}:{}:loadbalancer/net/{}/{}",
            a.account, lb.name, lb.lb_id
        );
        let tg_id = &lb.lb_id;
        let tg_arn = format!(
            "arn:aws:elasticloadbalancing:{REGION}:{}:targetgroup/{}-tg/{tg_id}",
            a.account, lb.name
        );
        let azs: Vec<Value> = lb
            .enis
            .iter()
            .map(|e| {
                let s = &a.subnets[a.enis[e.0].subnet.0];
                json!({ "ZoneName": format!("{REGION}{}", ["a", "b", "c"][a.enis[e.0].subnet.0 % 3]), "SubnetId": s.id,
                        "LoadBalancerAddresses": [{ "PrivateIPv4Address": a.enis[e.0].primary().to_string() }] })
            })
            .collect();
        lbs.push(json!({
            "LoadBalancerArn": arn,
            "DNSName": format!("{}-{}.elb.{REGION}.amazonaws.com", lb.name, &lb.lb_id[..10]),
            "LoadBalancerName": lb.name,
            "Scheme": "internet-facing",
            "VpcId": a.vpcs[lb.vpc.0].id,
            "State": { "Code": "active" },
            "Type": "network",
            "AvailabilityZones": azs,
            "SecurityGroups": lb.groups.iter().map(|g| a.groups[g.0].id.clone()).collect::<Vec<_>>(),
            "IpAddressType": "ipv4",
            "EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic": "on",
        }));
        tgs.push(json!({
            "TargetGroupArn": tg_arn,
            "TargetGroupName": format!("{}-tg", lb.name),
            "Protocol": "TCP",
            "Port": lb.target_port,
            "VpcId": a.vpcs[lb.vpc.0].id,
            "HealthCheckProtocol": "TCP",
            "HealthCheckPort": "traffic-port",
            "TargetType": "instance",
            "LoadBalancerArns": [arn],
            "IpAddressType": "ipv4",
        }));
        let health: Vec<Value> = lb
            .targets
            .iter()
            .map(|t| {
                let id = instance_id(a, t.0).unwrap_or_else(|| a.enis[t.0].primary().to_string());
                json!({ "Target": { "Id": id, "Port": lb.target_port }, "HealthCheckPort": lb.target_port.to_string(),
                        "TargetHealth": { "State": "healthy" } })
            })
            .collect();
        docs.insert(
            format!("describe-target-health-{}-tg-{tg_id}.json", lb.name),
            json!({ "TargetGroupArn": tg_arn, "TargetHealthDescriptions": health }),
        );
        docs.insert(
            format!(
                "describe-target-group-attributes-{}-tg-{tg_id}.json",
                lb.name
            ),
            json!({ "TargetGroupArn": tg_arn, "Attributes": [
                { "Key": "preserve_client_ip.enabled", "Value": lb.preserve_client_ip.to_string() },
                { "Key": "deregistration_delay.timeout_seconds", "Value": "300" } ] }),
        );
    }
    docs.insert(
        "describe-load-balancers.json".into(),
        json!({ "LoadBalancers": lbs }),
    );
    docs.insert(
        "describe-target-groups.json".into(),
        json!({ "TargetGroups": tgs }),
    );
    docs
}
