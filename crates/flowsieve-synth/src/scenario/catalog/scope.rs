//! Where an address belongs.
//!
//! **Two VPCs with the same CIDR, and peerings.** VPC A and VPC B are both 10.0.0.0/16 (every
//! default VPC is 172.31.0.0/16: overlaps are normal). B's batch host has the address A's app
//! host has. VPC C is peered with A and its client reaches A's database through a cross-VPC
//! group reference; VPC D's peering was deleted, leaving a stale reference. A tool that looks
//! addresses up without the VPC resolves B's batch host to A's app host: B's database rule
//! `from sg-b-batch` gets no credit and is called unused.
//!
//! **On-prem sources.** An accounting application on-prem (10.200.1.0/24 over a VPN) queries
//! RDS; a new BI server (10.200.7.15) is refused. A naive tool classes 10.200/16 as the
//! internet and the refusal as scanner noise — "my on-prem app cannot reach RDS" is one of the
//! most common real REJECT cases.

use crate::scenario::model::{
    Account, Conn, EniKind, Ep, Expect, Format, GroupIdx, LikelyCause, Os, Peer, PeerClass, Reason,
    Resource, SubnetIdx, Suggestion, TCP, TrafficType, cidr, ip, net, sg,
};
use crate::scenario::{Entry, ScenarioInfo};

use super::internet;

pub(crate) const OVERLAPPING_VPCS: Entry = Entry {
    info: ScenarioInfo {
        name: "overlapping_vpcs_peering",
        story: "VPCs A and B are both 10.0.0.0/16 and B's batch host has A's app host's address; VPC C is peered with A (active) and references A's database group; VPC D's peering to A was deleted, leaving a stale reference. describe-vpc-peering-connections is given.",
        tests: "addresses are resolved per VPC (and its active peers): B's rule is used, A's rule from its idle app group is provably unused, the cross-VPC reference is used, the stale one unknown (unresolved_peer)",
    },
    build: overlapping_vpcs,
};

pub(crate) const ON_PREM: Entry = Entry {
    info: ScenarioInfo {
        name: "on_prem_rds",
        story: "On-prem hosts (10.200.0.0/16 over a VPN, given as --internal-cidr) query an RDS database: the accounting subnet is allowed, a new BI server is refused, a decommissioned site's rule is never used; a private address outside every range (172.16.4.9) is refused by the app.",
        tests: "on-prem sources are their own peer class (on_prem) and other private sources private_external, never unsolicited_external; the refusals are missing_rule hotspots with the exact source as the suggestion; the dead site's rule is provably unused",
    },
    build: on_prem,
};

fn overlapping_vpcs(name: &'static str, seed: u64) -> Account {
    let mut a = Account::new(name, seed);
    let va = a.vpc("a", "10.0.0.0/16");
    let vb = a.vpc("b", "10.0.0.0/16");
    let vc = a.vpc("c", "10.1.0.0/16");
    let vd = a.vpc("d", "10.9.0.0/16");
    let pc = a.peering(va, vc, "active");
    let pd = a.peering(va, vd, "deleted");
    let a_app_sub = a.subnet(va, "a-app", "10.0.1.0/24");
    let a_data = a.subnet(va, "a-data", "10.0.2.0/24");
    let b_app_sub = a.subnet(vb, "b-app", "10.0.1.0/24");
    let b_data = a.subnet(vb, "b-data", "10.0.2.0/24");
    let c_sub = a.subnet(vc, "c-app", "10.1.5.0/24");
    let d_sub = a.subnet(vd, "d-etl", "10.9.1.0/24");
    let g_a_app = a.group(va, "a-app");
    let g_a_batch = a.group(va, "a-batch");
    let g_a_db = a.group(va, "a-db");
    let g_b_batch = a.group(vb, "b-batch");
    let g_b_db = a.group(vb, "b-db");
    let g_c_client = a.group(vc, "c-client");
    let g_d_etl = a.group(vd, "d-etl");
    let g_c_bi = a.group(vc, "c-bi");
    a.tcp_in(
        g_a_db,
        5432,
        sg(g_a_batch),
        Expect::used(),
        "A's batch host",
    );
    a.tcp_in(
        g_a_db,
        5432,
        sg(g_a_app),
        Expect::unused(),
        "A's app host never queries the database; B's batch host (same address) is in another VPC",
    );
    a.tcp_in(
        g_a_db,
        5432,
        Peer::Group {
            group: g_c_client,
            peering: Some(pc),
        },
        Expect::used(),
        "VPC C's client through the active peering",
    );
    a.tcp_in(
        g_a_db,
        5432,
        Peer::Group {
            group: g_d_etl,
            peering: Some(pd),
        },
        Expect::unknown(&[Reason::UnresolvedPeer]),
        "the peering to D was deleted: the reference is stale",
    );
    a.tcp_in(
        g_b_db,
        5432,
        sg(g_b_batch),
        Expect::used(),
        "B's batch host, whose address is also A's app host's",
    );
    a.rule(
        g_a_batch,
        true,
        i16::from(TCP),
        (5432, 5432),
        sg(g_a_db),
        Expect::used(),
        "A's batch queries",
    );
    a.rule(
        g_a_app,
        true,
        i16::from(TCP),
        (443, 443),
        net("0.0.0.0/0"),
        Expect::used(),
        "A's app calls the internet",
    );
    a.rule(
        g_b_batch,
        true,
        i16::from(TCP),
        (5432, 5432),
        sg(g_b_db),
        Expect::used(),
        "B's batch queries",
    );
    a.rule(
        g_c_client,
        true,
        i16::from(TCP),
        (5432, 5432),
        Peer::Group {
            group: g_a_db,
            peering: Some(pc),
        },
        Expect::used(),
        "C's client to A's database",
    );
    a.rule(
        g_c_bi,
        true,
        i16::from(TCP),
        (5432, 5432),
        net("10.0.0.0/16"),
        Expect::used(),
        "C's BI server tries A's database (refused there)",
    );
    overlapping_traffic(
        &mut a,
        [a_app_sub, a_data, b_app_sub, b_data, c_sub, d_sub],
        [
            g_a_app, g_a_batch, g_a_db, g_b_batch, g_b_db, g_c_client, g_d_etl, g_c_bi,
        ],
    );
    for v in [va, vb, vc] {
        a.flow_log(Resource::Vpc(v), TrafficType::All, Format::Default, 600);
    }
    a.extras.peerings = true;
    a.expect_hotspot(
        &[g_a_db],
        5432,
        TCP,
        PeerClass::Peered,
        LikelyCause::MissingRule,
        Some(Suggestion {
            group: g_a_db,
            protocol: TCP,
            port: 5432,
            peer: Peer::Group {
                group: g_c_bi,
                peering: Some(pc),
            },
        }),
        "VPC C's BI server is refused by A's database: a peered source, not the internet",
    );
    a
}

/// The ENIs of the overlapping VPCs (B's batch host on A's app host's address) and their
/// traffic.
fn overlapping_traffic(a: &mut Account, subnets: [SubnetIdx; 6], groups: [GroupIdx; 8]) {
    let [a_app_sub, a_data, b_app_sub, b_data, c_sub, d_sub] = subnets;
    let [
        g_a_app,
        g_a_batch,
        g_a_db,
        g_b_batch,
        g_b_db,
        g_c_client,
        g_d_etl,
        g_c_bi,
    ] = groups;
    let a_app = a.eni("a-app", EniKind::Instance(Os::Linux), a_app_sub, &[g_a_app]);
    a.set_addr(a_app, "10.0.1.10");
    let a_batch = a.eni(
        "a-batch",
        EniKind::Instance(Os::Linux),
        a_app_sub,
        &[g_a_batch],
    );
    a.set_addr(a_batch, "10.0.1.30");
    let a_db = a.eni("a-db", EniKind::Rds, a_data, &[g_a_db]);
    a.set_addr(a_db, "10.0.2.20");
    let b_batch = a.eni(
        "b-batch",
        EniKind::Instance(Os::Linux),
        b_app_sub,
        &[g_b_batch],
    );
    a.set_addr(b_batch, "10.0.1.10");
    let b_db = a.eni("b-db", EniKind::Rds, b_data, &[g_b_db]);
    a.set_addr(b_db, "10.0.2.20");
    let c_client = a.eni(
        "c-client",
        EniKind::Instance(Os::Linux),
        c_sub,
        &[g_c_client],
    );
    a.eni("d-etl", EniKind::Instance(Os::Linux), d_sub, &[g_d_etl]);
    let c_bi = a.eni("c-bi", EniKind::Instance(Os::Linux), c_sub, &[g_c_bi]);
    a.every(600, 123, 7150, |t| {
        Conn::tcp(Ep::Eni(c_bi), Ep::Eni(a_db), 5432, t, 7)
    });
    a.every(90, 11, 7150, |t| {
        Conn::tcp(Ep::Eni(a_batch), Ep::Eni(a_db), 5432, t, 10)
    });
    a.every(60, 13, 7150, |t| {
        Conn::tcp(Ep::Eni(b_batch), Ep::Eni(b_db), 5432, t, 10)
    });
    a.every(300, 17, 7150, |t| {
        Conn::tcp(Ep::Eni(c_client), Ep::Eni(a_db), 5432, t, 30)
    });
    a.every(600, 19, 7150, |t| {
        Conn::tcp(Ep::Eni(a_app), internet(7), 443, t, 5)
    });
}

fn on_prem(name: &'static str, seed: u64) -> Account {
    let mut a = Account::new(name, seed);
    let vpc = a.vpc("finance", "10.20.0.0/16");
    let sub = a.subnet(vpc, "data-a", "10.20.2.0/24");
    let app_sub = a.subnet(vpc, "app-a", "10.20.1.0/24");
    let g_rds = a.group(vpc, "rds");
    let g_app = a.group(vpc, "app");
    a.tcp_in(
        g_rds,
        5432,
        net("10.200.1.0/24"),
        Expect::used(),
        "the on-prem accounting application",
    );
    a.tcp_in(g_rds, 5432, sg(g_app), Expect::used(), "the cloud app");
    a.tcp_in(
        g_rds,
        5432,
        net("10.200.9.0/24"),
        Expect::unused(),
        "the decommissioned branch office: the database is fully logged and no 10.200.9/24 source appears",
    );
    a.rule(
        g_app,
        true,
        i16::from(TCP),
        (5432, 5432),
        sg(g_rds),
        Expect::used(),
        "the cloud app's queries",
    );
    let rds = a.eni("rds", EniKind::Rds, sub, &[g_rds]);
    let app = a.eni("app", EniKind::Instance(Os::Linux), app_sub, &[g_app]);
    for (k, host) in ["10.200.1.21", "10.200.1.22", "10.200.1.40"]
        .iter()
        .enumerate()
    {
        let h = ip(host);
        a.every(180, 20 + k as u64 * 7, 7150, |t| {
            Conn::tcp(Ep::Addr(h), Ep::Eni(rds), 5432, t, 25)
        });
    }
    let partner = ip("172.16.4.9");
    a.every(600, 70, 7150, |t| {
        Conn::tcp(Ep::Addr(partner), Ep::Eni(app), 8080, t, 7)
    });
    let bi = ip("10.200.7.15");
    a.every(300, 40, 7150, |t| {
        Conn::tcp(Ep::Addr(bi), Ep::Eni(rds), 5432, t, 7)
    });
    a.every(60, 5, 7150, |t| {
        Conn::tcp(Ep::Eni(app), Ep::Eni(rds), 5432, t, 4)
    });
    a.flow_log(Resource::Vpc(vpc), TrafficType::All, Format::Default, 600);
    a.internal_cidrs.push(cidr("10.200.0.0/16"));
    a.expect_hotspot(
        &[g_rds],
        5432,
        TCP,
        PeerClass::OnPrem,
        LikelyCause::MissingRule,
        Some(Suggestion {
            group: g_rds,
            protocol: TCP,
            port: 5432,
            peer: net("10.200.7.15/32"),
        }),
        "the new BI server on-prem cannot reach the database",
    );
    a.expect_hotspot(
        &[g_app],
        8080,
        TCP,
        PeerClass::PrivateExternal,
        LikelyCause::MissingRule,
        Some(Suggestion {
            group: g_app,
            protocol: TCP,
            port: 8080,
            peer: net("172.16.4.9/32"),
        }),
        "a private address outside the VPC and outside --internal-cidr (another VPC over a transit gateway) calls the app",
    );
    a
}
