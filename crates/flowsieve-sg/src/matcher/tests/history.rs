//! The matcher over ENI versions, rule lifetimes and VPC scope, on the fixtures of
//! testdata/network/history and testdata/network/two-vpcs.

use super::*;
use crate::{InventoryBuilder, SnapshotSpec, TargetGroup, TrafficType, parse_timestamp};

fn t(text: &str) -> i64 {
    parse_timestamp(text).unwrap()
}

fn network(rel: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/network")
        .join(rel)
}

fn history() -> CompiledMatcher {
    let mut specs: Vec<SnapshotSpec> = ["2025-04-01", "2025-04-08"]
        .iter()
        .map(|d| SnapshotSpec {
            captured_at: Some(t(d)),
            path: network(&format!("history/{d}")),
        })
        .collect();
    specs.push(SnapshotSpec {
        captured_at: None,
        path: network("history/config"),
    });
    CompiledMatcher::new(&Inventory::load_snapshots(&specs).unwrap())
}

fn id(m: &CompiledMatcher, owner: AddressOwner) -> Option<&str> {
    owner.eni().map(|e| m.eni(e).id.as_str())
}

/// Rules of the ENI version holding `eni` at `at` that allow the query, resolved as an analysis
/// resolves it: the recording ENI's version and the remote ENI at the record's time.
fn allowed(m: &CompiledMatcher, eni: &str, query: FlowQuery) -> Vec<String> {
    let versions = m.eni_versions(eni);
    let idx = match query.at {
        Some(t) => m.eni_version_at(versions, t),
        None => versions.last().copied(),
    }
    .expect("the ENI exists then");
    let query = resolved(m, idx, query);
    let mut out = m.new_matches();
    m.matching_rules(m.eni_group_set(idx), &query, &mut out);
    out.definite()
        .iter()
        .map(|&r| {
            let r = m.rule(r);
            format!("{} {} {}", r.protocol, r.from_port(), r.peer_string())
        })
        .collect()
}

const DB: &str = "eni-0d1000000000000c1";
const TASK3: &str = "eni-0d1000000000000b3";

#[test]
fn versions_are_picked_by_time() {
    let m = history();
    assert!(m.has_history());
    let v = m.eni_versions(TASK3);
    assert_eq!(v.len(), 2);
    assert_eq!(m.eni_version_at(v, t("2025-04-02T12:00:00Z")), Some(v[0]));
    assert_eq!(m.eni_version_at(v, t("2025-04-04")), Some(v[1]));
    assert_eq!(m.eni_version_at(v, t("2025-04-05")), None, "deleted");
    assert_eq!(
        m.eni_version_at(v, t("2025-04-01")),
        None,
        "not yet created"
    );
    assert_eq!(m.eni_index(TASK3), Some(v[1]), "the latest version");
    assert!(m.eni_versions("eni-unknown").is_empty());
    // enis_with_group returns versions, each with its validity.
    let db_group: Vec<(String, bool)> = m
        .enis_with_group("sg-0d1000000000000a3")
        .iter()
        .map(|&e| (m.eni(e).id.clone(), m.eni(e).valid.is_always()))
        .collect();
    assert_eq!(db_group, [(TASK3.to_owned(), false), (DB.to_owned(), true)]);
}

#[test]
fn addresses_resolve_at_the_record_time() {
    let m = history();
    let vpc = m.vpc_index("vpc-0d100000000000001");
    let moved = a("10.2.1.5");
    assert_eq!(
        id(&m, m.resolve_address(vpc, moved, Some(t("2025-04-02")))),
        Some("eni-0d1000000000000b1")
    );
    assert_eq!(
        id(&m, m.resolve_address(vpc, moved, Some(t("2025-04-09")))),
        Some("eni-0d1000000000000b2")
    );
    assert_eq!(m.resolve_address(vpc, moved, None), AddressOwner::Ambiguous);
    assert!(m.address_is_volatile(moved));
    assert!(
        !m.address_is_volatile(a("10.2.2.5")),
        "the db ENI never changed"
    );
    // One ENI with two versions: without a time, its latest.
    assert_eq!(
        id(&m, m.resolve_address(vpc, a("10.2.1.7"), None)),
        Some(TASK3)
    );
    assert_eq!(
        m.resolve_address(vpc, a("10.2.1.7"), Some(t("2025-04-06"))),
        AddressOwner::Nobody
    );
}

#[test]
fn group_peers_follow_the_remote_version_and_rules_their_lifetimes() {
    let m = history();
    let pg = |at: &str| {
        let mut q = q(Direction::Ingress, 6, 5432, "10.2.1.7");
        q.at = Some(t(at));
        allowed(&m, DB, q)
    };
    // The task ENI carries the task group while it exists; then nobody holds its address.
    assert_eq!(pg("2025-04-04"), ["tcp 5432 sg-0d1000000000000a2"]);
    assert!(pg("2025-04-06").is_empty());
    // 9090 was added between the snapshots: the ALB's traffic uses it only from then on.
    let task_9090 = |at: Option<i64>| {
        let mut q = q(Direction::Ingress, 6, 9090, "10.2.0.10");
        q.at = at;
        allowed(&m, "eni-0d1000000000000b2", q)
    };
    assert_eq!(
        task_9090(Some(t("2025-04-09"))),
        ["tcp 9090 sg-0d1000000000000a1"]
    );
    assert_eq!(task_9090(None), ["tcp 9090 sg-0d1000000000000a1"]);
    let mut early = q(Direction::Ingress, 6, 9090, "10.2.0.10");
    early.at = Some(t("2025-04-02"));
    assert!(allowed(&m, "eni-0d1000000000000b1", early).is_empty());
    // Epochs: every lifetime boundary.
    assert_eq!(m.epoch_boundaries(), [t("2025-04-06"), t("2025-04-08")]);
    let (before, after) = (m.epoch_of(t("2025-04-07")), m.epoch_of(t("2025-04-09")));
    assert_eq!((before, after), (EpochIdx(1), EpochIdx(2)));
    let rule_9090 = (0..m.rule_count() as u32)
        .map(RuleIdx)
        .find(|&r| m.rule(r).from_port() == 9090)
        .unwrap();
    assert!(!m.rule_alive(rule_9090, before) && m.rule_alive(rule_9090, after));
    assert!(!m.rule_is_timeless(rule_9090));
    let alb_rule = (0..m.rule_count() as u32)
        .map(RuleIdx)
        .find(|&r| m.rule(r).from_port() == 443)
        .unwrap();
    assert!(m.rule_is_timeless(alb_rule) && m.rule_alive(alb_rule, EpochIdx(0)));
}

fn two_vpcs(internal: &[&str]) -> (Inventory, CompiledMatcher) {
    let mut b = InventoryBuilder::new();
    b.add_path(network("two-vpcs")).unwrap();
    for c in internal {
        b.add_internal_cidr(c.parse().unwrap());
    }
    let inv = b.build();
    let m = CompiledMatcher::new(&inv);
    (inv, m)
}

#[test]
fn lookups_stay_in_the_vpc_and_its_active_peers() {
    let (_, m) = two_vpcs(&[]);
    let [a_vpc, b_vpc, c_vpc] = [
        "vpc-0aa0000000000000a",
        "vpc-0bb0000000000000b",
        "vpc-0cc0000000000000c",
    ]
    .map(|v| m.vpc_index(v));
    let shared = a("10.0.2.20");
    assert_eq!(
        id(&m, m.resolve_address(a_vpc, shared, None)),
        Some("eni-0aa00000000000201")
    );
    assert_eq!(
        id(&m, m.resolve_address(c_vpc, shared, None)),
        Some("eni-0cc00000000000101")
    );
    assert_eq!(
        id(&m, m.resolve_address(b_vpc, shared, None)),
        Some("eni-0aa00000000000201"),
        "B sees A through the active peering, not C"
    );
    assert_eq!(
        m.resolve_address(None, shared, None),
        AddressOwner::Ambiguous
    );
    assert_eq!(
        id(&m, m.resolve_address(a_vpc, a("10.1.1.50"), None)),
        Some("eni-0bb00000000000101")
    );
    assert_eq!(
        m.resolve_address(c_vpc, a("10.1.1.50"), None),
        AddressOwner::Nobody
    );
    assert_eq!(
        m.vpc_peers(a_vpc.unwrap()).collect::<Vec<_>>(),
        [b_vpc.unwrap()]
    );
    assert!(
        m.vpc_peers(c_vpc.unwrap()).next().is_none(),
        "the A–C peering was deleted"
    );
    // A group reference across the active peering matches the peer's ENIs; across the
    // deleted one it is stale and never does.
    let pg = q(Direction::Ingress, 6, 5432, "10.0.2.20");
    assert_eq!(
        allowed(&m, "eni-0bb00000000000101", pg),
        ["tcp 5432 sg-0aa00000000000002"]
    );
    let ssh = q(Direction::Ingress, 6, 22, "10.0.2.20");
    assert!(allowed(&m, "eni-0cc00000000000101", ssh).is_empty());
}

#[test]
fn peer_classes_seen_from_each_vpc() {
    let (_, m) = two_vpcs(&["10.2.0.0/16", "192.168.0.0/16"]);
    let [a_vpc, c_vpc] = ["vpc-0aa0000000000000a", "vpc-0cc0000000000000c"].map(|v| m.vpc_index(v));
    for (addr, from_a, from_c) in [
        ("10.0.2.99", PeerClass::Internal, PeerClass::Internal),
        (
            "2001:db8:a::5",
            PeerClass::Internal,
            PeerClass::PrivateExternal,
        ),
        ("10.1.1.77", PeerClass::Peered, PeerClass::PrivateExternal),
        ("10.2.3.4", PeerClass::OnPrem, PeerClass::OnPrem),
        (
            "172.16.0.1",
            PeerClass::PrivateExternal,
            PeerClass::PrivateExternal,
        ),
        (
            "100.64.1.1",
            PeerClass::PrivateExternal,
            PeerClass::PrivateExternal,
        ),
        (
            "fd00::1",
            PeerClass::PrivateExternal,
            PeerClass::PrivateExternal,
        ),
        ("8.8.8.8", PeerClass::External, PeerClass::External),
    ] {
        assert_eq!(m.peer_class(a_vpc, a(addr)), from_a, "{addr} from A");
        assert_eq!(m.peer_class(c_vpc, a(addr)), from_c, "{addr} from C");
    }
    assert_eq!(m.peer_class(None, a("10.1.1.77")), PeerClass::Internal);
}

#[test]
fn acls_load_balancers_and_targets_of_an_eni() {
    let (inv, m) = two_vpcs(&[]);
    let eni = |id: &str| m.eni_index(id).unwrap();
    let web = eni("eni-0aa00000000000201");
    assert_eq!(
        m.nacl_of(web).map(|a| a.id.as_str()),
        Some("acl-0aa00000000000002")
    );
    let nlb_eni = eni("eni-0aa00000000000101");
    assert_eq!(
        m.nacl_of(nlb_eni).map(|a| a.id.as_str()),
        Some("acl-0aa00000000000001"),
        "the VPC's default ACL"
    );
    assert!(
        m.nacl_of(eni("eni-0bb00000000000101")).is_none(),
        "no ACL data for B"
    );
    // Flow logs: the VPC's (ALL) for A's ENIs; B's subnet log captures REJECT only; C's ENI
    // has one of its own (ACCEPT).
    let logs = |e: EniIdx| -> Vec<(&str, TrafficType)> {
        m.flow_logs_of(e)
            .map(|f| (f.id.as_str(), f.traffic_type))
            .collect()
    };
    assert_eq!(logs(web), [("fl-0aa00000000000001", TrafficType::All)]);
    assert_eq!(
        logs(eni("eni-0bb00000000000101")),
        [("fl-0bb00000000000001", TrafficType::Reject)]
    );
    assert_eq!(
        logs(eni("eni-0cc00000000000101")),
        [("fl-0cc00000000000001", TrafficType::Accept)]
    );
    let subnet = m.eni_subnet(web).unwrap();
    assert_eq!(m.subnet_index("subnet-0aa00000000000002"), Some(subnet));
    let nlb = m.load_balancer_of(nlb_eni).expect("the NLB node");
    assert_eq!(nlb.name, "web-nlb");
    assert!(m.load_balancer_of(web).is_none());
    let groups: Vec<&TargetGroup> = m.target_groups_of(nlb).collect();
    assert_eq!(groups.len(), 2);
    let ids = |tg: &TargetGroup| -> Vec<String> {
        m.target_enis(tg)
            .iter()
            .map(|&e| m.eni(e).id.clone())
            .collect()
    };
    // Instance targets: the instance's primary ENI only (device index 0).
    assert_eq!(ids(groups[0]), ["eni-0aa00000000000201"]);
    // IP targets: the ENI holding the address in the group's VPC.
    assert_eq!(ids(groups[1]), ["eni-0aa00000000000203"]);
    assert_eq!(inv.target_groups().len(), 2);
}

#[test]
fn timed_and_scoped_queries_do_not_allocate() {
    let m = history();
    let mut out = m.new_matches();
    let caps = (out.definite.capacity(), out.unknown.capacity());
    for at in [
        None,
        Some(t("2025-04-02")),
        Some(t("2025-04-07")),
        Some(t("2025-04-09")),
    ] {
        for e in 0..m.eni_count() as u32 {
            let eni = EniIdx(e);
            for (dir, port, peer) in [
                (Direction::Ingress, 5432, "10.2.1.7"),
                (Direction::Ingress, 9090, "10.2.0.10"),
                (Direction::Egress, 443, "8.8.8.8"),
            ] {
                let mut query = q(dir, 6, port, peer);
                query.at = at;
                let query = resolved(&m, eni, query);
                m.matching_rules(m.eni_group_set(eni), &query, &mut out);
                assert_eq!((out.definite.capacity(), out.unknown.capacity()), caps);
            }
        }
    }
}
