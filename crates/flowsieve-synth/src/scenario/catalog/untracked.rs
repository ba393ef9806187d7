//! Untracked connections.
//!
//! A web server allows `tcp 443 from 0.0.0.0/0` and keeps AWS's default `egress all to
//! 0.0.0.0/0`. That pair makes its inbound HTTPS flows untracked: their responses leave through
//! the egress rule, not through connection tracking. The server never opens a connection, so a
//! naive tool calls the egress rule unused; removing it cuts every established connection at
//! once. An API server beside it has `egress tcp 443 to 0.0.0.0/0` only (not all ports): its
//! flows stay tracked, and that rule really is unused.

use crate::scenario::model::{
    Account, Conn, EniKind, Ep, Expect, Format, Os, Reason, Resource, TCP, TrafficType, any, net,
};
use crate::scenario::{Entry, ScenarioInfo};

use super::internet;

pub(crate) const PAIR: Entry = Entry {
    info: ScenarioInfo {
        name: "untracked_pair",
        story: "A web server with `ingress tcp 443 0.0.0.0/0` and `egress all 0.0.0.0/0` that never initiates; an API server with `ingress tcp 443 0.0.0.0/0` and `egress tcp 443 0.0.0.0/0`.",
        tests: "the all-traffic egress rule that carries untracked responses is unknown (untracked_flow_dependency), never unused; the API's egress rule (flows tracked) is provably unused",
    },
    build: pair,
};

fn pair(name: &'static str, seed: u64) -> Account {
    let mut a = Account::new(name, seed);
    let vpc = a.vpc("public", "10.15.0.0/16");
    let sub = a.subnet(vpc, "public-a", "10.15.1.0/24");
    let g_web = a.group(vpc, "web");
    let g_api = a.group(vpc, "api");
    a.tcp_in(g_web, 443, any(), Expect::used(), "internet clients");
    a.egress_all(
        g_web,
        Expect::unknown(&[Reason::UntrackedFlowDependency]),
        "carries the responses of the untracked HTTPS flows",
    );
    a.tcp_in(
        g_web,
        22,
        net("198.51.100.0/24"),
        Expect::unused(),
        "nobody logs in",
    );
    a.tcp_in(g_api, 443, any(), Expect::used(), "internet clients");
    a.rule(
        g_api,
        true,
        i16::from(TCP),
        (443, 443),
        any(),
        Expect::unused(),
        "the API never calls out; not all ports, so its flows stay tracked",
    );
    let web = a.eni("web", EniKind::Instance(Os::Linux), sub, &[g_web]);
    let api = a.eni("api", EniKind::Instance(Os::Linux), sub, &[g_api]);
    let mut k = 0u32;
    a.every(15, 3, 7150, |t| {
        k += 1;
        Conn::tcp(internet(k), Ep::Eni(web), 443, t, 5).client_ports(1024, 65535)
    });
    a.every(30, 8, 7150, |t| {
        k += 1;
        Conn::tcp(internet(k), Ep::Eni(api), 443, t, 5).client_ports(1024, 65535)
    });
    a.flow_log(Resource::Vpc(vpc), TrafficType::All, Format::Default, 600);
    a
}
