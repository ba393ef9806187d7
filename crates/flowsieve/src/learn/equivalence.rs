//! The compact learner against the one it replaced: for random objects, split among learners
//! at random, some shipped as bytes, merged in a random order, what is learned is exactly what
//! the old learner (counting `HashMap` of every port, f6d6126) learned from the same objects
//! in one pass.

use std::collections::{BTreeMap, HashMap};

use proptest::prelude::*;

use super::*;

/// The learner before client ports were kept compactly, as it was, as the model.
mod old {
    use std::collections::{BTreeMap, HashMap};

    use super::super::{DISTINCT_REMOTE_PORTS, LearnedPort, PortKey};

    #[derive(Debug, Clone, Copy, Default)]
    pub(super) struct Evidence {
        pub(super) served: u32,
        pub(super) opened: u32,
        pub(super) remote_ports: [u16; DISTINCT_REMOTE_PORTS],
        pub(super) remote_port_zero: bool,
    }

    impl Evidence {
        fn add_remote_port(&mut self, port: u16) {
            if port == 0 {
                self.remote_port_zero = true;
                return;
            }
            if self.remote_ports.contains(&port) {
                return;
            }
            let mut ports: Vec<u16> = self
                .remote_ports
                .iter()
                .copied()
                .filter(|&p| p != 0)
                .chain(std::iter::once(port))
                .collect();
            ports.sort_unstable();
            ports.truncate(DISTINCT_REMOTE_PORTS);
            self.remote_ports = [0; DISTINCT_REMOTE_PORTS];
            self.remote_ports[..ports.len()].copy_from_slice(&ports);
        }

        fn merge(&mut self, other: &Evidence) {
            self.served = self.served.saturating_add(other.served);
            self.opened = self.opened.saturating_add(other.opened);
            for &p in other.remote_ports.iter().filter(|&&p| p != 0) {
                self.add_remote_port(p);
            }
            self.remote_port_zero |= other.remote_port_zero;
        }

        fn distinct_remote_ports(&self) -> usize {
            self.remote_ports.iter().filter(|&&p| p != 0).count()
                + usize::from(self.remote_port_zero)
        }
    }

    #[derive(Debug, Default)]
    pub(super) struct Learner {
        pending: HashMap<PortKey, Evidence>,
        pub(super) ports: HashMap<PortKey, Evidence>,
    }

    impl Learner {
        pub(super) fn observe(&mut self, key: PortKey, remote_port: u16, served: Option<bool>) {
            let e = self.pending.entry(key).or_default();
            e.add_remote_port(remote_port);
            match served {
                Some(true) => e.served = e.served.saturating_add(1),
                Some(false) => e.opened = e.opened.saturating_add(1),
                None => {}
            }
        }

        pub(super) fn end_object(&mut self) {
            for (key, evidence) in self.pending.drain() {
                if evidence.served + evidence.opened > 0 || evidence.distinct_remote_ports() >= 2 {
                    self.ports.entry(key).or_default().merge(&evidence);
                }
            }
        }

        pub(super) fn finish(mut self) -> BTreeMap<PortKey, LearnedPort> {
            self.end_object();
            let mut learned = BTreeMap::new();
            for (key, evidence) in self.ports {
                let port = LearnedPort {
                    served_syn: evidence.served > 0 && evidence.opened == 0,
                    opened_syn: evidence.opened > 0,
                    remote_ports: u8::try_from(evidence.distinct_remote_ports()).unwrap_or(u8::MAX),
                };
                if port.served_syn || port.opened_syn || port.remote_ports >= 2 {
                    learned.insert(key, port);
                }
            }
            learned
        }
    }
}

/// One observation: (ENI, protocol, port), the remote port, served / opened / unknown.
type Observation = (PortKey, u16, Option<bool>);

fn observation() -> impl Strategy<Value = Observation> {
    let port = prop_oneof![
        Just(0u16),
        prop::sample::select(vec![22u16, 80, 443, 5432, 8080, 50000]),
        32_768u16..32_800,
        any::<u16>(),
    ];
    (
        0u32..3,
        prop::sample::select(vec![TCP, UDP]),
        port.clone(),
        port,
        prop::option::of(any::<bool>()),
    )
        .prop_map(|(eni, protocol, port, remote, served)| ((eni, protocol, port), remote, served))
}

/// An object: random observations, and a busy client's connections (ENI 9 opening from
/// ephemeral ports towards 443, or now and then 8443), enough across objects to page its
/// table and to move some of its ports out again.
fn object() -> impl Strategy<Value = Vec<Observation>> {
    (
        prop::collection::vec(observation(), 0..120),
        prop::collection::vec((32_768u16..36_000, 0u8..16), 0..600),
    )
        .prop_map(|(mut observations, busy)| {
            for (port, r) in busy {
                let remote = if r == 0 { 8443 } else { 443 };
                // The SYN from the client's port, and a later window without flags.
                observations.push(((9, TCP, port), remote, Some(false)));
                observations.push(((9, TCP, port), remote, None));
            }
            observations
        })
}

fn entries(listeners: &Listeners) -> BTreeMap<PortKey, LearnedPort> {
    listeners.sorted().collect()
}

/// Old-layout learner bytes (counts) of the model's closed objects.
fn old_bytes(model: &old::Learner, records: u64) -> Vec<u8> {
    let mut ports: Vec<(PortKey, EvidenceWire)> = model
        .ports
        .iter()
        .map(|(&k, e)| {
            let wire = EvidenceWire {
                served: e.served,
                opened: e.opened,
                remote_ports: e.remote_ports,
                remote_port_zero: e.remote_port_zero,
            };
            (k, wire)
        })
        .collect();
    ports.sort_unstable_by_key(|&(k, _)| k);
    serde_json::to_vec(&LearnerWire { records, ports }).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn compact_learners_learn_what_the_old_one_did(
        objects in prop::collection::vec(object(), 1..10),
        assignment in prop::collection::vec(0usize..4, 10),
        order in Just((0..4usize).collect::<Vec<_>>()).prop_shuffle(),
        shipped in prop::collection::vec(any::<bool>(), 4),
        left_open in prop::collection::vec(any::<bool>(), 4),
    ) {
        let mut model = old::Learner::default();
        for object in &objects {
            for &(key, remote, served) in object {
                model.observe(key, remote, served);
            }
            model.end_object();
        }
        let mut learners: Vec<ListenerLearner> = (0..4).map(|_| ListenerLearner::new()).collect();
        let mut last = [None; 4];
        for (i, object) in objects.iter().enumerate() {
            let learner = &mut learners[assignment[i]];
            for &(key, remote, served) in object {
                learner.observe(key, remote, served);
            }
            learner.end_object();
            last[assignment[i]] = Some(i);
        }
        // A learner whose last object is still open: its observations again, unclosed (an
        // object read twice teaches what it taught once).
        for (l, learner) in learners.iter_mut().enumerate() {
            if let (true, Some(i)) = (left_open[l], last[l]) {
                for &(key, remote, served) in &objects[i] {
                    learner.observe(key, remote, served);
                }
            }
        }
        let mut merged = ListenerLearner::new();
        for &l in &order {
            let learner = std::mem::take(&mut learners[l]);
            let learner = if shipped[l] {
                ListenerLearner::from_bytes(&learner.to_bytes()).unwrap()
            } else {
                learner
            };
            merged.merge(learner);
        }
        let records = objects.iter().map(|o| o.len() as u64).sum::<u64>();
        merged.records = records;
        let from_old_bytes = ListenerLearner::from_bytes(&old_bytes(&model, records)).unwrap();
        let expected = model.finish();
        let shipped_whole = ListenerLearner::from_bytes(&merged.to_bytes()).unwrap().finish();
        let listeners = merged.finish();
        prop_assert_eq!(&entries(&listeners), &expected);
        prop_assert_eq!(listeners.records(), records);
        // Every way of carrying it gives the same listeners, byte for byte.
        let bytes = String::from_utf8(listeners.to_bytes()).unwrap();
        for other in [shipped_whole, from_old_bytes.finish()] {
            prop_assert!(String::from_utf8(other.to_bytes()).unwrap() == bytes);
            prop_assert_eq!(other.fingerprint(), listeners.fingerprint());
        }
        let reread = Listeners::from_bytes(bytes.as_bytes()).unwrap();
        prop_assert_eq!(entries(&reread), expected.clone());
        // The old listeners' bytes: the same entries in the same layout.
        #[derive(serde::Serialize)]
        struct OldWire {
            records: u64,
            learned: Vec<(PortKey, LearnedPort)>,
        }
        let old_wire = OldWire {
            records,
            learned: expected.iter().map(|(&k, &v)| (k, v)).collect(),
        };
        prop_assert!(serde_json::to_string(&old_wire).unwrap() == bytes);
        // Orientation reads every port that can serve, and no opened-only one.
        for (&(eni, protocol, port), &learned) in &expected {
            let listening = listeners.listening(EniIdx(eni), protocol, port);
            if learned.opened_only() {
                prop_assert_eq!(listening, None);
            } else {
                prop_assert_eq!(listening, Some(learned));
            }
        }
        let listening: HashMap<PortKey, LearnedPort> = listeners.learned.clone().into_iter().collect();
        prop_assert!(listening.keys().all(|k| expected.contains_key(k)));
    }
}

/// Learner bytes with a port twice, or out of order, are refused with the typed error.
#[test]
fn learner_bytes_with_a_repeated_port_are_refused() {
    let twice = br#"{"records":2,"ports":[[[1,6,80],{"served":1,"opened":0,"remote_ports":[40000,0,0],"remote_port_zero":false}],[[1,6,80],{"served":0,"opened":1,"remote_ports":[40001,0,0],"remote_port_zero":false}]]}"#;
    let err = ListenerLearner::from_bytes(twice).unwrap_err();
    assert!(matches!(err, crate::Error::InvalidPartial { .. }), "{err}");
    assert!(err.to_string().contains("out of order"), "{err}");
    assert!(ListenerLearner::from_bytes(b"{\"records\":1}").is_err());
    // Old counts read as what they meant: 7 SYNs answered is a server port.
    let counted = br#"{"records":9,"ports":[[[1,6,80],{"served":7,"opened":0,"remote_ports":[40000,0,0],"remote_port_zero":false}]]}"#;
    let listeners = ListenerLearner::from_bytes(counted).unwrap().finish();
    assert_eq!(listeners.listener_count(), 1);
    assert_eq!(listeners.records(), 9);
}

/// A busy ENI's client ports cost a few bytes each, not a map entry: 20,000 ephemeral
/// ports that opened connections to one service fit in pages, and learn what the model
/// does.
#[test]
fn many_client_ports_are_held_in_pages() {
    let mut learner = ListenerLearner::new();
    let mut model = old::Learner::default();
    for port in 32_768..52_768u16 {
        learner.observe((4, TCP, port), 5432, Some(false));
        model.observe((4, TCP, port), 5432, Some(false));
    }
    learner.observe((5, TCP, 5432), 32_768, Some(true));
    model.observe((5, TCP, 5432), 32_768, Some(true));
    learner.end_object();
    assert_eq!(
        learner.closed.others.len(),
        1,
        "only the server port is a map entry"
    );
    assert_eq!(learner.closed.clients[&(4, TCP)].len(), 20_000);
    let listeners = learner.finish();
    assert_eq!(entries(&listeners), model.finish());
    assert_eq!(listeners.learned.len(), 1);
    assert_eq!(listeners.listener_count(), 1);
}
