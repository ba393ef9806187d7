//! REJECT hotspots and the advice they get.
//!
//! **A NAT gateway REJECT.** App servers send mail through a NAT gateway; the public subnet's
//! network ACL denies SMTP from the private subnet. The REJECTs are on the NAT gateway's ENI,
//! which has no security groups: only a NACL can refuse there. A naive tool reports a "missing
//! rule" with an empty target.
//!
//! **A port scan from inside.** A vulnerability scanner probes twenty ports on three app
//! servers. A naive tool suggests one "add this rule" per port. Among the scan, a reporting job
//! is refused on the app servers' metrics port: that one is a missing rule, and the narrowest
//! fix is on the app group from the reporting group — not on the baseline group both carry.
//!
//! **An internal hotspot among internet noise.** Thousands of internet scanners' REJECTs on a
//! public web server bury a few dozen refusals of the app servers on the cache's TLS port 6380.
//! Every ENI carries a shared monitoring group: the naive advice `tcp 6380 from sg-monitoring
//! on sg-monitoring` would open the port between every monitored ENI.

use crate::scenario::model::{
    Account, Conn, EniKind, Ep, Expect, Format, GroupIdx, LikelyCause, Os, PeerClass, Resource,
    SubnetIdx, Suggestion, TCP, TrafficType, Via, any, nacl_entry, net, sg,
};
use crate::scenario::{Entry, ScenarioInfo};

use super::internet;

pub(crate) const NAT_REJECT: Entry = Entry {
    info: ScenarioInfo {
        name: "nat_gateway_reject",
        story: "App servers reach the internet through a NAT gateway; the public subnet's network ACL denies SMTP (25) from the private subnet, so the NAT gateway's ENI logs REJECTs (describe-network-acls given).",
        tests: "a REJECT on a group-less ENI is caused by a NACL (cause nacl, no suggested rule)",
    },
    build: nat_reject,
};

pub(crate) const INTERNAL_SCAN: Entry = Entry {
    info: ScenarioInfo {
        name: "internal_port_scan",
        story: "An internal scanner probes twenty ports on three app servers (sg-app + a shared sg-baseline); a reporting job (sg-report + sg-baseline) is refused on the app servers' metrics port 9100.",
        tests: "the scanner's refusals are a scan, with no suggested rules; the reporting job's refusal is a missing rule fixed by `tcp 9100 from sg-report on sg-app`",
    },
    build: internal_scan,
};

pub(crate) const NOISE: Entry = Entry {
    info: ScenarioInfo {
        name: "hotspot_in_noise",
        story: "Thousands of internet scanners' REJECTs on a public web server; app servers refused a few dozen times on the cache's port 6380; every internal ENI carries a shared sg-monitoring.",
        tests: "internet noise is unsolicited_external and does not bury the internal hotspot; its suggestion is `tcp 6380 from sg-app on sg-cache`, not the shared group",
    },
    build: noise,
};

fn nat_reject(name: &'static str, seed: u64) -> Account {
    let mut a = Account::new(name, seed);
    let vpc = a.vpc("egress", "10.16.0.0/16");
    let public = a.subnet(vpc, "public-a", "10.16.0.0/24");
    let private = a.subnet(vpc, "private-a", "10.16.10.0/24");
    let g_app = a.group(vpc, "app");
    a.egress_all(g_app, Expect::used(), "the app servers' outbound calls");
    a.tcp_in(
        g_app,
        22,
        net("10.16.0.0/16"),
        Expect::unused(),
        "nobody logs in",
    );
    a.nacl(
        &[public],
        vec![
            nacl_entry(100, false, false, "10.16.10.0/24", Some((25, 25))),
            nacl_entry(200, false, true, "0.0.0.0/0", None),
            nacl_entry(100, true, true, "0.0.0.0/0", None),
        ],
    );
    let nat = a.eni("nat", EniKind::NatGateway, public, &[]);
    let apps = a.enis("app", 2, EniKind::Instance(Os::Linux), private, &[g_app]);
    for (k, &app) in apps.iter().enumerate() {
        a.every(60, 5 + k as u64 * 7, 7150, |t| {
            Conn::tcp(Ep::Eni(app), internet(20 + k as u32), 443, t, 3).via(Via::Nat(nat))
        });
        a.every(300, 40 + k as u64 * 11, 7150, |t| {
            Conn::tcp(Ep::Eni(app), internet(99), 25, t, 7).via(Via::Nat(nat))
        });
    }
    a.flow_log(
        Resource::Vpc(vpc),
        TrafficType::All,
        Format::PktNoFlags,
        600,
    );
    a.extras.nacls = true;
    a.expect_hotspot(
        &[],
        25,
        TCP,
        PeerClass::Internal,
        LikelyCause::Nacl,
        None,
        "the NAT gateway has no security groups: the public subnet's NACL entry 100 denies SMTP",
    );
    a
}

const SCANNED: [u16; 20] = [
    21, 23, 25, 53, 110, 135, 139, 143, 445, 1433, 1521, 3306, 3389, 5432, 5900, 6379, 8443, 9200,
    11211, 27017,
];

fn internal_scan(name: &'static str, seed: u64) -> Account {
    let mut a = Account::new(name, seed);
    let vpc = a.vpc("shop", "10.17.0.0/16");
    let app_sub = a.subnet(vpc, "app-a", "10.17.1.0/24");
    let data = a.subnet(vpc, "data-a", "10.17.2.0/24");
    let tools = a.subnet(vpc, "tools-a", "10.17.9.0/24");
    let g_alb = a.group(vpc, "alb");
    let g_app = a.group(vpc, "app");
    let g_base = a.group(vpc, "baseline");
    let g_db = a.group(vpc, "db");
    let g_tools = a.group(vpc, "tools");
    let g_report = a.group(vpc, "report");
    a.tcp_in(g_alb, 443, any(), Expect::used(), "internet clients");
    a.rule(
        g_alb,
        true,
        i16::from(TCP),
        (8080, 8080),
        sg(g_app),
        Expect::used(),
        "the ALB to the app servers",
    );
    a.tcp_in(
        g_app,
        8080,
        sg(g_alb),
        Expect::used(),
        "the ALB to the app servers",
    );
    a.rule(
        g_app,
        true,
        i16::from(TCP),
        (5432, 5432),
        sg(g_db),
        Expect::used(),
        "the app servers' queries",
    );
    a.tcp_in(
        g_db,
        5432,
        sg(g_app),
        Expect::used(),
        "the app servers' queries",
    );
    a.tcp_in(
        g_base,
        22,
        net("10.99.0.0/16"),
        Expect::unused(),
        "the bastion VPC never connects",
    );
    a.egress_all(g_tools, Expect::used(), "the scanner's probes leave");
    a.egress_all(
        g_report,
        Expect::used(),
        "the reporting job's attempts leave",
    );
    scan_traffic(
        &mut a,
        [app_sub, data, tools],
        [g_alb, g_app, g_base, g_db, g_tools, g_report],
    );
    let targets = [g_app, g_base];
    for &port in &SCANNED {
        a.expect_hotspot(
            &targets,
            port,
            TCP,
            PeerClass::Internal,
            LikelyCause::Scan,
            None,
            "the internal scanner",
        );
    }
    a.expect_hotspot(
        &targets,
        9100,
        TCP,
        PeerClass::Internal,
        LikelyCause::MissingRule,
        Some(Suggestion {
            group: g_app,
            protocol: TCP,
            port: 9100,
            peer: sg(g_report),
        }),
        "the reporting job scrapes the app servers' metrics; sg-baseline is shared with the database and must not be opened",
    );
    a.flow_log(Resource::Vpc(vpc), TrafficType::All, Format::Default, 600);
    a
}

/// The shop's ENIs and traffic: internet → ALB → app servers → database, the scanner's two
/// rounds over twenty ports of each app server, the reporting job's refused scrapes.
fn scan_traffic(a: &mut Account, subnets: [SubnetIdx; 3], groups: [GroupIdx; 6]) {
    let [app_sub, data, tools] = subnets;
    let [g_alb, g_app, g_base, g_db, g_tools, g_report] = groups;
    let alb = a.eni("shop-alb", EniKind::Alb, app_sub, &[g_alb]);
    let apps = a.enis(
        "app",
        3,
        EniKind::Instance(Os::Linux),
        app_sub,
        &[g_app, g_base],
    );
    let db = a.eni("db", EniKind::Rds, data, &[g_db, g_base]);
    let scanner = a.eni("scanner", EniKind::Instance(Os::Linux), tools, &[g_tools]);
    let report = a.eni(
        "report",
        EniKind::Instance(Os::Linux),
        tools,
        &[g_report, g_base],
    );
    let mut k = 0u32;
    a.every(20, 1, 7150, |t| {
        k += 1;
        Conn::tcp(internet(k), Ep::Eni(alb), 443, t, 2).client_ports(1024, 65535)
    });
    let mut n = 0usize;
    a.every(20, 2, 7150, |t| {
        n += 1;
        Conn::tcp(Ep::Eni(alb), Ep::Eni(apps[n % 3]), 8080, t, 2)
    });
    for (i, &app) in apps.iter().enumerate() {
        a.every(60, 4 + i as u64, 7150, |t| {
            Conn::tcp(Ep::Eni(app), Ep::Eni(db), 5432, t, 2)
        });
        a.every(300, 30 + i as u64 * 5, 7150, |t| {
            Conn::tcp(Ep::Eni(report), Ep::Eni(app), 9100, t, 7)
        });
        for round in [1800u64, 5400] {
            for (j, &port) in SCANNED.iter().enumerate() {
                let t = round + (i * SCANNED.len() + j) as u64 * 2;
                a.conn(Conn::tcp(Ep::Eni(scanner), Ep::Eni(app), port, t, 3).packets(1, 0));
            }
        }
    }
}

const NOISE_PORTS: [u16; 6] = [22, 23, 3389, 445, 8080, 5900];

fn noise(name: &'static str, seed: u64) -> Account {
    let mut a = Account::new(name, seed);
    let vpc = a.vpc("media", "10.18.0.0/16");
    let public = a.subnet(vpc, "public-a", "10.18.1.0/24");
    let app_sub = a.subnet(vpc, "app-a", "10.18.2.0/24");
    let g_web = a.group(vpc, "web");
    let g_app = a.group(vpc, "app");
    let g_cache = a.group(vpc, "cache");
    let g_mon = a.group(vpc, "monitoring");
    let g_prom = a.group(vpc, "prometheus");
    a.tcp_in(g_web, 443, any(), Expect::used(), "internet clients");
    a.egress_all(
        g_web,
        Expect::used(),
        "the web server calls the app servers (and carries its untracked responses)",
    );
    a.tcp_in(
        g_app,
        8080,
        sg(g_web),
        Expect::used(),
        "the web server's calls",
    );
    a.egress_all(g_app, Expect::used(), "cache reads");
    a.tcp_in(g_cache, 6379, sg(g_app), Expect::used(), "cache reads");
    a.tcp_in(
        g_mon,
        9100,
        sg(g_mon),
        Expect::used(),
        "Prometheus scrapes every monitored ENI",
    );
    a.egress_all(g_prom, Expect::used(), "the scrapes");
    let web = a.eni("web", EniKind::Instance(Os::Linux), public, &[g_web]);
    let apps = a.enis(
        "app",
        2,
        EniKind::Instance(Os::Linux),
        app_sub,
        &[g_app, g_mon],
    );
    let cache = a.eni(
        "cache",
        EniKind::Instance(Os::Linux),
        app_sub,
        &[g_cache, g_mon],
    );
    let prom = a.eni(
        "prometheus",
        EniKind::Instance(Os::Linux),
        app_sub,
        &[g_prom, g_mon],
    );
    let mut k = 0u32;
    a.every(5, 1, 7150, |t| {
        k += 1;
        Conn::tcp(internet(k), Ep::Eni(web), 443, t, 2).client_ports(1024, 65535)
    });
    let mut s = 0u32;
    a.every(2, 0, 7150, |t| {
        s += 1;
        let port = NOISE_PORTS[(s as usize) % NOISE_PORTS.len()];
        Conn::tcp(internet(100_000 + s), Ep::Eni(web), port, t, 2)
            .client_ports(1024, 65535)
            .packets(1, 0)
    });
    let mut n = 0usize;
    a.every(10, 3, 7150, |t| {
        n += 1;
        Conn::tcp(Ep::Eni(web), Ep::Eni(apps[n % 2]), 8080, t, 2)
    });
    for (i, &app) in apps.iter().enumerate() {
        a.every(20, 4 + i as u64, 7150, |t| {
            Conn::tcp(Ep::Eni(app), Ep::Eni(cache), 6379, t, 1)
        });
        a.every(300, 60 + i as u64 * 13, 7150, |t| {
            Conn::tcp(Ep::Eni(app), Ep::Eni(cache), 6380, t, 7)
        });
    }
    for (i, target) in apps.iter().chain([&cache]).enumerate() {
        let target = *target;
        a.every(30, 6 + i as u64, 7150, |t| {
            Conn::tcp(Ep::Eni(prom), Ep::Eni(target), 9100, t, 1)
        });
    }
    a.flow_log(Resource::Vpc(vpc), TrafficType::All, Format::Default, 600);
    a.expect_hotspot(
        &[g_cache, g_mon],
        6380,
        TCP,
        PeerClass::Internal,
        LikelyCause::MissingRule,
        Some(Suggestion {
            group: g_cache,
            protocol: TCP,
            port: 6380,
            peer: sg(g_app),
        }),
        "the app servers try the cache's TLS port; sg-monitoring is on every ENI and must not be opened",
    );
    for port in NOISE_PORTS {
        a.expect_hotspot(
            &[g_web],
            port,
            TCP,
            PeerClass::External,
            LikelyCause::UnsolicitedExternal,
            None,
            "internet scanners, one port each",
        );
    }
    a
}
