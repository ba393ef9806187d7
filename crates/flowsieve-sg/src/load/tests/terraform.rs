//! Terraform state and plans, and their merge with AWS JSON.

use super::*;

#[test]
fn terraform_state_reads_nested_modules() {
    let inv = load(&["terraform/state.json"]);
    let ids: Vec<&str> = inv
        .security_groups()
        .iter()
        .map(|g| g.id.as_str())
        .collect();
    assert_eq!(ids, [sg(11), sg(13), sg(14), sg(15)]);
    let default = inv.group(&sg(11)).unwrap();
    assert!(default.is_default);
    let lambda = inv.group(&sg(13)).unwrap();
    assert_eq!(
        (lambda.name.as_str(), lambda.vpc_id.as_deref()),
        ("RVK-mongo-db-sg", Some("vpc-0a1b2c3d4e5f60001"))
    );
    assert_eq!(
        lambda.tags,
        [("Name".to_owned(), "RVK-mongo-db-sg".to_owned())]
    );
    // Inline rules (lambda 3, default 3), rule resources (mongo 4, efs 2).
    assert_eq!(inv.rules().len(), 12);
    assert!(
        inv.rules()
            .iter()
            .all(|r| r.sources.iter().all(|s| s.kind == SourceKind::Terraform))
    );
    // aws_vpc_security_group_*_rule carries the AWS id.
    let r = rule(&inv, &sg(14), Direction::Ingress, 27017, &sg(13));
    assert_eq!(r.id.as_str(), "sgr-0e1d2c3b4a5960001");
    assert_eq!(
        r.sources[0].location,
        "module.rvk.module.security.aws_vpc_security_group_ingress_rule.mongo_from_lambda.referenced_security_group_id"
    );
    // Inline rules get derived ids; `self = true` is the group itself; protocol "-1" with 0/0 is all.
    let selfref = rule(&inv, &sg(11), Direction::Ingress, -1, &sg(11));
    assert_eq!(
        (selfref.protocol, selfref.ports),
        (Protocol::All, PortSpec::All)
    );
    assert_eq!(
        selfref.sources[0].location,
        "aws_default_security_group.default.ingress[0].self"
    );
    // Legacy aws_security_group_rule with protocol "6" is tcp.
    let legacy = rule(&inv, &sg(15), Direction::Ingress, 2049, "10.0.30.0/24");
    assert_eq!(legacy.protocol, Protocol::TCP);
    assert!(legacy.id.as_str().starts_with("sgr~"));
    assert_eq!(
        rule(&inv, &sg(15), Direction::Ingress, 2049, &sg(14))
            .id
            .as_str(),
        "sgr-0e1d2c3b4a5960005"
    );
    let cidrs: Vec<String> = inv.vpc_cidrs().iter().map(ToString::to_string).collect();
    assert_eq!(cidrs, ["10.0.0.0/16", "2001:db8:1200::/56"]);
    assert!(inv.findings().is_empty(), "{:?}", inv.findings());
}

#[test]
fn aws_json_and_terraform_merge_into_one_rule_with_both_sources() {
    let inv = load(&["aws", "terraform"]);
    let both = rule(&inv, &sg(14), Direction::Egress, 443, "0.0.0.0/0");
    let kinds: Vec<SourceKind> = both.sources.iter().map(|s| s.kind).collect();
    assert_eq!(kinds, [SourceKind::AwsJson, SourceKind::Terraform]);
    assert_eq!(
        both.id.as_str(),
        "sgr-0e1d2c3b4a5960003",
        "Terraform's AWS id beats a derived one"
    );
    // Drift: added in the console (AWS only), declared but not applied (Terraform only).
    let console = rule(&inv, &sg(14), Direction::Egress, 53, "0.0.0.0/0");
    assert!(
        console
            .sources
            .iter()
            .all(|s| s.kind == SourceKind::AwsJson)
    );
    let planned = rule(&inv, &sg(15), Direction::Ingress, 2049, "10.0.30.0/24");
    assert!(
        planned
            .sources
            .iter()
            .all(|s| s.kind == SourceKind::Terraform)
    );
    // The default group: rule listing, describe-security-groups and Terraform: three sources.
    assert_eq!(
        rule(&inv, &sg(11), Direction::Egress, -1, "::/0")
            .sources
            .len(),
        3
    );
    // AWS attributes win; merging is not a duplicate.
    assert_eq!(
        inv.group(&sg(13)).unwrap().description,
        "Lambda API: initiates only"
    );
    assert!(!codes(&inv).contains(&"duplicate_id"));
}

#[test]
fn terraform_plan_uses_planned_values_and_reports_unknowns() {
    let inv = load(&["loader-cases/terraform-plan.json"]);
    assert_eq!(
        codes(&inv),
        ["terraform_unknown_value", "terraform_unknown_value"]
    );
    assert!(
        inv.findings()[0]
            .message
            .contains("aws_security_group.monitoring: the security group id"),
        "{}",
        inv.findings()[0].message
    );
    assert!(
        inv.findings()[1]
            .message
            .contains("mongo_metrics: the peer"),
        "{}",
        inv.findings()[1].message
    );
    // planned_values, not prior_state: the legacy rules were removed in the plan.
    assert!(inv.rules().iter().all(|r| r.group_id != sg(15)));
    assert_eq!(
        inv.group(&sg(14)).map(|g| g.name.as_str()),
        Some("RVK-ecs-mongo-sg")
    );
    assert_eq!(inv.rules_of_group(&sg(14)).count(), 4);
    assert!(
        inv.rules()[0].sources[0]
            .location
            .starts_with("module.rvk.module.security.")
    );
}

#[test]
fn terraform_format_version_must_be_1() {
    let err = from_json("state.json", r#"{"format_version": "2.0", "values": {}}"#).unwrap_err();
    assert!(
        matches!(&err, Error::UnsupportedFormat { version, .. } if version == "2.0"),
        "{err:?}"
    );
    assert_eq!(err.json_path(), Some("format_version"));
    // An empty state is fine.
    assert!(
        from_json("state.json", r#"{"format_version": "1.0"}"#)
            .unwrap()
            .rules()
            .is_empty()
    );
}

#[test]
fn terraform_attribute_of_wrong_type_names_the_resource() {
    let json = r#"{"format_version": "1.0", "values": {"root_module": {"child_modules": [{"resources": [
        {"address": "aws_security_group.x", "mode": "managed", "type": "aws_security_group", "values": {"id": "sg-1", "ingress": "oops"}}]}]}}}"#;
    let err = from_json("state.json", json).unwrap_err();
    assert_eq!(
        err.json_path(),
        Some("values.root_module.child_modules[0].resources[0].values")
    );
    assert!(err.to_string().contains("invalid type"), "{err}");
    let json = r#"{"format_version": "1.0", "values": {"root_module": {"resources": [{"address": "x", "values": {}}]}}}"#;
    let err = from_json("state.json", json).unwrap_err();
    assert_eq!(
        err.json_path(),
        Some("values.root_module.resources[0].type")
    );
}

#[test]
fn terraform_cross_account_group_references_keep_the_owner() {
    let json = r#"{"format_version": "1.0", "values": {"root_module": {"resources": [
        {"address": "aws_security_group.a", "mode": "managed", "type": "aws_security_group", "values": {"id": "sg-1", "name": "a",
         "ingress": [{"from_port": 5432, "to_port": 5432, "protocol": "tcp", "cidr_blocks": [], "ipv6_cidr_blocks": [],
                      "prefix_list_ids": ["pl-1"], "security_groups": ["444455556666/sg-9"], "self": false, "description": ""}],
         "egress": []}},
        {"address": "data.aws_security_group.b", "mode": "data", "type": "aws_security_group", "values": {"id": "sg-2"}}]}}}"#;
    let inv = from_json("state.json", json).unwrap();
    assert_eq!(
        inv.security_groups().len(),
        1,
        "data sources are not declarations"
    );
    let r = rule(&inv, "sg-1", Direction::Ingress, 5432, "sg-9");
    assert!(matches!(&r.peer, Peer::Group { owner_id: Some(o), .. } if o == "444455556666"));
    assert_eq!(
        rule(&inv, "sg-1", Direction::Ingress, 5432, "pl-1").sources[0].location,
        "aws_security_group.a.ingress[0].prefix_list_ids[0]"
    );
}
