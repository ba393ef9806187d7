//! The fuzzing entry point of the inventory loaders (`fuzz/`, target `inventory`): arbitrary
//! bytes as one JSON file of any kind flowsieve-sg reads (AWS CLI output, `terraform show
//! -json`), then the invariants a loaded inventory keeps. A finding replays as an ordinary test
//! through this same function. Not part of the API.

use std::collections::HashSet;

use crate::{CompiledMatcher, Inventory, InventoryBuilder, PortSpec, Protocol};

/// File names the target may give its input: the first byte picks one. A
/// `get-managed-prefix-list-entries` page takes its list id from the file name.
pub const NAMES: &[&str] = &[
    "inventory.json",
    "get-managed-prefix-list-entries-pl-0a1b2c3d4e5f60718.json",
];

/// Loads `data` (less its first byte, which picks the name from [`NAMES`]) and checks: no
/// panic; the same bytes load to the same inventory twice; rule, group, ENI and prefix-list ids
/// are non-empty and unique (an ENI id's versions: sorted and disjoint); every rule has a group
/// id, finds itself by id, has sorted disjoint lifetimes and the canonical port form of its
/// protocol; the matcher builds.
pub fn inventory(data: &[u8]) {
    let Some((&selector, json)) = data.split_first() else {
        return;
    };
    let name = NAMES[usize::from(selector) % NAMES.len()];
    let Some(inventory) = load(name, json) else {
        return;
    };
    let again = load(name, json).expect("the same bytes load again");
    assert_eq!(inventory.rules(), again.rules(), "loading is deterministic");
    assert_eq!(inventory.security_groups(), again.security_groups());
    assert_eq!(inventory.network_interfaces(), again.network_interfaces());
    assert_eq!(inventory.prefix_lists(), again.prefix_lists());
    assert_eq!(inventory.findings(), again.findings());
    check_rules(&inventory);
    unique(
        inventory.security_groups().iter().map(|g| g.id.as_str()),
        "group",
    );
    check_eni_versions(&inventory);
    unique(
        inventory.prefix_lists().iter().map(|p| p.id.as_str()),
        "prefix list",
    );
    for eni in inventory.network_interfaces() {
        assert!(eni.group_ids.iter().all(|g| !g.is_empty()), "{eni:?}");
    }
    let _ = CompiledMatcher::new(&inventory);
}

fn load(name: &str, json: &[u8]) -> Option<Inventory> {
    let mut builder = InventoryBuilder::new();
    builder.add_json(name, json).ok()?;
    Some(builder.build())
}

fn check_rules(inventory: &Inventory) {
    unique(inventory.rules().iter().map(|r| r.id.as_str()), "rule");
    for rule in inventory.rules() {
        assert!(
            !rule.group_id.is_empty(),
            "a rule without a group: {rule:?}"
        );
        for pair in rule.lifetimes.windows(2) {
            let [a, b] = pair else { continue };
            assert!(
                a.until.is_some_and(|u| b.from.is_some_and(|f| u < f)),
                "lifetimes not sorted and disjoint: {rule:?}"
            );
        }
        let (_, found) = inventory
            .rule_by_id(rule.id.as_str())
            .expect("a rule finds itself by id");
        assert_eq!(found, rule);
        let canonical = match (rule.protocol, rule.ports) {
            (Protocol::TCP | Protocol::UDP, PortSpec::Range { from, to }) => from <= to,
            (Protocol::ICMP | Protocol::ICMPV6, PortSpec::Icmp { .. }) => true,
            (Protocol::TCP | Protocol::UDP | Protocol::ICMP | Protocol::ICMPV6, _) => false,
            (_, ports) => ports == PortSpec::All,
        };
        assert!(
            canonical,
            "ports not in the canonical form of the protocol: {rule:?}"
        );
    }
}

/// ENI versions: ids non-empty, sorted by (id, start), each version's validity non-empty, and
/// the versions of one id disjoint.
fn check_eni_versions(inventory: &Inventory) {
    let enis = inventory.network_interfaces();
    for e in enis {
        assert!(!e.id.is_empty(), "an empty ENI id");
        assert!(!e.valid.is_empty(), "an empty validity: {e:?}");
    }
    for pair in enis.windows(2) {
        let [a, b] = pair else { continue };
        assert!(
            a.id <= b.id,
            "ENI versions not sorted by id: {} {}",
            a.id,
            b.id
        );
        if a.id == b.id {
            assert!(
                a.valid.overlap(&b.valid).is_none()
                    && a.valid
                        .until
                        .is_some_and(|u| b.valid.from.is_some_and(|f| u <= f)),
                "versions of {} overlap or are out of order: {} {}",
                a.id,
                a.valid,
                b.valid
            );
        }
    }
}

fn unique<'a>(ids: impl Iterator<Item = &'a str>, what: &str) {
    let mut seen = HashSet::new();
    for id in ids {
        assert!(!id.is_empty(), "an empty {what} id");
        assert!(seen.insert(id), "{what} id {id} twice");
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// Every fixture file of testdata/network keeps the invariants the fuzz target checks (AWS
    /// Config history pages give an ENI several versions).
    #[test]
    fn fixture_files_keep_the_invariants() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/network");
        let mut stack = vec![root];
        let mut files = 0;
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "json") {
                    let mut data = vec![0u8];
                    data.extend(std::fs::read(&path).unwrap());
                    super::inventory(&data);
                    files += 1;
                }
            }
        }
        assert!(files > 20, "{files} fixture files");
    }

    /// Inputs on which the `inventory` target once failed (testdata/fuzz/README.md says what
    /// each broke) replay through the same function.
    #[test]
    fn fuzz_findings_keep_the_invariants() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/fuzz");
        let mut replayed = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name.starts_with("inventory-crash-") {
                super::inventory(&std::fs::read(&path).unwrap());
                replayed += 1;
            }
        }
        assert!(
            replayed >= 1,
            "no inventory finding under {}",
            dir.display()
        );
    }
}
