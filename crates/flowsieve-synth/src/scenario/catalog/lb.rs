//! Network Load Balancers with security groups and client IP preservation.
//!
//! An NLB (with a security group) forwards internet clients to two app servers on 8443, with
//! client IP preservation (the default for instance targets): the targets see the clients'
//! addresses, yet AWS matches the targets' rule `ingress 8443 from sg-nlb`. A naive tool sees
//! internet addresses, finds no rule that allows them, reports them as unallowed accepts and
//! the rule as unused — deleting it takes the service down. Health checks come from the NLB's
//! own addresses on 8081. The flow log covers the app subnet only. With the elbv2 JSON
//! (`describe-target-groups`, `describe-target-health`, target group attributes) the targets
//! and ports are exact; without it, only the NLB's ENIs in the inventory hint at it.

use crate::scenario::model::{
    Account, Conn, EniKind, Ep, Expect, Format, Os, Reason, Resource, TCP, TrafficType, Via, any,
    ip, net, sg,
};
use crate::scenario::{Entry, ScenarioInfo};

use super::internet;

pub(crate) const NLB_TARGETS: Entry = Entry {
    info: ScenarioInfo {
        name: "nlb_client_ip_targets",
        story: "An NLB with sg-nlb forwards internet clients to two targets on 8443 with client IP preservation; the targets allow `8443 from sg-nlb`. elbv2 load balancer, target group, target health and attribute JSON is given; the NLB's subnets are not logged.",
        tests: "the target rule referencing the NLB's group is used (credited by forwarded client traffic); the clients are not unallowed accepts",
    },
    build: |name, seed| nlb(name, seed, true),
};

pub(crate) const NLB_NO_TARGETS: Entry = Entry {
    info: ScenarioInfo {
        name: "nlb_client_ip_no_targets",
        story: "The same NLB and targets without any elbv2 JSON: only the NLB's ENIs (`ELB net/…`, interface type network_load_balancer) are in the inventory.",
        tests: "the target rule referencing the NLB's group is unknown (nlb_client_ip_preservation), never unused",
    },
    build: |name, seed| nlb(name, seed, false),
};

fn nlb(name: &'static str, seed: u64, targets_json: bool) -> Account {
    let mut a = Account::new(name, seed);
    let vpc = a.vpc("edge", "10.13.0.0/16");
    let pub_a = a.subnet(vpc, "public-a", "10.13.1.0/24");
    let pub_b = a.subnet(vpc, "public-b", "10.13.2.0/24");
    let app_sub = a.subnet(vpc, "app-a", "10.13.11.0/24");
    let g_nlb = a.group(vpc, "nlb");
    let g_app = a.group(vpc, "app");
    let no_logs = Expect::unknown(&[Reason::NoLogsForGroup]);
    a.tcp_in(
        g_nlb,
        443,
        any(),
        no_logs.clone(),
        "internet clients; the NLB's subnets are not logged",
    );
    a.rule(
        g_nlb,
        true,
        i16::from(TCP),
        (8443, 8443),
        sg(g_app),
        no_logs.clone(),
        "forwarding to the targets; not logged",
    );
    a.rule(
        g_nlb,
        true,
        i16::from(TCP),
        (8081, 8081),
        sg(g_app),
        no_logs,
        "health checks; not logged",
    );
    a.tcp_in(
        g_app,
        8443,
        sg(g_nlb),
        if targets_json {
            Expect::used()
        } else {
            Expect::unknown(&[Reason::NlbClientIpPreservation])
        },
        "AWS matches it for every forwarded client (client IP preservation)",
    );
    a.tcp_in(
        g_app,
        8081,
        sg(g_nlb),
        Expect::used(),
        "the NLB's health checks, from its own addresses",
    );
    a.tcp_in(
        g_app,
        8443,
        net("203.0.113.0/24"),
        Expect::used(),
        "the partner's clients, forwarded with their own address",
    );
    a.tcp_in(
        g_app,
        22,
        net("10.13.0.0/16"),
        Expect::unused(),
        "nobody logs in",
    );
    a.rule(
        g_app,
        true,
        i16::from(TCP),
        (443, 443),
        any(),
        Expect::used(),
        "the payment API",
    );
    let apps = a.enis("app", 2, EniKind::Instance(Os::Linux), app_sub, &[g_app]);
    let lb = a.nlb("api", &[pub_a, pub_b], &[g_nlb], 8443, &apps);
    let nlb_enis = a.lbs[lb.0].enis.clone();
    let mut k = 0usize;
    a.every(10, 1, 7150, |t| {
        k += 1;
        Conn::tcp(internet(k as u32), Ep::Eni(apps[k % 2]), 443, t, 4)
            .client_ports(1024, 65535)
            .via(Via::Nlb(nlb_enis[(k / 2) % 2]))
    });
    let partner = ip("203.0.113.7");
    a.every(120, 30, 7150, |t| {
        Conn::tcp(Ep::Addr(partner), Ep::Eni(apps[0]), 443, t, 10).via(Via::Nlb(nlb_enis[0]))
    });
    for (i, &n) in nlb_enis.iter().enumerate() {
        for (j, &app) in apps.iter().enumerate() {
            a.every(30, 2 + (i * 2 + j) as u64 * 3, 7150, |t| {
                Conn::tcp(Ep::Eni(n), Ep::Eni(app), 8081, t, 1).packets(3, 3)
            });
        }
    }
    for (j, &app) in apps.iter().enumerate() {
        a.every(300, 50 + j as u64 * 9, 7150, |t| {
            Conn::tcp(Ep::Eni(app), internet(77), 443, t, 3)
        });
    }
    a.flow_log(
        Resource::Subnet(app_sub),
        TrafficType::All,
        Format::Default,
        600,
    );
    a.extras.load_balancers = targets_json;
    a
}
