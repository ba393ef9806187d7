use super::*;

#[test]
fn remote_ports_keep_the_smallest_distinct_whatever_the_order() {
    let mut a = PortEvidence::default();
    for p in [50000, 40000, 40000, 60000, 30000] {
        a.add_remote_port(p);
    }
    let mut b = PortEvidence::default();
    for p in [30000, 60000, 40000, 50000] {
        b.add_remote_port(p);
    }
    assert_eq!(a, b);
    assert_eq!(a.remote_ports, [30000, 40000, 50000]);
    let mut c = PortEvidence::default();
    c.add_remote_port(0);
    c.add_remote_port(443);
    assert_eq!(c.distinct_remote_ports(), 2);
    let mut merged = c;
    merged.merge(&a);
    assert_eq!(merged.distinct_remote_ports(), 4);
}

#[test]
fn progress_is_new_listener_evidence_not_new_connections() {
    let mut port = PortEvidence::default();
    let fresh = port.class();
    // A client's ephemeral port: one remote port, a SYN sent. Not progress.
    port.add_remote_port(443);
    port.opened = true;
    assert!(!port.class().progressed_from(fresh));
    // A second and a third remote port: progress; a fourth changes nothing.
    let before = port.class();
    port.add_remote_port(8443);
    assert!(port.class().progressed_from(before));
    let before = port.class();
    port.add_remote_port(9443);
    assert!(port.class().progressed_from(before));
    let before = port.class();
    port.add_remote_port(10443);
    assert!(!port.class().progressed_from(before));
    // A server port's first SYN answered: progress.
    let mut server = PortEvidence::default();
    server.add_remote_port(40000);
    let before = server.class();
    server.served = true;
    assert!(server.class().progressed_from(before));
}

#[test]
fn the_budget_ends_at_its_lines_or_after_patience_without_progress() {
    let mut budget = LearnBudget::new(10, 3);
    budget.count(false);
    budget.count(false);
    budget.count(true);
    budget.count(false);
    budget.count(false);
    assert!(!budget.spent(), "progress resets the patience");
    budget.count(false);
    assert!(budget.spent());
    let mut unusable = LearnBudget::new(10_000, 2048);
    unusable.pass(1024);
    assert!(!unusable.spent());
    unusable.pass(1024);
    assert!(
        unusable.spent(),
        "rows without the columns learning needs teach nothing"
    );
    let mut short = LearnBudget::new(2, 100);
    short.count(true);
    short.count(true);
    assert!(short.spent(), "the line budget is a hard cap");
}
