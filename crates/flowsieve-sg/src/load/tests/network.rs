//! The network around the groups (testdata/network/two-vpcs): VPCs and subnets per id, peering
//! connections, network ACLs, flow logs, load balancers and target groups, and the findings they
//! bring (stale references through a deleted peering, overlapping VPCs, groups without ENIs).

use super::*;
use crate::{
    FlowLogDestinationType, FlowLogResource, LoadBalancerScheme, LoadBalancerType, NaclAction,
    TargetType, TrafficType,
};

const VPC_A: &str = "vpc-0aa0000000000000a";
const VPC_C: &str = "vpc-0cc0000000000000c";

#[test]
fn two_vpcs_load_with_their_findings() {
    let inv = load(&["two-vpcs"]);
    assert_eq!(
        codes(&inv),
        [
            "unrecognised_file",
            "stale_peering",
            "group_without_enis",
            "overlapping_vpc_cidrs"
        ]
    );
    let f = &inv.findings()[0];
    assert!(
        f.message
            .contains("elbv2-describe-load-balancer-attributes.json"),
        "{f}"
    );
    // The legacy group's reference to `web` crosses the deleted peering A–C: the group listing
    // does not say so, the peering connections do.
    let stale = &inv.findings()[1];
    assert!(stale.message.contains("sg-0aa00000000000002") && stale.message.contains("deleted"));
    assert!(inv.findings()[2].message.contains("sg-0aa00000000000003"));
    assert_eq!(inv.findings()[3].subject.as_deref(), Some(VPC_A));
}

#[test]
fn vpcs_and_subnets_are_kept_per_id() {
    let inv = load(&[
        "two-vpcs/describe-vpcs.json",
        "two-vpcs/describe-subnets.json",
    ]);
    let ids: Vec<&str> = inv.vpcs().iter().map(|v| v.id.as_str()).collect();
    assert_eq!(ids, [VPC_A, "vpc-0bb0000000000000b", VPC_C]);
    let a = &inv.vpcs()[0];
    assert_eq!(
        a.cidrs,
        [
            "10.0.0.0/16".parse::<Cidr>().unwrap(),
            "2001:db8:a::/56".parse().unwrap()
        ]
    );
    assert_eq!(a.owner_id.as_deref(), Some("111122223333"));
    let s = &inv.subnets()[1];
    assert_eq!(
        (s.id.as_str(), s.vpc_id.as_deref(), s.cidrs.len()),
        ("subnet-0aa00000000000002", Some(VPC_A), 1)
    );
    // The flat list is still there (A and C share 10.0.0.0/16, their subnets 10.0.2.0/24).
    assert_eq!(inv.vpc_cidrs().len(), 6);
    assert!(inv.loose_vpc_cidrs().is_empty());
}

#[test]
fn peering_connections_with_both_sides() {
    let inv = load(&["two-vpcs/describe-vpc-peering-connections.json"]);
    let p = &inv.vpc_peerings()[0];
    assert_eq!(
        (p.id.as_str(), &p.status),
        ("pcx-0ab0000000000000a", &PeeringStatus::Active)
    );
    assert_eq!(p.requester.vpc_id.as_deref(), Some(VPC_A));
    assert_eq!(p.accepter.cidrs, ["10.1.0.0/16".parse::<Cidr>().unwrap()]);
    assert_eq!(p.accepter.region.as_deref(), Some("us-east-1"));
    assert_eq!(
        p.other_side("vpc-0bb0000000000000b")
            .and_then(|s| s.vpc_id.as_deref()),
        Some(VPC_A)
    );
    assert_eq!(inv.vpc_peerings()[1].status, PeeringStatus::Deleted);
}

#[test]
fn network_acls_evaluate_first_match() {
    let inv = load(&[
        "two-vpcs/describe-network-acls.json",
        "two-vpcs/describe-subnets.json",
    ]);
    let app = inv
        .network_acl_of_subnet("subnet-0aa00000000000002")
        .unwrap();
    assert_eq!(app.id, "acl-0aa00000000000002");
    assert_eq!(app.entries.len(), 7);
    let a = |s: &str| Addr::from_ip(s.parse().unwrap());
    let d = app.evaluate(Direction::Ingress, 6, 8443, a("10.0.1.10"));
    assert_eq!(
        (d.action(), d.entry.map(|e| e.rule_number)),
        (NaclAction::Allow, Some(100))
    );
    let d = app.evaluate(Direction::Ingress, 6, 22, a("10.0.1.10"));
    assert_eq!(
        (d.action(), d.entry.map(|e| e.rule_number)),
        (NaclAction::Deny, Some(110))
    );
    let d = app.evaluate(Direction::Ingress, 17, 53, a("10.0.1.10"));
    assert_eq!(
        (d.action(), d.entry.map(|e| e.rule_number)),
        (NaclAction::Deny, Some(32767))
    );
    // The ICMP entry is for echo requests only: flow logs carry no type, so it may have decided.
    let d = app.evaluate(Direction::Ingress, 1, 0, a("10.0.5.5"));
    assert!(d.icmp_type_dependent && !d.allows());
    // A subnet without an association of its own: its VPC's default ACL.
    let public = inv
        .network_acl_of_subnet("subnet-0aa00000000000001")
        .unwrap();
    assert!(public.is_default);
    assert!(
        inv.network_acl_of_subnet("subnet-0bb00000000000001")
            .is_none()
    );
}

#[test]
fn flow_logs_in_every_destination_and_time_form() {
    let inv = load(&["two-vpcs/describe-flow-logs.json"]);
    let logs = inv.flow_logs();
    assert_eq!(logs.len(), 4);
    let vpc = &logs[0];
    assert_eq!(
        (
            vpc.resource(),
            vpc.traffic_type,
            vpc.max_aggregation_interval
        ),
        (FlowLogResource::Vpc, TrafficType::All, Some(60))
    );
    assert_eq!(vpc.destination_type, Some(FlowLogDestinationType::S3));
    assert_eq!(vpc.file_format.as_deref(), Some("parquet"));
    assert_eq!(vpc.creation_time, Some(1_740_823_200));
    assert!(vpc.log_format.as_deref().unwrap().ends_with("${tcp-flags}"));
    let subnet = &logs[1];
    assert_eq!(
        (subnet.resource(), subnet.traffic_type),
        (FlowLogResource::Subnet, TrafficType::Reject)
    );
    // Only a log group name: CloudWatch Logs.
    assert_eq!(
        subnet.destination_type,
        Some(FlowLogDestinationType::CloudWatchLogs)
    );
    assert_eq!(subnet.destination.as_deref(), Some("vpc-b-rejects"));
    // CLI v1 prints epoch seconds.
    assert_eq!(logs[2].creation_time, Some(1_741_000_000));
    assert_eq!(logs[2].traffic_type, TrafficType::Accept);
    // Transit Gateway flow logs print no TrafficType: they capture everything.
    assert_eq!(
        (logs[3].resource(), logs[3].traffic_type),
        (FlowLogResource::TransitGateway, TrafficType::All)
    );
}

#[test]
fn a_flow_log_without_traffic_type_is_an_error_and_a_bad_one_a_finding() {
    let err = from_json(
        "fl.json",
        r#"{"FlowLogs": [{"FlowLogId": "fl-1", "ResourceId": "vpc-1"}]}"#,
    )
    .unwrap_err();
    assert_eq!(err.json_path(), Some("FlowLogs[0].TrafficType"));
    let inv = from_json(
        "fl.json",
        r#"{"FlowLogs": [{"FlowLogId": "fl-1", "ResourceId": "vpc-1", "TrafficType": "SOME"}]}"#,
    )
    .unwrap();
    assert_eq!(codes(&inv), ["invalid_value"]);
    assert!(inv.flow_logs().is_empty());
}

#[test]
fn load_balancers_target_groups_and_what_names_them() {
    let inv = load(&["two-vpcs"]);
    let nlb = &inv.load_balancers()[1];
    assert_eq!(nlb.lb_type, LoadBalancerType::Network);
    assert_eq!(nlb.scheme, Some(LoadBalancerScheme::InternetFacing));
    assert_eq!(nlb.security_groups, ["sg-0aa00000000000001"]);
    assert_eq!(nlb.enforce_inbound_rules_on_private_link, Some(true));
    assert_eq!(nlb.resource_key(), Some("net/web-nlb/6a1b2c3d4e5f6a7b"));
    assert_eq!(
        inv.load_balancers()[0].lb_type,
        LoadBalancerType::Application
    );
    let [instances, ips] = inv.target_groups() else {
        panic!("two target groups")
    };
    // Health named by the file name (instances) and by the wrapper (ips).
    assert_eq!(instances.target_type, TargetType::Instance);
    let t = &instances.targets.as_ref().unwrap()[0];
    assert_eq!(
        (t.id.as_str(), t.port, t.health.as_deref()),
        ("i-0aa00000000000201", Some(8443), Some("healthy"))
    );
    assert_eq!(instances.preserve_client_ip, None);
    assert!(
        instances.preserves_client_ip(),
        "instance targets: on by default"
    );
    assert_eq!(ips.target_type, TargetType::Ip);
    assert_eq!(ips.targets.as_ref().unwrap()[0].id, "10.0.2.30");
    assert_eq!(
        ips.preserve_client_ip,
        Some(true),
        "from the attributes file"
    );
}

#[test]
fn target_data_without_a_group_name_or_group() {
    let health = r#"{"TargetHealthDescriptions": [{"Target": {"Id": "i-1", "Port": 80}}]}"#;
    let err = from_json("health.json", health).unwrap_err();
    assert!(matches!(err, Error::UnnamedTargetGroup { .. }), "{err}");
    assert!(
        err.to_string().contains("TargetHealthDescriptions"),
        "{err}"
    );
    // Named, but no such group loaded: a finding.
    let inv = from_json("health-0123456789abcdef.json", health).unwrap();
    assert_eq!(codes(&inv), ["unknown_target_group"]);
    // Load-balancer attributes are not inventory input.
    let err = from_json(
        "lb.json",
        r#"{"Attributes": [{"Key": "deletion_protection.enabled", "Value": "false"}]}"#,
    )
    .unwrap_err();
    assert!(matches!(err, Error::UnrecognisedFile { .. }));
}

#[test]
fn eni_attachments_keep_the_device_index() {
    let inv = load(&["two-vpcs/describe-network-interfaces.json"]);
    let web = inv.network_interface("eni-0aa00000000000201").unwrap();
    assert_eq!(
        (web.instance_id.as_deref(), web.device_index),
        (Some("i-0aa00000000000201"), Some(0))
    );
    let nlb = inv.network_interface("eni-0aa00000000000101").unwrap();
    assert_eq!(nlb.kind(), crate::EniKind::LoadBalancer);
    assert!(nlb.valid.is_always());
}
