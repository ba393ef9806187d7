//! ICMP both ways.
//!
//! A monitor pings the app servers; the app servers ping an outside address; a bastion pings
//! the internet and is reached over SSH from the office. ICMP records carry ports `0 0` both
//! ways, so ports say nothing: a naive tool takes the echo replies coming back to the bastion
//! as inbound pings and credits `ingress icmp all from 0.0.0.0/0`, which nothing ever used, and
//! counts the outbound pings as responses. The request starts before its reply in every window,
//! which pairs the two directions.

use crate::scenario::model::{
    Account, Conn, EniKind, Ep, Expect, Format, ICMP, Os, Resource, TrafficType, any, ip, net, sg,
};
use crate::scenario::{Entry, ScenarioInfo};

use super::internet;

pub(crate) const PINGS: Entry = Entry {
    info: ScenarioInfo {
        name: "icmp_pings_both_ways",
        story: "A monitor pings the app servers, the app servers and a bastion ping the internet, an office reaches the bastion over SSH; every ICMP record has ports 0 0.",
        tests: "ICMP is oriented by pairing request and reply (the request starts first): the bastion's `ingress icmp all from 0.0.0.0/0` is provably unused, the monitor's and the outbound ping rules are used",
    },
    build: pings,
};

fn icmp_all(
    a: &mut Account,
    g: crate::scenario::model::GroupIdx,
    egress: bool,
    peer: crate::scenario::model::Peer,
    e: Expect,
    note: &str,
) {
    a.rule(g, egress, i16::from(ICMP), (-1, -1), peer, e, note);
}

fn pings(name: &'static str, seed: u64) -> Account {
    let mut a = Account::new(name, seed);
    let vpc = a.vpc("ops", "10.14.0.0/16");
    let sub = a.subnet(vpc, "ops-a", "10.14.1.0/24");
    let g_mon = a.group(vpc, "monitor");
    let g_app = a.group(vpc, "app");
    let g_bastion = a.group(vpc, "bastion");
    icmp_all(
        &mut a,
        g_app,
        false,
        sg(g_mon),
        Expect::used(),
        "the monitor's pings",
    );
    icmp_all(
        &mut a,
        g_app,
        true,
        any(),
        Expect::used(),
        "the app servers ping an outside address",
    );
    icmp_all(
        &mut a,
        g_mon,
        true,
        any(),
        Expect::used(),
        "the monitor's pings",
    );
    icmp_all(
        &mut a,
        g_bastion,
        false,
        any(),
        Expect::unused(),
        "only echo replies to the bastion's own pings come in",
    );
    icmp_all(
        &mut a,
        g_bastion,
        true,
        any(),
        Expect::used(),
        "the bastion pings the internet",
    );
    a.tcp_in(
        g_bastion,
        22,
        net("198.51.100.0/24"),
        Expect::used(),
        "the office's SSH sessions",
    );
    let mon = a.eni("monitor", EniKind::Instance(Os::Linux), sub, &[g_mon]);
    let apps = a.enis("app", 3, EniKind::Instance(Os::Linux), sub, &[g_app]);
    let bastion = a.eni("bastion", EniKind::Instance(Os::Linux), sub, &[g_bastion]);
    for (k, &app) in apps.iter().enumerate() {
        a.every(60, 10 + k as u64 * 3, 7150, |t| {
            Conn::ping(Ep::Eni(mon), Ep::Eni(app), t)
        });
        a.every(300, 100 + k as u64 * 7, 7150, |t| {
            Conn::ping(Ep::Eni(app), internet(8), t)
        });
    }
    a.every(120, 40, 7150, |t| {
        Conn::ping(Ep::Eni(bastion), internet(9), t)
    });
    let office = ip("198.51.100.20");
    a.every(600, 200, 7150, |t| {
        Conn::tcp(Ep::Addr(office), Ep::Eni(bastion), 22, t, 300)
    });
    a.flow_log(Resource::Vpc(vpc), TrafficType::All, Format::Default, 600);
    a
}
