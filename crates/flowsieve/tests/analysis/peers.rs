//! Internet peers by class (docs/semantics.md, "Internet peers"): on an archive whose
//! internet-facing load balancer sees tens of thousands of distinct clients — so that its tuples
//! go past the exact limit and keep sketches — the default engine's report equals the exact
//! engine's (`with_exact_peers(true)`, the oracle) in every exact part; only peer lists may
//! differ, and there only where the list is marked `estimated`. The report
//! also stays the same for any thread count and file order with sketches in play.

use std::collections::BTreeMap;

use flowsieve::{AnalysisConfig, Report, analyze};
use serde_json::Value;

use crate::common::{Archive, one_and_three_threads_agree};

fn many_clients() -> &'static Archive {
    static ARCHIVE: std::sync::OnceLock<Archive> = std::sync::OnceLock::new();
    ARCHIVE.get_or_init(|| {
        Archive::generate_with(200_000, 5, |c| {
            c.internet_clients = 60_000;
            c.formats = vec![flowsieve_synth::FlowLogSpec::Custom];
        })
    })
}

/// Every `top_peers` / `top_sources` list, by where it sits in the report.
fn peer_lists(v: &Value, path: String, out: &mut BTreeMap<String, Vec<Value>>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == "top_peers" || k == "top_sources" {
                    out.insert(
                        format!("{path}/{k}"),
                        x.as_array().cloned().unwrap_or_default(),
                    );
                } else {
                    peer_lists(x, format!("{path}/{k}"), out);
                }
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                peer_lists(x, format!("{path}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// The report without what depends on individual internet addresses: peer lists, the example
/// source a hotspot's cause note quotes, scans, and the table size.
fn exact_parts(report: &Report) -> Value {
    let mut v = serde_json::to_value(report).unwrap();
    fn strip(v: &mut Value) {
        match v {
            Value::Object(m) => {
                for k in ["top_peers", "top_sources", "cause_note"] {
                    m.remove(k);
                }
                m.values_mut().for_each(strip);
            }
            Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut v);
    v["scans"] = Value::Null;
    v["summary"]["distinct_tuples"] = Value::Null;
    v
}

#[test]
fn internet_classes_change_no_exact_part_of_the_report() {
    let archive = many_clients();
    let sketched = analyze(&AnalysisConfig::new(), &archive.network, &archive.sources).unwrap();
    let exact = analyze(
        &AnalysisConfig::new().with_exact_peers(true),
        &archive.network,
        &archive.sources,
    )
    .unwrap();
    assert!(
        sketched.summary.distinct_tuples * 4 < exact.summary.distinct_tuples,
        "classes should shrink the table: {} vs {}",
        sketched.summary.distinct_tuples,
        exact.summary.distinct_tuples
    );
    assert_eq!(exact_parts(&sketched), exact_parts(&exact));

    let (mut mine, mut oracle) = (BTreeMap::new(), BTreeMap::new());
    peer_lists(
        &serde_json::to_value(&sketched).unwrap(),
        String::new(),
        &mut mine,
    );
    peer_lists(
        &serde_json::to_value(&exact).unwrap(),
        String::new(),
        &mut oracle,
    );
    assert_eq!(
        mine.keys().collect::<Vec<_>>(),
        oracle.keys().collect::<Vec<_>>()
    );
    let mut estimated = 0;
    for (path, list) in &mine {
        if list.iter().all(|p| p["estimated"] == false) {
            assert_eq!(list, &oracle[path], "{path}: an exact list differs");
            continue;
        }
        assert!(
            list.iter().all(|p| p["estimated"] == true),
            "{path}: mixed list"
        );
        estimated += 1;
    }
    assert!(
        estimated > 0,
        "the archive should push some tuple past the exact limit"
    );
}

#[test]
fn sketches_do_not_depend_on_threads_or_file_order() {
    one_and_three_threads_agree(many_clients());
}

/// Shards analysed apart, shipped as partials (sketches in the flow table) and merged in
/// another order give `analyze`'s report, sketched tuples included.
#[test]
fn sketched_partials_merge_to_one_report() {
    let archive = many_clients();
    let config = AnalysisConfig::new();
    let listeners = std::sync::Arc::new(
        flowsieve::learn_sources(&config, &archive.network, &archive.sources).finish(),
    );
    let shards: Vec<Vec<u8>> = (0..3)
        .map(|k| {
            let mine: Vec<_> = archive.sources.iter().skip(k).step_by(3).cloned().collect();
            let mut a = flowsieve::Analyzer::new(&config, archive.network.clone())
                .with_listeners(listeners.clone());
            a.add_sources(&mine).unwrap();
            a.partial().unwrap()
        })
        .collect();
    let mut merged =
        flowsieve::Analyzer::new(&config, archive.network.clone()).with_listeners(listeners);
    for k in [2, 0, 1] {
        merged.merge_partial(&shards[k]).unwrap();
    }
    let merged = merged.finish();
    let whole = analyze(&config, &archive.network, &archive.sources).unwrap();
    assert!(
        serde_json::to_string(&merged)
            .unwrap()
            .contains("\"estimated\":true"),
        "some tuple should be sketched"
    );
    assert_eq!(
        serde_json::to_string(&merged).unwrap(),
        serde_json::to_string(&whole).unwrap()
    );
}
