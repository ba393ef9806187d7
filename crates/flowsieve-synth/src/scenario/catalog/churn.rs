//! ENIs that come and go.
//!
//! **ECS task churn.** A batch service on Fargate runs short tasks: every task gets a new ENI
//! and a new address, lives a quarter of an hour, and is gone before anyone exports the
//! inventory. The database's rule `ingress 5432 from sg-batch` carried every one of their
//! connections. With the end-of-window snapshot alone, no ENI carries sg-batch any more: a naive
//! tool credits nothing, calls the rule unused, and lists the same traffic apart as "unknown
//! ENI" records and "unallowed accepts". With AWS Config history the task ENIs are known with
//! their groups at the time of each record, and the rule is plainly used. The history also
//! proves a rule unused that the snapshot cannot: `ingress 5432 from sg-reporting` (the
//! reporting host never connects) is provably unused with history, but with the snapshot alone
//! the vanished addresses could have been sg-reporting members. Hourly snapshots sit in
//! between: the one task alive at a snapshot is known (and credits the batch rules), the
//! others are not.
//!
//! **An ENI born at the end of the window.** A worker task appears five minutes before the
//! window ends and stays idle. Its group's rules have had no chance to be used: a naive tool
//! calls them unused, although the worker was observed for five minutes of two hours.

use crate::scenario::Entry;
use crate::scenario::ScenarioInfo;
use crate::scenario::model::{
    Account, Conn, EniKind, Ep, Expect, Format, GroupIdx, InventoryForm, Os, Reason, Resource,
    SubnetIdx, TCP, TrafficType, net, sg,
};

use super::internet;

pub(crate) const CONFIG_HISTORY: Entry = Entry {
    info: ScenarioInfo {
        name: "ecs_churn_config_history",
        story: "Fargate batch tasks (sg-batch) come and go every quarter of an hour and all are gone at the end of the window; the database allows them by `ingress 5432 from sg-batch`. AWS Config history of the ENIs and groups is given.",
        tests: "records are matched against the network as it was at their time: the batch rules are used, the rule from an idle reporting host is provably unused",
    },
    build: |name, seed| ecs_churn(name, seed, Churn::History),
};

pub(crate) const SNAPSHOT: Entry = Entry {
    info: ScenarioInfo {
        name: "ecs_churn_snapshot",
        story: "The same Fargate batch churn with only the end-of-window snapshot: no ENI of the inventory carries sg-batch any more, and the tasks' ENIs appear in the logs only.",
        tests: "no false unused: the database's rules from groups whose members may be gone are unknown (peer_membership_incomplete), the batch group has no carrier (no_carrier_enis), rules that the unknown ENIs' records could have used are unknown (unknown_eni_traffic)",
    },
    build: |name, seed| ecs_churn(name, seed, Churn::EndSnapshot),
};

pub(crate) const HOURLY_SNAPSHOTS: Entry = Entry {
    info: ScenarioInfo {
        name: "ecs_churn_hourly_snapshots",
        story: "The same Fargate batch churn with inventory snapshots taken at 00:00, 01:00 and 01:59:59 (dated directories): one batch task is alive at 01:00, the others are never captured.",
        tests: "each record is matched against the snapshot in force at its time: the captured task credits the batch rules; the database's rules from groups whose members may be uncaptured are unknown (peer_membership_incomplete), rules the uncaptured ENIs could have used unknown (unknown_eni_traffic)",
    },
    build: |name, seed| ecs_churn(name, seed, Churn::Hourly),
};

pub(crate) const BORN_MID_WINDOW: Entry = Entry {
    info: ScenarioInfo {
        name: "eni_born_mid_window",
        story: "A worker task (sg-worker) is started five minutes before the end of a two-hour window and stays idle; its rules could not have been used yet. One end-of-window snapshot.",
        tests: "the worker's rules are unknown (partial_coverage), not unused; rules of fully observed groups that reference the worker stay provably unused",
    },
    build: born_mid_window,
};

/// The inventory the churn scenarios hand over.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Churn {
    History,
    EndSnapshot,
    Hourly,
}

fn ecs_churn(name: &'static str, seed: u64, form: Churn) -> Account {
    let mut a = Account::new(name, seed);
    let vpc = a.vpc("app", "10.0.0.0/16");
    let tasks = a.subnet(vpc, "tasks-a", "10.0.1.0/24");
    let data = a.subnet(vpc, "data-a", "10.0.2.0/24");
    let g_batch = a.group(vpc, "batch");
    let g_api = a.group(vpc, "api");
    let g_db = a.group(vpc, "db");
    let g_rep = a.group(vpc, "reporting");
    // The expectation with Config history, with the end snapshot, with hourly snapshots.
    let pick = |h: Expect, s: Expect, hourly_e: Expect| match form {
        Churn::History => h,
        Churn::EndSnapshot => s,
        Churn::Hourly => hourly_e,
    };
    use Reason::*;
    a.tcp_in(
        g_db,
        5432,
        sg(g_batch),
        pick(
            Expect::used(),
            Expect::unknown(&[PeerMembershipIncomplete]),
            Expect::used(),
        ),
        "carried every batch task's connection; the tasks are gone at the end",
    );
    a.tcp_in(
        g_db,
        5432,
        sg(g_api),
        Expect::used(),
        "the api service's connections",
    );
    a.tcp_in(
        g_db,
        5432,
        sg(g_rep),
        pick(
            Expect::unused(),
            Expect::unknown(&[PeerMembershipIncomplete]),
            Expect::unknown(&[PeerMembershipIncomplete]),
        ),
        "the reporting host never connects; without history the vanished addresses could have been its members",
    );
    a.egress_all(
        g_db,
        pick(
            Expect::unused(),
            Expect::unknown(&[UnknownEniTraffic]),
            Expect::unknown(&[UnknownEniTraffic]),
        ),
        "the database never opens a connection; without history an unknown ENI could carry sg-db",
    );
    a.rule(
        g_batch,
        true,
        i16::from(TCP),
        (5432, 5432),
        sg(g_db),
        pick(
            Expect::used(),
            Expect::unknown(&[NoCarrierEnis, UnknownEniTraffic]),
            Expect::used(),
        ),
        "the batch tasks' connections to the database",
    );
    a.rule(
        g_batch,
        true,
        i16::from(TCP),
        (443, 443),
        net("0.0.0.0/0"),
        pick(
            Expect::used(),
            Expect::unknown(&[NoCarrierEnis, UnknownEniTraffic]),
            Expect::used(),
        ),
        "the batch tasks fetch their input over HTTPS every five minutes",
    );
    a.rule(
        g_api,
        true,
        i16::from(TCP),
        (5432, 5432),
        sg(g_db),
        Expect::used(),
        "the api service's connections",
    );
    a.rule(
        g_rep,
        true,
        i16::from(TCP),
        (5432, 5432),
        sg(g_db),
        pick(
            Expect::unused(),
            Expect::unknown(&[UnknownEniTraffic]),
            Expect::unknown(&[UnknownEniTraffic]),
        ),
        "the reporting host never connects; without history the unknown ENIs' connections to the database could be sg-reporting's",
    );
    a.tcp_in(
        g_rep,
        22,
        net("10.0.0.0/16"),
        Expect::unused(),
        "nobody logs in to the reporting host",
    );
    churn_traffic(&mut a, tasks, data, [g_batch, g_api, g_db, g_rep]);
    a.flow_log(Resource::Vpc(vpc), TrafficType::All, Format::Default, 600);
    a.inventory = match form {
        Churn::History => InventoryForm::ConfigHistory,
        Churn::EndSnapshot => InventoryForm::EndSnapshot,
        Churn::Hourly => InventoryForm::Snapshots(vec![0, 3600, 7199]),
    };
    a
}

/// The database, the api task, the idle reporting host, and eight batch tasks of a quarter of
/// an hour each (new ENI, new address), with their traffic.
fn churn_traffic(a: &mut Account, tasks: SubnetIdx, data: SubnetIdx, groups: [GroupIdx; 4]) {
    let [g_batch, g_api, g_db, g_rep] = groups;
    let db = a.eni("db", EniKind::Rds, data, &[g_db]);
    let api = a.eni("api-task", EniKind::EcsTask, tasks, &[g_api]);
    a.eni("reporting", EniKind::Instance(Os::Linux), tasks, &[g_rep]);
    a.every(120, 30, 7100, |t| {
        Conn::tcp(Ep::Eni(api), Ep::Eni(db), 5432, t, 20)
    });
    for k in 0..8u64 {
        let born = 60 + 750 * k;
        let task = a.eni(
            &format!("batch-task-{k}"),
            EniKind::EcsTask,
            tasks,
            &[g_batch],
        );
        a.lifetime(task, born, Some(born + 840));
        a.every(300, born + 5, born + 800, |t| {
            Conn::tcp(Ep::Eni(task), internet(k as u32), 443, t, 30)
        });
        a.every(60, born + 40, born + 800, |t| {
            Conn::tcp(Ep::Eni(task), Ep::Eni(db), 5432, t, 15)
        });
    }
}

fn born_mid_window(name: &'static str, seed: u64) -> Account {
    let mut a = Account::new(name, seed);
    let vpc = a.vpc("jobs", "10.1.0.0/16");
    let svc = a.subnet(vpc, "svc-a", "10.1.1.0/24");
    let data = a.subnet(vpc, "data-a", "10.1.2.0/24");
    let g_sched = a.group(vpc, "scheduler");
    let g_worker = a.group(vpc, "worker");
    let g_db = a.group(vpc, "db");
    let g_cache = a.group(vpc, "cache");
    let g_ops = a.group(vpc, "ops");
    use Reason::*;
    a.tcp_in(
        g_worker,
        9000,
        sg(g_sched),
        Expect::unknown(&[PartialCoverage]),
        "the worker exists for the last five minutes only",
    );
    a.egress_all(
        g_worker,
        Expect::unknown(&[PartialCoverage]),
        "the worker exists for the last five minutes only",
    );
    a.rule(
        g_sched,
        true,
        i16::from(TCP),
        (9000, 9000),
        sg(g_worker),
        Expect::unused(),
        "the scheduler never calls port 9000 anywhere, and it is observed all along",
    );
    a.rule(
        g_sched,
        true,
        i16::from(TCP),
        (5432, 5432),
        sg(g_db),
        Expect::used(),
        "the scheduler's job queries",
    );
    a.tcp_in(
        g_db,
        5432,
        sg(g_sched),
        Expect::used(),
        "the scheduler's job queries",
    );
    a.tcp_in(
        g_db,
        5432,
        sg(g_worker),
        Expect::unused(),
        "the database is observed all along and no worker ever connected",
    );
    a.tcp_in(
        g_cache,
        6379,
        sg(g_worker),
        Expect::unused(),
        "the cache is observed all along and no worker ever connected",
    );
    a.tcp_in(
        g_ops,
        9100,
        net("10.1.0.0/16"),
        Expect::unused(),
        "attached to the scheduler at 01:00; nothing scrapes it, and the scheduler is observed all along",
    );
    let sched = a.eni("scheduler", EniKind::Instance(Os::Linux), svc, &[g_sched]);
    a.change_groups(sched, 3600, &[g_sched, g_ops]);
    let db = a.eni("db", EniKind::Rds, data, &[g_db]);
    a.eni("cache", EniKind::Instance(Os::Linux), data, &[g_cache]);
    let worker = a.eni("worker-task", EniKind::EcsTask, svc, &[g_worker]);
    a.lifetime(worker, 6900, None);
    a.every(300, 20, 7100, |t| {
        Conn::tcp(Ep::Eni(sched), Ep::Eni(db), 5432, t, 40)
    });
    a.flow_log(Resource::Vpc(vpc), TrafficType::All, Format::Default, 600);
    a
}
