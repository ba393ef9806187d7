//! Who is the client, when ports do not say it. All but the last use the default v2 format
//! (no tcp-flags), as most real archives do.
//!
//! **ECS dynamic host ports.** Containers on EC2 with bridge networking get host ports from
//! 49153–65535; the ALB connects from its own 1024–65535 ports under the canonical rule
//! `ingress 32768-65535 from sg-alb`. Both ports look ephemeral: a lower-port tie-break flips
//! most connections, credits the rule a fraction of the times and reports bogus unallowed
//! accepts. The host port stays fixed while the ALB's ports and addresses vary: a listener.
//!
//! **High server ports behind wide rules.** gRPC on 50051 and Jenkins agents on 50000, allowed
//! by `ingress all from sg-app` / `from sg-agents`. Linux clients use 32768–60999, so the server
//! port is "ephemeral" too; the wide rule is no declaration. A naive tool calls the gRPC rule
//! unused and credits a leftover `ingress 32768-60999 from sg-jenkins` on the agents instead.
//!
//! **NFS from privileged client ports.** EFS mounted without `noresvport`: clients connect from
//! ports below 1024 to 2049. "The privileged port is the server" flips every record: the EFS rule
//! looks unused and an old `ingress 0-1023 from sg-efs` on the clients looks used.
//!
//! **Windows clients and RPC dynamic ports.** Windows clients (49152–65535) talk to a domain
//! controller's RPC endpoint mapper (135), LDAP (389) and a dynamic RPC port (49668) allowed by
//! `ingress 49152-65535 from sg-clients`: both sides of the RPC connections are in the Windows
//! ephemeral range.
//!
//! **Long connections.** Jenkins agents hold connections to the controller for most of an hour.
//! With tcp-flags and one-minute aggregation, the SYN is in the first window only: later
//! windows, in later objects, carry flags 0 and fall back to port guesses unless the SYN
//! record's lesson is carried over. The controller allows the agents wholesale (`ingress all`), so
//! no specific rule declares the listener.

use crate::scenario::model::{
    ALL, Account, Conn, EniKind, Ep, Expect, Format, Os, Resource, TCP, TrafficType, any, net, sg,
};
use crate::scenario::{Entry, ScenarioInfo};

use super::internet;

pub(crate) const ECS_DYNAMIC: Entry = Entry {
    info: ScenarioInfo {
        name: "ecs_dynamic_ports",
        story: "Two ALB ENIs forward to ECS container instances whose containers listen on dynamic host ports (49153–65535) under `ingress 32768-65535 from sg-alb`; default format, no tcp-flags.",
        tests: "orientation ≥ 99 % by learning the fixed host ports; the dynamic-port rule is used, SSH unused",
    },
    build: ecs_dynamic,
};

pub(crate) const HIGH_SERVER_PORTS: Entry = Entry {
    info: ScenarioInfo {
        name: "high_server_ports",
        story: "A gRPC service on 50051 behind `ingress all from sg-app` and a Jenkins controller taking agents on 50000 behind `ingress all from sg-agents`; Linux clients; default format.",
        tests: "the wide rules are used; the agents' leftover callback range and the gRPC server's egress are provably unused; orientation ≥ 99 %",
    },
    build: high_server_ports,
};

pub(crate) const NFS: Entry = Entry {
    info: ScenarioInfo {
        name: "nfs_privileged_client",
        story: "App servers mount EFS without noresvport: NFS connections from client ports 600–1023 to 2049; default format.",
        tests: "the EFS rule is used; the clients' old `ingress 0-1023 from sg-efs` and EFS's egress are provably unused; orientation ≥ 99 %",
    },
    build: nfs,
};

pub(crate) const WINDOWS: Entry = Entry {
    info: ScenarioInfo {
        name: "windows_clients",
        story: "Windows clients (ports 49152–65535) use a domain controller's RPC endpoint mapper, LDAP and a dynamic RPC port 49668 (`ingress 49152-65535 from sg-clients`); default format.",
        tests: "the dynamic RPC rule is used; the clients' reverse range rule is provably unused; orientation ≥ 99 %",
    },
    build: windows,
};

pub(crate) const LONG_CONNECTIONS: Entry = Entry {
    info: ScenarioInfo {
        name: "long_connections",
        story: "Jenkins agents hold connections to the controller's port 50000 for most of an hour; tcp-flags format with one-minute aggregation, so the SYN is in an earlier object than most records.",
        tests: "records of later windows are oriented by the SYN seen earlier (learned_syn): orientation exact; the agents' callback range rule is provably unused",
    },
    build: long_connections,
};

fn ecs_dynamic(name: &'static str, seed: u64) -> Account {
    let mut a = Account::new(name, seed);
    let vpc = a.vpc("ecs", "10.7.0.0/16");
    let pub_a = a.subnet(vpc, "public-a", "10.7.1.0/24");
    let pub_b = a.subnet(vpc, "public-b", "10.7.2.0/24");
    let app = a.subnet(vpc, "app-a", "10.7.11.0/24");
    let g_alb = a.group(vpc, "alb");
    let g_hosts = a.group(vpc, "ecs-hosts");
    a.tcp_in(g_alb, 443, any(), Expect::used(), "internet clients");
    a.rule(
        g_alb,
        true,
        i16::from(TCP),
        (32768, 65535),
        sg(g_hosts),
        Expect::used(),
        "the ALB to the containers' host ports",
    );
    a.rule(
        g_hosts,
        false,
        i16::from(TCP),
        (32768, 65535),
        sg(g_alb),
        Expect::used(),
        "the canonical dynamic host port rule",
    );
    a.rule(
        g_hosts,
        true,
        i16::from(TCP),
        (443, 443),
        any(),
        Expect::used(),
        "image pulls",
    );
    a.tcp_in(
        g_hosts,
        22,
        net("10.7.0.0/16"),
        Expect::unused(),
        "nobody logs in",
    );
    let albs = [
        a.eni("ecs-alb-a", EniKind::Alb, pub_a, &[g_alb]),
        a.eni("ecs-alb-b", EniKind::Alb, pub_b, &[g_alb]),
    ];
    let host_ports: [(u16, u16); 3] = [(49153, 51872), (49162, 57344), (49155, 60122)];
    let hosts = a.enis(
        "ecs-host",
        3,
        EniKind::EcsContainerInstance,
        app,
        &[g_hosts],
    );
    let mut k = 0u32;
    a.every(10, 2, 7150, |t| {
        k += 1;
        Conn::tcp(internet(k), Ep::Eni(albs[(k % 2) as usize]), 443, t, 2).client_ports(1024, 65535)
    });
    let mut n = 0usize;
    a.every(10, 3, 7150, |t| {
        n += 1;
        let host = n % 3;
        let port = if n.is_multiple_of(2) {
            host_ports[host].0
        } else {
            host_ports[host].1
        };
        Conn::tcp(Ep::Eni(albs[n % 2]), Ep::Eni(hosts[host]), port, t, 2)
    });
    for (k, &h) in hosts.iter().enumerate() {
        a.every(1200, 100 + k as u64 * 13, 7150, |t| {
            Conn::tcp(Ep::Eni(h), internet(500 + k as u32), 443, t, 20)
        });
    }
    a.flow_log(Resource::Vpc(vpc), TrafficType::All, Format::Default, 600);
    a.listener_learnable = true;
    a
}

fn high_server_ports(name: &'static str, seed: u64) -> Account {
    let mut a = Account::new(name, seed);
    let vpc = a.vpc("platform", "10.8.0.0/16");
    let sub = a.subnet(vpc, "platform-a", "10.8.1.0/24");
    let g_app = a.group(vpc, "app");
    let g_grpc = a.group(vpc, "grpc");
    let g_jenkins = a.group(vpc, "jenkins");
    let g_agents = a.group(vpc, "agents");
    a.rule(
        g_grpc,
        false,
        ALL,
        (-1, -1),
        sg(g_app),
        Expect::used(),
        "the apps' gRPC calls to 50051",
    );
    a.egress_all(g_grpc, Expect::unused(), "the gRPC server only answers");
    a.tcp_in(
        g_grpc,
        22,
        net("10.8.0.0/16"),
        Expect::unused(),
        "nobody logs in",
    );
    a.rule(
        g_jenkins,
        false,
        ALL,
        (-1, -1),
        sg(g_agents),
        Expect::used(),
        "the agents' connections to 50000",
    );
    a.rule(
        g_jenkins,
        true,
        i16::from(TCP),
        (443, 443),
        any(),
        Expect::used(),
        "the controller fetches from the source host",
    );
    a.egress_all(g_app, Expect::used(), "the apps' calls");
    a.egress_all(g_agents, Expect::used(), "the agents' connections");
    a.rule(
        g_agents,
        false,
        i16::from(TCP),
        (32768, 60999),
        sg(g_jenkins),
        Expect::unused(),
        "a leftover 'callback' range: the controller never connects to the agents",
    );
    let apps = a.enis("app", 3, EniKind::Instance(Os::Linux), sub, &[g_app]);
    let grpc = a.eni("grpc", EniKind::Instance(Os::Linux), sub, &[g_grpc]);
    let jenkins = a.eni("jenkins", EniKind::Instance(Os::Linux), sub, &[g_jenkins]);
    let agents = a.enis("agent", 4, EniKind::Instance(Os::Linux), sub, &[g_agents]);
    let mut k = 0usize;
    a.every(15, 1, 7150, |t| {
        k += 1;
        Conn::tcp(Ep::Eni(apps[k % 3]), Ep::Eni(grpc), 50051, t, 2)
    });
    for (i, &ag) in agents.iter().enumerate() {
        a.every(300, 20 + i as u64 * 31, 6900, |t| {
            Conn::tcp(Ep::Eni(ag), Ep::Eni(jenkins), 50000, t, 240)
        });
    }
    a.every(600, 77, 7150, |t| {
        Conn::tcp(Ep::Eni(jenkins), internet(3), 443, t, 10)
    });
    a.flow_log(Resource::Vpc(vpc), TrafficType::All, Format::Default, 600);
    a.listener_learnable = true;
    a
}

fn nfs(name: &'static str, seed: u64) -> Account {
    let mut a = Account::new(name, seed);
    let vpc = a.vpc("files", "10.10.0.0/16");
    let app_sub = a.subnet(vpc, "app-a", "10.10.1.0/24");
    let data = a.subnet(vpc, "data-a", "10.10.2.0/24");
    let g_efs = a.group(vpc, "efs");
    let g_app = a.group(vpc, "app");
    a.tcp_in(g_efs, 2049, sg(g_app), Expect::used(), "the NFS mounts");
    a.egress_all(g_efs, Expect::unused(), "EFS never opens a connection");
    a.rule(
        g_app,
        true,
        i16::from(TCP),
        (2049, 2049),
        sg(g_efs),
        Expect::used(),
        "the NFS mounts",
    );
    a.rule(
        g_app,
        true,
        i16::from(TCP),
        (443, 443),
        any(),
        Expect::used(),
        "API calls",
    );
    a.rule(
        g_app,
        false,
        i16::from(TCP),
        (0, 1023),
        sg(g_efs),
        Expect::unused(),
        "an old rule 'for NFS callbacks': EFS never connects to the clients",
    );
    let efs = a.eni("efs-mount-a", EniKind::Efs, data, &[g_efs]);
    let apps = a.enis("app", 3, EniKind::Instance(Os::Linux), app_sub, &[g_app]);
    for (k, &app) in apps.iter().enumerate() {
        a.every(1800, 30 + k as u64 * 40, 5500, |t| {
            Conn::tcp(Ep::Eni(app), Ep::Eni(efs), 2049, t, 1500)
                .client_ports(600, 1023)
                .packets(400, 600)
        });
        a.every(300, 45 + k as u64 * 11, 7150, |t| {
            Conn::tcp(Ep::Eni(app), internet(40 + k as u32), 443, t, 3)
        });
    }
    a.flow_log(Resource::Vpc(vpc), TrafficType::All, Format::Default, 600);
    a.listener_learnable = true;
    a
}

fn windows(name: &'static str, seed: u64) -> Account {
    let mut a = Account::new(name, seed);
    let vpc = a.vpc("corp", "10.11.0.0/16");
    let sub = a.subnet(vpc, "corp-a", "10.11.1.0/24");
    let g_dc = a.group(vpc, "dc");
    let g_clients = a.group(vpc, "clients");
    a.tcp_in(
        g_dc,
        135,
        sg(g_clients),
        Expect::used(),
        "RPC endpoint mapper",
    );
    a.rule(
        g_dc,
        false,
        i16::from(TCP),
        (49152, 65535),
        sg(g_clients),
        Expect::used(),
        "RPC dynamic ports",
    );
    a.tcp_in(g_dc, 389, sg(g_clients), Expect::used(), "LDAP");
    a.tcp_in(
        g_dc,
        3389,
        net("10.11.0.0/16"),
        Expect::unused(),
        "nobody uses remote desktop",
    );
    a.egress_all(
        g_dc,
        Expect::used(),
        "the controller's time synchronisation",
    );
    a.egress_all(g_clients, Expect::used(), "the clients' calls");
    a.rule(
        g_clients,
        false,
        i16::from(TCP),
        (49152, 65535),
        sg(g_dc),
        Expect::unused(),
        "the reverse range someone opened 'for RPC replies'",
    );
    let dc = a.eni("dc-1", EniKind::Instance(Os::Windows), sub, &[g_dc]);
    let clients = a.enis("win", 4, EniKind::Instance(Os::Windows), sub, &[g_clients]);
    for (k, &c) in clients.iter().enumerate() {
        let off = k as u64 * 17;
        a.every(120, 5 + off, 7150, |t| {
            Conn::tcp(Ep::Eni(c), Ep::Eni(dc), 135, t, 1)
        });
        a.every(120, 7 + off, 7150, |t| {
            Conn::tcp(Ep::Eni(c), Ep::Eni(dc), 49668, t, 20)
        });
        a.every(60, 9 + off, 7150, |t| {
            Conn::tcp(Ep::Eni(c), Ep::Eni(dc), 389, t, 2)
        });
    }
    a.every(900, 60, 7150, |t| {
        Conn::udp(Ep::Eni(dc), internet(123), 123, t)
    });
    a.flow_log(Resource::Vpc(vpc), TrafficType::All, Format::Default, 600);
    a.listener_learnable = true;
    a
}

fn long_connections(name: &'static str, seed: u64) -> Account {
    let mut a = Account::new(name, seed);
    let vpc = a.vpc("ci", "10.12.0.0/16");
    let sub = a.subnet(vpc, "ci-a", "10.12.1.0/24");
    let g_ctl = a.group(vpc, "controller");
    let g_agents = a.group(vpc, "agents");
    a.rule(
        g_ctl,
        false,
        ALL,
        (-1, -1),
        sg(g_agents),
        Expect::used(),
        "the agents' long connections to 50000 (the CI groups trust each other wholesale)",
    );
    a.rule(
        g_ctl,
        true,
        i16::from(TCP),
        (443, 443),
        any(),
        Expect::used(),
        "the controller fetches from the source host",
    );
    a.egress_all(g_agents, Expect::used(), "the agents' connections");
    a.rule(
        g_agents,
        false,
        i16::from(TCP),
        (32768, 60999),
        sg(g_ctl),
        Expect::unused(),
        "a leftover 'callback' range",
    );
    let ctl = a.eni("controller", EniKind::Instance(Os::Linux), sub, &[g_ctl]);
    let agents = a.enis("agent", 4, EniKind::Instance(Os::Linux), sub, &[g_agents]);
    for (k, &ag) in agents.iter().enumerate() {
        let first = 60 + k as u64 * 400;
        a.conn(Conn::tcp(Ep::Eni(ag), Ep::Eni(ctl), 50000, first, 3000).packets(3000, 3000));
        a.conn(Conn::tcp(Ep::Eni(ag), Ep::Eni(ctl), 50000, first + 3100, 2500).packets(2500, 2500));
    }
    a.every(600, 33, 7150, |t| {
        Conn::tcp(Ep::Eni(ctl), internet(11), 443, t, 8)
    });
    a.flow_log(Resource::Vpc(vpc), TrafficType::All, Format::Flags, 60);
    a.listener_learnable = true;
    a
}
