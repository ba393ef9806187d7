//! What the logs cover.
//!
//! **A partially logged group.** The web tier has two instances in two subnets; the flow log is
//! on one subnet only. The admin tool talks to the unlogged instance on 8443: its rule carried
//! traffic nobody logged, and a naive tool calls it unused because the group "appears in the
//! logs" through the other instance.
//!
//! **A REJECT-only flow log beside an ALL one.** The batch subnet's flow log captures REJECT
//! traffic only (cheaper, common). Every rule of the batch group looks unused to a naive tool,
//! although no ACCEPT could ever have been seen there.
//!
//! **A referenced group with no ENIs.** The database allows `5432 from sg-legacy-etl`; nothing
//! carries that group any more. A naive tool raises nothing about it.
//!
//! **A type-specific ICMP rule, provably unused.** `ingress icmp 3/4 from 0.0.0.0/0` (path MTU
//! discovery) on web servers that never exchange any ICMP, all fully logged: flow logs carry no
//! ICMP type, but with no ICMP record at all on those ENIs the rule is provably unused — while
//! the echo rule of pinged hosts can only be unknown.
//!
//! **SKIPDATA.** AWS dropped the cache's records for ten minutes: a rule nothing used in the
//! rest of the window may have been used then.

use crate::scenario::model::{
    ALL, Account, Conn, EniKind, Ep, Expect, Format, ICMP, Os, Reason, Resource, TCP, TrafficType,
    any, net, sg,
};
use crate::scenario::{Entry, ScenarioInfo};

use super::internet;

pub(crate) const PARTIAL_GROUP: Entry = Entry {
    info: ScenarioInfo {
        name: "partial_group_logging",
        story: "Two web instances carry sg-web in two subnets; the flow log covers one subnet. An admin host in the unlogged subnet uses the web group's 8443 rule.",
        tests: "rules of a group with an unlogged carrier are unknown (partial_coverage) unless a logged record credits them; a group whose only carrier is unlogged is unknown (no_logs_for_group)",
    },
    build: partial_group,
};

pub(crate) const REJECT_ONLY: Entry = Entry {
    info: ScenarioInfo {
        name: "reject_only_beside_all",
        story: "The app subnet has an ALL flow log; the batch subnet a REJECT-only one (describe-flow-logs given). The batch host calls the app; the app probes the batch host on a port it does not allow.",
        tests: "rules of groups observed through REJECT-only capture are unknown (reject_only_capture); the refused probe is a missing_rule hotspot",
    },
    build: reject_only,
};

pub(crate) const GROUP_WITHOUT_ENIS: Entry = Entry {
    info: ScenarioInfo {
        name: "group_without_enis",
        story: "The database allows 5432 from sg-legacy-etl, a group no ENI carries any more; the group's own egress rule remains too.",
        tests: "a rule whose peer group has no ENIs is unknown (peer_membership_incomplete); the group's own rules are unknown (no_carrier_enis); a rule from an idle but known group is provably unused",
    },
    build: group_without_enis,
};

pub(crate) const ICMP_TYPE_UNUSED: Entry = Entry {
    info: ScenarioInfo {
        name: "icmp_type_rule_unused",
        story: "Web servers allow ICMP type 3 code 4 (path MTU discovery) from anywhere and never exchange any ICMP; an app host is pinged by the monitor under an echo-request rule. Everything is logged.",
        tests: "a type-specific ICMP rule with zero possible records on fully covered ENIs is unused; a type-specific rule that ICMP records could have matched is unknown (icmp_type_not_logged)",
    },
    build: icmp_type_unused,
};

pub(crate) const SKIPDATA: Entry = Entry {
    info: ScenarioInfo {
        name: "skipdata_window",
        story: "AWS dropped ten minutes of the cache's records (SKIPDATA); the cache's TLS port rule is used nowhere else in the window.",
        tests: "a rule of a group with SKIPDATA on a carrier is unknown (skipdata), not unused; rules of fully observed groups are still provable",
    },
    build: skipdata,
};

fn partial_group(name: &'static str, seed: u64) -> Account {
    let mut a = Account::new(name, seed);
    let vpc = a.vpc("web", "10.2.0.0/16");
    let sub_a = a.subnet(vpc, "web-a", "10.2.1.0/24");
    let sub_b = a.subnet(vpc, "web-b", "10.2.2.0/24");
    let g_alb = a.group(vpc, "alb");
    let g_web = a.group(vpc, "web");
    let g_admin = a.group(vpc, "admin");
    use Reason::*;
    a.tcp_in(g_alb, 443, any(), Expect::used(), "internet clients");
    a.rule(
        g_alb,
        true,
        i16::from(TCP),
        (443, 443),
        sg(g_web),
        Expect::used(),
        "the ALB forwards to both instances",
    );
    a.tcp_in(g_web, 443, sg(g_alb), Expect::used(), "logged on web-a");
    a.tcp_in(
        g_web,
        8443,
        sg(g_admin),
        Expect::unknown(&[PartialCoverage]),
        "used by the admin tool against web-b, which no flow log covers",
    );
    a.tcp_in(
        g_web,
        22,
        net("10.2.0.0/16"),
        Expect::unknown(&[PartialCoverage]),
        "never used, but web-b is not logged",
    );
    a.egress_all(g_web, Expect::used(), "web-a calls a payment API");
    a.rule(
        g_admin,
        true,
        i16::from(TCP),
        (8443, 8443),
        sg(g_web),
        Expect::used(),
        "the admin host's own flow log (ACCEPT only) shows its connections",
    );
    a.tcp_in(
        g_admin,
        22,
        net("10.2.0.0/16"),
        Expect::unused(),
        "nobody logs in to the admin host; its ACCEPT-only flow log would have shown it",
    );
    let alb = a.eni("web-alb", EniKind::Alb, sub_a, &[g_alb]);
    let web_a = a.eni("web-a", EniKind::Instance(Os::Linux), sub_a, &[g_web]);
    let web_b = a.eni("web-b", EniKind::Instance(Os::Linux), sub_b, &[g_web]);
    let admin = a.eni("admin", EniKind::Instance(Os::Linux), sub_b, &[g_admin]);
    let mut k = 0;
    a.every(20, 5, 7150, |t| {
        k += 1;
        Conn::tcp(internet(k), Ep::Eni(alb), 443, t, 3).client_ports(1024, 65535)
    });
    a.every(40, 6, 7150, |t| {
        Conn::tcp(Ep::Eni(alb), Ep::Eni(web_a), 443, t, 3)
    });
    a.every(40, 26, 7150, |t| {
        Conn::tcp(Ep::Eni(alb), Ep::Eni(web_b), 443, t, 3)
    });
    a.every(300, 100, 7150, |t| {
        Conn::tcp(Ep::Eni(admin), Ep::Eni(web_b), 8443, t, 30)
    });
    a.every(600, 50, 7150, |t| {
        Conn::tcp(Ep::Eni(web_a), internet(9000), 443, t, 5)
    });
    a.flow_log(
        Resource::Subnet(sub_a),
        TrafficType::All,
        Format::Default,
        600,
    );
    a.flow_log(Resource::Eni(admin), TrafficType::Accept, Format::Full, 60);
    a
}

fn reject_only(name: &'static str, seed: u64) -> Account {
    let mut a = Account::new(name, seed);
    let vpc = a.vpc("core", "10.3.0.0/16");
    let sub_app = a.subnet(vpc, "app-a", "10.3.1.0/24");
    let sub_batch = a.subnet(vpc, "batch-a", "10.3.2.0/24");
    let g_app = a.group(vpc, "app");
    let g_db = a.group(vpc, "db");
    let g_batch = a.group(vpc, "batch");
    use Reason::*;
    a.tcp_in(
        g_app,
        8080,
        sg(g_batch),
        Expect::used(),
        "the batch host's calls, logged on the app side",
    );
    a.egress_all(g_app, Expect::used(), "the app's queries and probes");
    a.tcp_in(g_db, 5432, sg(g_app), Expect::used(), "the app's queries");
    a.tcp_in(
        g_db,
        5432,
        sg(g_batch),
        Expect::unused(),
        "the database is fully logged and the batch host never connects to it",
    );
    let only_rejects = Expect::unknown(&[RejectOnlyCapture]);
    a.rule(
        g_batch,
        true,
        i16::from(TCP),
        (8080, 8080),
        sg(g_app),
        only_rejects.clone(),
        "used, but the batch subnet's flow log captures REJECT only",
    );
    a.rule(
        g_batch,
        true,
        i16::from(TCP),
        (443, 443),
        any(),
        only_rejects.clone(),
        "never used, but nothing accepted could be seen",
    );
    a.tcp_in(
        g_batch,
        22,
        net("10.3.0.0/16"),
        only_rejects,
        "never used, but nothing accepted could be seen",
    );
    let app = a.eni("app", EniKind::Instance(Os::Linux), sub_app, &[g_app]);
    let db = a.eni("db", EniKind::Rds, sub_app, &[g_db]);
    let batch = a.eni("batch", EniKind::Instance(Os::Linux), sub_batch, &[g_batch]);
    a.every(120, 10, 7150, |t| {
        Conn::tcp(Ep::Eni(batch), Ep::Eni(app), 8080, t, 10)
    });
    a.every(60, 20, 7150, |t| {
        Conn::tcp(Ep::Eni(app), Ep::Eni(db), 5432, t, 5)
    });
    a.every(600, 300, 7150, |t| {
        Conn::tcp(Ep::Eni(app), Ep::Eni(batch), 9090, t, 7)
    });
    a.flow_log(
        Resource::Subnet(sub_app),
        TrafficType::All,
        Format::Default,
        600,
    );
    a.flow_log(
        Resource::Subnet(sub_batch),
        TrafficType::Reject,
        Format::Default,
        600,
    );
    a.extras.flow_logs = true;
    a.expect_hotspot(
        &[g_batch],
        9090,
        TCP,
        crate::scenario::model::PeerClass::Internal,
        crate::scenario::model::LikelyCause::MissingRule,
        Some(crate::scenario::model::Suggestion {
            group: g_batch,
            protocol: TCP,
            port: 9090,
            peer: sg(g_app),
        }),
        "the app probes the batch host's metrics port, which sg-batch does not open",
    );
    a
}

fn group_without_enis(name: &'static str, seed: u64) -> Account {
    let mut a = Account::new(name, seed);
    let vpc = a.vpc("data", "10.4.0.0/16");
    let sub = a.subnet(vpc, "data-a", "10.4.1.0/24");
    let g_app = a.group(vpc, "app");
    let g_db = a.group(vpc, "db");
    let g_rep = a.group(vpc, "reporting");
    let g_legacy = a.group(vpc, "legacy-etl");
    let g_analytics = a.foreign_group(vpc, "analytics", "444455556666");
    use Reason::*;
    a.tcp_in(g_db, 5432, sg(g_app), Expect::used(), "the app's queries");
    a.tcp_in(
        g_db,
        5432,
        sg(g_legacy),
        Expect::unknown(&[PeerMembershipIncomplete]),
        "no ENI carries sg-legacy-etl: its members cannot be known",
    );
    a.tcp_in(
        g_db,
        5432,
        sg(g_rep),
        Expect::unused(),
        "the reporting host is known, logged and never connects",
    );
    a.tcp_in(
        g_db,
        5432,
        sg(g_analytics),
        Expect::unknown(&[UnresolvedPeer]),
        "a group of the analytics account, not in the inventory",
    );
    a.rule(
        g_app,
        true,
        i16::from(TCP),
        (5432, 5432),
        sg(g_db),
        Expect::used(),
        "the app's queries",
    );
    a.rule(
        g_legacy,
        true,
        i16::from(TCP),
        (5432, 5432),
        sg(g_db),
        Expect::unknown(&[NoCarrierEnis]),
        "no ENI carries the group",
    );
    a.egress_all(
        g_rep,
        Expect::unused(),
        "the reporting host is idle and fully logged",
    );
    let app = a.eni("app-function", EniKind::Lambda, sub, &[g_app]);
    let db = a.eni("db", EniKind::Rds, sub, &[g_db]);
    a.eni("reporting", EniKind::Instance(Os::Linux), sub, &[g_rep]);
    a.every(60, 15, 7150, |t| {
        Conn::tcp(Ep::Eni(app), Ep::Eni(db), 5432, t, 8)
    });
    a.flow_log(Resource::Vpc(vpc), TrafficType::All, Format::Default, 600);
    a
}

fn icmp_type_unused(name: &'static str, seed: u64) -> Account {
    let mut a = Account::new(name, seed);
    let vpc = a.vpc("web", "10.5.0.0/16");
    let sub = a.subnet(vpc, "web-a", "10.5.1.0/24");
    let g_web = a.group(vpc, "web");
    let g_app = a.group(vpc, "app");
    let g_mon = a.group(vpc, "monitor");
    use Reason::*;
    a.rule(
        g_web,
        false,
        i16::from(ICMP),
        (3, 4),
        any(),
        Expect::unused(),
        "path MTU discovery: no ICMP record at all on the fully logged web ENIs",
    );
    a.tcp_in(
        g_web,
        80,
        sg(g_mon),
        Expect::used(),
        "the monitor's HTTP checks",
    );
    a.egress_all(g_web, Expect::unused(), "the web servers only answer");
    a.rule(
        g_app,
        false,
        i16::from(ICMP),
        (8, -1),
        sg(g_mon),
        Expect::unknown(&[IcmpTypeNotLogged]),
        "the monitor's pings; flow logs do not say their type",
    );
    a.rule(
        g_mon,
        true,
        ALL,
        (-1, -1),
        any(),
        Expect::used(),
        "checks and pings",
    );
    let web1 = a.eni("web-1", EniKind::Instance(Os::Linux), sub, &[g_web]);
    let web2 = a.eni("web-2", EniKind::Instance(Os::Linux), sub, &[g_web]);
    let app = a.eni("app", EniKind::Instance(Os::Linux), sub, &[g_app]);
    let mon = a.eni("monitor", EniKind::Instance(Os::Linux), sub, &[g_mon]);
    for (k, web) in [web1, web2].into_iter().enumerate() {
        a.every(60, 3 + k as u64, 7150, |t| {
            Conn::tcp(Ep::Eni(mon), Ep::Eni(web), 80, t, 1)
        });
    }
    a.every(60, 30, 7150, |t| Conn::ping(Ep::Eni(mon), Ep::Eni(app), t));
    a.flow_log(Resource::Vpc(vpc), TrafficType::All, Format::Default, 600);
    a
}

fn skipdata(name: &'static str, seed: u64) -> Account {
    let mut a = Account::new(name, seed);
    let vpc = a.vpc("shop", "10.6.0.0/16");
    let sub = a.subnet(vpc, "shop-a", "10.6.1.0/24");
    let g_app = a.group(vpc, "app");
    let g_cache = a.group(vpc, "cache");
    let g_queue = a.group(vpc, "queue");
    a.egress_all(g_app, Expect::used(), "the app's calls");
    a.tcp_in(
        g_cache,
        6379,
        sg(g_app),
        Expect::used(),
        "the app's cache reads",
    );
    a.tcp_in(
        g_cache,
        6380,
        sg(g_app),
        Expect::unknown(&[Reason::Skipdata]),
        "used nowhere in the logs, but ten minutes of the cache's records were dropped",
    );
    a.tcp_in(
        g_queue,
        5672,
        sg(g_app),
        Expect::used(),
        "the app's messages",
    );
    a.tcp_in(
        g_queue,
        5671,
        sg(g_app),
        Expect::unused(),
        "the queue is fully observed and nobody uses TLS",
    );
    let app = a.eni("app", EniKind::Instance(Os::Linux), sub, &[g_app]);
    let cache = a.eni("cache", EniKind::Instance(Os::Linux), sub, &[g_cache]);
    let queue = a.eni("queue", EniKind::Instance(Os::Linux), sub, &[g_queue]);
    a.every(60, 7, 7150, |t| {
        Conn::tcp(Ep::Eni(app), Ep::Eni(cache), 6379, t, 2)
    });
    a.every(120, 9, 7150, |t| {
        Conn::tcp(Ep::Eni(app), Ep::Eni(queue), 5672, t, 30)
    });
    let fl = a.flow_log(Resource::Vpc(vpc), TrafficType::All, Format::Default, 600);
    a.skipdata.push((fl, cache, 3600));
    a
}
