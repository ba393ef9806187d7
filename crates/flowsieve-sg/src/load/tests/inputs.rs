//! Input handling: kinds, directories, unknown fields, errors; no panic on any input.

use super::*;

#[test]
fn kind_is_told_by_content_not_name() {
    let inv = from_json(
        "describe-security-groups.json",
        r#"{"NetworkInterfaces": [{"NetworkInterfaceId": "eni-1"}]}"#,
    )
    .unwrap();
    assert_eq!(inv.network_interfaces().len(), 1);
    assert!(inv.security_groups().is_empty());
    // Several kinds in one object are all read.
    let inv = from_json(
        "x.json",
        r#"{"Vpcs": [{"CidrBlock": "10.0.0.0/16"}], "SecurityGroups": [{"GroupId": "sg-1"}]}"#,
    )
    .unwrap();
    assert_eq!((inv.vpc_cidrs().len(), inv.security_groups().len()), (1, 1));
}

#[test]
fn unknown_fields_are_ignored_everywhere() {
    let json = r#"{"Future": {"x": [1, 2]}, "SecurityGroups": [{"GroupId": "sg-1", "NewField": true,
        "IpPermissions": [{"IpProtocol": "udp", "FromPort": 53, "ToPort": 53, "Extra": null,
            "IpRanges": [{"CidrIp": "10.0.0.0/8", "Whatever": {"deep": []}}]}]}],
        "NextToken": null}"#;
    let inv = from_json("sg.json", json).unwrap();
    assert_eq!(inv.rules().len(), 1);
    assert!(inv.findings().is_empty());
}

#[test]
fn missing_required_fields_name_file_and_json_path() {
    let cases = [
        (
            r#"{"SecurityGroups": [{"GroupId": "sg-1"}, {"GroupId": "sg-2", "IpPermissions": [{"IpRanges": []}]}]}"#,
            "SecurityGroups[1].IpPermissions[0].IpProtocol",
        ),
        (
            r#"[{"SecurityGroups": []}, {"SecurityGroups": [{"GroupName": "x"}]}]"#,
            "[1].SecurityGroups[0].GroupId",
        ),
        (
            r#"{"SecurityGroups": [{"GroupId": "sg-1", "IpPermissionsEgress": [{"IpProtocol": "-1", "UserIdGroupPairs": [{"UserId": "1"}]}]}]}"#,
            "SecurityGroups[0].IpPermissionsEgress[0].UserIdGroupPairs[0].GroupId",
        ),
        (
            r#"{"SecurityGroupRules": [{"SecurityGroupRuleId": "sgr-1", "GroupId": "sg-1", "IpProtocol": "tcp", "CidrIpv4": "10.0.0.0/8"}]}"#,
            "SecurityGroupRules[0].IsEgress",
        ),
        (
            r#"{"NetworkInterfaces": [{"NetworkInterfaceId": "eni-1", "PrivateIpAddresses": [{"Primary": true}]}]}"#,
            "NetworkInterfaces[0].PrivateIpAddresses[0].PrivateIpAddress",
        ),
        (
            r#"{"NetworkInterfaces": [{"Groups": [{"GroupId": "sg-1"}]}]}"#,
            "NetworkInterfaces[0].NetworkInterfaceId",
        ),
        (
            r#"{"PrefixLists": [{"PrefixListName": "x"}]}"#,
            "PrefixLists[0].PrefixListId",
        ),
        (
            r#"{"PrefixListId": "pl-1", "Entries": [{"Description": "x"}]}"#,
            "Entries[0].Cidr",
        ),
        (
            r#"{"Vpcs": [{"CidrBlockAssociationSet": [{}]}]}"#,
            "Vpcs[0].CidrBlockAssociationSet[0].CidrBlock",
        ),
    ];
    for (json, path) in cases {
        let err = from_json("inventory/broken.json", json).unwrap_err();
        assert!(
            matches!(&err, Error::MissingField { json_path, .. } if json_path == path),
            "{path}: {err:?}"
        );
        assert_eq!(err.path(), Some(Path::new("inventory/broken.json")));
        assert_eq!(
            err.to_string(),
            format!("inventory/broken.json: {path}: missing required field")
        );
    }
    let err = from_json("r.json", r#"{"SecurityGroupRules": [{"SecurityGroupRuleId": "sgr-1", "GroupId": "sg-1", "IsEgress": true, "IpProtocol": "tcp"}]}"#).unwrap_err();
    assert!(
        matches!(&err, Error::InvalidValue { json_path, .. } if json_path == "SecurityGroupRules[0]"),
        "{err:?}"
    );
}

#[test]
fn malformed_json_and_wrong_types_give_line_and_column() {
    let err = from_json(
        "bad.json",
        "{\n  \"SecurityGroups\": [\n    {\"GroupId\": \"sg-1\",}\n  ]\n}",
    )
    .unwrap_err();
    assert!(matches!(&err, Error::Json { line: 3, .. }), "{err:?}");
    assert!(err.to_string().starts_with("bad.json:3:"), "{err}");
    let err = from_json("bad.json", "{\"SecurityGroups\": [{\"GroupId\": \"sg-1\", \"IpPermissions\": [{\"IpProtocol\": \"tcp\", \"FromPort\": \"22\"}]}]}").unwrap_err();
    assert!(
        matches!(&err, Error::Json { line: 1, column, message, .. } if *column > 60 && message.contains("invalid type")),
        "{err:?}"
    );
    assert!(matches!(
        from_json("bad.json", "").unwrap_err(),
        Error::Json { .. }
    ));
    assert!(matches!(
        from_json("bad.json", "[1, 2]").unwrap_err(),
        Error::Json { .. }
    ));
}

#[test]
fn unrecognised_files_are_errors_when_named_and_findings_in_directories() {
    for json in ["{}", r#"{"Reservations": []}"#, "42", "\"text\""] {
        let err = from_json("other.json", json).unwrap_err();
        assert!(
            matches!(err, Error::UnrecognisedFile { .. }),
            "{json}: {err:?}"
        );
        assert!(
            err.to_string()
                .starts_with("other.json: not an inventory file"),
            "{err}"
        );
    }
    // An empty array holds no page: nothing to recognise, nothing wrong.
    assert!(from_json("empty.json", "[]").is_ok());

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("truth.json"), r#"{"rules": []}"#).unwrap();
    std::fs::write(dir.path().join("README.md"), "not json at all").unwrap();
    std::fs::write(dir.path().join(".hidden.json"), "{ broken").unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    std::fs::write(dir.path().join(".git").join("x.json"), "{ broken").unwrap();
    std::fs::create_dir(dir.path().join("nested")).unwrap();
    std::fs::write(
        dir.path().join("nested").join("SG.JSON"),
        r#"{"SecurityGroups": [{"GroupId": "sg-1"}]}"#,
    )
    .unwrap();
    let inv = Inventory::load(&[dir.path()]).unwrap();
    assert_eq!(inv.security_groups().len(), 1);
    assert_eq!(codes(&inv), ["unrecognised_file"]);
    assert!(inv.findings()[0].message.contains("truth.json"));
}

#[test]
fn missing_paths_and_empty_input() {
    let err = Inventory::load(&["/nonexistent/flowsieve/inventory"]).unwrap_err();
    assert!(matches!(err, Error::Io { .. }));
    assert_eq!(
        err.path(),
        Some(Path::new("/nonexistent/flowsieve/inventory"))
    );
    let dir = tempfile::tempdir().unwrap();
    let inv = Inventory::load(&[dir.path()]).unwrap();
    assert_eq!(codes(&inv), ["empty_input"]);
    let no_paths: [&str; 0] = [];
    assert_eq!(codes(&Inventory::load(&no_paths).unwrap()), ["empty_input"]);
}

#[test]
fn utf16_and_bom_files_load() {
    let json = r#"{"SecurityGroups": [{"GroupId": "sg-1"}]}"#;
    let mut utf16 = vec![0xff, 0xfe];
    utf16.extend(json.encode_utf16().flat_map(u16::to_le_bytes));
    let mut b = InventoryBuilder::new();
    b.add_json("powershell.json", &utf16).unwrap();
    let mut bom = b"\xef\xbb\xbf".to_vec();
    bom.extend_from_slice(br#"{"SecurityGroups": [{"GroupId": "sg-2"}]}"#);
    b.add_json("bom.json", &bom).unwrap();
    assert_eq!(b.build().security_groups().len(), 2);
}

#[test]
fn loading_is_independent_of_path_order() {
    let a = load(&["aws", "terraform"]);
    let b = load(&["terraform", "aws/describe-subnets.json", "aws"]);
    let ids = |inv: &Inventory| {
        inv.rules()
            .iter()
            .map(|r| (r.id.clone(), r.key()))
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&a), ids(&b));
    let g = |inv: &Inventory| inv.security_groups().to_vec();
    assert_eq!(g(&a), g(&b));
}

// ---------------------------------------------------------------------------------------------
// No panic on any input

/// JSON values built from the keys the loaders look for, with values of every JSON type.
fn json_strategy() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
    use proptest::prelude::*;
    const KEYS: &[&str] = &[
        "SecurityGroups",
        "SecurityGroupRules",
        "NetworkInterfaces",
        "PrefixLists",
        "Entries",
        "PrefixListId",
        "Vpcs",
        "Subnets",
        "StaleSecurityGroupSet",
        "GroupId",
        "IpPermissions",
        "IpPermissionsEgress",
        "IpProtocol",
        "FromPort",
        "ToPort",
        "IpRanges",
        "CidrIp",
        "Ipv6Ranges",
        "CidrIpv6",
        "UserIdGroupPairs",
        "PrefixListIds",
        "SecurityGroupRuleId",
        "IsEgress",
        "CidrIpv4",
        "ReferencedGroupInfo",
        "NetworkInterfaceId",
        "PrivateIpAddress",
        "PrivateIpAddresses",
        "Groups",
        "Ipv4Prefixes",
        "Ipv4Prefix",
        "Cidr",
        "CidrBlock",
        "format_version",
        "values",
        "planned_values",
        "root_module",
        "resources",
        "child_modules",
        "type",
        "values",
        "ingress",
        "protocol",
        "cidr_blocks",
        "security_group_id",
        "id",
        "self",
    ];
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        (-2i64..70000).prop_map(serde_json::Value::from),
        prop::sample::select(vec![
            "tcp",
            "-1",
            "icmp",
            "1.0",
            "2.0",
            "10.0.0.0/8",
            "::/0",
            "10.0.0.1",
            "sg-1",
            "pl-1",
            "x",
            "",
            "aws_security_group",
            "aws_vpc_security_group_ingress_rule",
            "managed",
            "300"
        ])
        .prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..5).prop_map(|kv| {
                serde_json::Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
            }),
        ]
    })
}

proptest::proptest! {
    #[test]
    fn loading_never_panics_on_structured_json(value in json_strategy()) {
        let text = value.to_string();
        let mut b = InventoryBuilder::new();
        let _ = b.add_json("pl-1.json", text.as_bytes());
        let inv = b.build();
        let _ = crate::CompiledMatcher::new(&inv);
    }

    #[test]
    fn loading_never_panics_on_bytes(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64)) {
        let mut b = InventoryBuilder::new();
        let _ = b.add_json("x.json", &bytes);
        let _ = b.build();
    }
}
