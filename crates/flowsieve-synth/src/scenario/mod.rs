//! Scenarios: small accounts built like real ones, where naive verdicts are wrong, with exact
//! truth. Each scenario is a declarative [`model::Account`] (in `catalog/`, one file per
//! family); [`generate_scenario`] plays it through the simulated AWS (`sim.rs`) and writes the
//! inventory in the scenario's form (`aws.rs`), the flow logs and labels (`logs.rs`) and
//! `truth.json` (`truth.rs`), after checking that the hand-labelled expectations are consistent
//! with what AWS did.

mod aws;
mod catalog;
mod logs;
mod model;
mod sim;
mod truth;

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::{Error, Result};
use crate::generate::{check_empty, write_json};
use crate::time::days_from_civil;

use model::{Account, InventoryForm};
use sim::Sim;
use truth::{FlowLogDoc, InputsDoc, ScenarioDoc, SnapshotDoc, TruthDoc, WindowDoc};

/// A scenario of the catalogue: its name (the `--scenario` argument), the story it tells and
/// what it tests.
#[derive(Clone, Copy, Debug)]
pub struct ScenarioInfo {
    /// The name given to `flowsieve generate --scenario`.
    pub name: &'static str,
    /// The story in plain words: the account, and what a naive tool gets wrong.
    pub story: &'static str,
    /// What a correct engine must do.
    pub tests: &'static str,
}

/// One catalogue entry: the description and the builder (seed → account).
pub(crate) struct Entry {
    pub(crate) info: ScenarioInfo,
    pub(crate) build: fn(&'static str, u64) -> Account,
}

/// Every scenario, in catalogue order.
pub fn scenarios() -> Vec<ScenarioInfo> {
    catalog::ENTRIES.iter().map(|e| e.info).collect()
}

/// What [`generate_scenario`] wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioSummary {
    /// Flow-log objects written.
    pub files: u64,
    /// Lines with `log-status` `OK`.
    pub records: u64,
    /// Rules of the scenario.
    pub rules: usize,
    /// Where the truth was written (`DIR/truth.json`).
    pub truth_path: PathBuf,
}

/// The window's first second: Monday 2025-03-03 00:00:00 UTC.
fn window_start() -> u64 {
    u64::try_from(days_from_civil(2025, 3, 3) * 86_400).unwrap_or(0)
}

fn write_docs(dir: &Path, docs: impl IntoIterator<Item = (String, Value)>) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for (name, doc) in docs {
        write_json(&dir.join(&name), &doc)?;
        names.push(name);
    }
    Ok(names)
}

/// Writes the inventory in the scenario's form; returns the snapshots and the Config directory.
fn write_inventory(
    out: &Path,
    a: &Account,
    t0: u64,
) -> Result<(Vec<SnapshotDoc>, Option<String>, u64)> {
    let end = a.duration - 1;
    let mut snapshots = Vec::new();
    let mut config = None;
    let mut last = end;
    match &a.inventory {
        InventoryForm::EndSnapshot | InventoryForm::ConfigHistory => {
            write_docs(&out.join("inventory"), aws::snapshot(a, end))?;
            snapshots.push(SnapshotDoc {
                captured_at: t0 + a.duration,
                rfc3339: aws::rfc3339(t0 + a.duration),
                path: "inventory".into(),
            });
            if matches!(a.inventory, InventoryForm::ConfigHistory) {
                write_docs(&out.join("config"), aws::config_history(a, t0))?;
                config = Some("config".into());
            }
        }
        InventoryForm::Snapshots(times) => {
            for &at in times {
                let name = aws::rfc3339(t0 + at);
                let path = format!("inventory/{name}");
                write_docs(&out.join(&path), aws::snapshot(a, at.min(end)))?;
                snapshots.push(SnapshotDoc {
                    captured_at: t0 + at,
                    rfc3339: name,
                    path,
                });
                last = at.min(end);
            }
        }
    }
    Ok((snapshots, config, last))
}

/// Writes the optional AWS JSON (`aws/`); returns the paths written.
fn write_extras(out: &Path, a: &Account, t0: u64) -> Result<Vec<String>> {
    let mut docs = Vec::new();
    if a.extras.flow_logs {
        docs.push(("describe-flow-logs.json".to_string(), aws::flow_logs(a, t0)));
    }
    if a.extras.peerings {
        docs.push((
            "describe-vpc-peering-connections.json".to_string(),
            aws::peerings(a),
        ));
    }
    if a.extras.nacls {
        docs.push(("describe-network-acls.json".to_string(), aws::nacls(a)));
    }
    if a.extras.load_balancers {
        docs.extend(aws::load_balancers(a));
    }
    let names = write_docs(&out.join("aws"), docs)?;
    Ok(names.into_iter().map(|n| format!("aws/{n}")).collect())
}

/// Generates the scenario `name` into `out_dir`: `inventory/` (or dated `inventory/<RFC3339>/`
/// snapshots), `config/` (AWS Config history, when the scenario uses it), `aws/` (flow-log,
/// peering, network ACL and load balancer JSON, when it uses them), `logs/AWSLogs/…` (gzip
/// objects), `labels/` and `truth.json`. The output is a pure function of (`name`, `seed`);
/// the expectations do not depend on the seed.
///
/// # Errors
///
/// [`Error::UnknownName`] for a name not in [`scenarios()`], [`Error::NotEmpty`] when
/// `DIR/logs` already holds files, [`Error::Config`] when a scenario's expectations contradict
/// its simulation (a bug of the scenario), and I/O errors naming the path.
pub fn generate_scenario(name: &str, out_dir: &Path, seed: u64) -> Result<ScenarioSummary> {
    let entry = catalog::ENTRIES
        .iter()
        .find(|e| e.info.name == name)
        .ok_or_else(|| Error::UnknownName {
            what: "scenario",
            name: name.into(),
            expected: "a name from --list-scenarios",
        })?;
    check_empty(&out_dir.join("logs"))?;
    check_empty(&out_dir.join("labels"))?;
    let a = (entry.build)(entry.info.name, seed);
    let t0 = window_start();
    let outcome = sim::run(&a, t0)?;
    let sim = Sim { a: &a, t0 };
    let rules = truth::rules(&sim, &outcome)?;
    let hotspots = truth::hotspots(&sim, &outcome)?;
    let written = logs::write(out_dir, &a, &outcome.records)?;
    let (snapshots, config_history, final_at) = write_inventory(out_dir, &a, t0)?;
    let extra = write_extras(out_dir, &a, t0)?;
    let flow_logs = a
        .flow_logs
        .iter()
        .enumerate()
        .map(|(i, f)| FlowLogDoc {
            id: f.id.clone(),
            resource_id: match f.resource {
                model::Resource::Vpc(v) => a.vpcs[v.0].id.clone(),
                model::Resource::Subnet(s) => a.subnets[s.0].id.clone(),
                model::Resource::Eni(e) => a.enis[e.0].id.clone(),
            },
            traffic_type: f.traffic.aws_name(),
            format: f.format.log_format(),
            aggregation_seconds: f.interval,
            has_tcp_flags: f.format.has_tcp_flags(),
            from: f.from,
            until: f.until,
            files: written.files[i],
            records: written.lines[i].0,
            nodata: written.lines[i].1,
            skipdata: written.lines[i].2,
        })
        .collect();
    let doc = TruthDoc {
        schema_version: 1,
        scenario: ScenarioDoc {
            name: entry.info.name,
            story: entry.info.story,
            tests: entry.info.tests,
            seed,
        },
        window: WindowDoc {
            start: t0,
            end: t0 + a.duration,
        },
        inputs: InputsDoc {
            inventory_form: match a.inventory {
                InventoryForm::EndSnapshot => "end_snapshot",
                InventoryForm::Snapshots(_) => "snapshots",
                InventoryForm::ConfigHistory => "config_history",
            },
            snapshots,
            config_history,
            extra,
            internal_cidrs: a.internal_cidrs.iter().map(ToString::to_string).collect(),
            logs: "logs",
            labels: "labels",
        },
        listener_learnable: a.listener_learnable,
        flow_logs,
        enis: truth::enis(&sim, final_at),
        rules,
        hotspots,
        records: truth::record_counts(&outcome),
    };
    let truth_path = out_dir.join("truth.json");
    write_json(&truth_path, &doc)?;
    Ok(ScenarioSummary {
        files: written.files.iter().sum(),
        records: doc.records.forward + doc.records.reverse,
        rules: doc.rules.len(),
        truth_path,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    use serde_json::Value;

    use super::{generate_scenario, scenarios};

    fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
        fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let p = entry.path();
                if p.is_dir() {
                    walk(root, &p, out);
                } else {
                    let rel = p
                        .strip_prefix(root)
                        .map(|r| r.to_string_lossy().into_owned());
                    out.insert(
                        rel.unwrap_or_default(),
                        std::fs::read(&p).unwrap_or_default(),
                    );
                }
            }
        }
        let mut out = BTreeMap::new();
        walk(dir, dir, &mut out);
        out
    }

    fn truth(dir: &Path) -> Value {
        let text = std::fs::read_to_string(dir.join("truth.json")).unwrap_or_default();
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// Every scenario generates (its expectations are consistent with its simulation), quickly.
    #[test]
    fn every_scenario_generates() {
        let names: BTreeSet<&str> = scenarios().iter().map(|s| s.name).collect();
        assert_eq!(names.len(), scenarios().len(), "scenario names are unique");
        assert!(names.len() >= 20);
        for s in scenarios() {
            let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
            let started = std::time::Instant::now();
            let summary = generate_scenario(s.name, dir.path(), 1)
                .unwrap_or_else(|e| panic!("{}: {e}", s.name));
            let seconds = started.elapsed().as_secs_f64();
            assert!(seconds < 20.0, "{} took {seconds:.1} s", s.name);
            assert!(
                summary.files > 0 && summary.records > 0 && summary.rules > 0,
                "{summary:?}"
            );
            let t = truth(dir.path());
            assert_eq!(t["scenario"]["name"], s.name);
            let rules = t["rules"].as_array().cloned().unwrap_or_default();
            assert_eq!(rules.len(), summary.rules);
            for r in &rules {
                let status = r["expected"]["status"].as_str().unwrap_or("");
                assert!(["used", "unused", "unknown"].contains(&status), "{r}");
                if r["used"] == true {
                    assert_ne!(status, "unused", "{}: {r}", s.name);
                }
            }
            assert!(dir.path().join("labels").is_dir());
        }
    }

    /// The same name and seed give the same bytes; another seed moves ports and names but
    /// not the expectations.
    #[test]
    fn output_is_a_function_of_name_and_seed() {
        for name in [
            "ecs_churn_config_history",
            "nlb_client_ip_targets",
            "hotspot_in_noise",
        ] {
            let (a, b, c) = (
                tempfile::tempdir().unwrap_or_else(|e| panic!("{e}")),
                tempfile::tempdir().unwrap_or_else(|e| panic!("{e}")),
                tempfile::tempdir().unwrap_or_else(|e| panic!("{e}")),
            );
            for (dir, seed) in [(&a, 5), (&b, 5), (&c, 6)] {
                generate_scenario(name, dir.path(), seed).unwrap_or_else(|e| panic!("{e}"));
            }
            let (ta, tb, tc) = (tree(a.path()), tree(b.path()), tree(c.path()));
            assert!(ta == tb, "{name}: same seed, different bytes");
            assert!(ta != tc, "{name}: the seed changes nothing");
            let expectations = |dir: &Path| -> Vec<Value> {
                let t = truth(dir);
                let rules = t["rules"].as_array().cloned().unwrap_or_default();
                rules
                    .iter()
                    .map(|r| serde_json::json!([r["rule_id"], r["used"], r["expected"]]))
                    .collect()
            };
            assert_eq!(expectations(a.path()), expectations(c.path()), "{name}");
        }
    }

    #[test]
    fn unknown_names_and_reused_directories_are_refused() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        assert!(generate_scenario("no_such_scenario", dir.path(), 1).is_err());
        generate_scenario("untracked_pair", dir.path(), 1).unwrap_or_else(|e| panic!("{e}"));
        assert!(generate_scenario("untracked_pair", dir.path(), 1).is_err());
    }
}
