"""The Python report is the CLI's report: same JSON document, for the demo and a generated
archive, whatever the input path (paths, Analyzer.add_logs, partials merged in any order)."""

from __future__ import annotations

import itertools
import json

import flowsieve
import pytest

from conftest import cli_json


def test_demo_report_equals_the_clis(demo, demo_network):
    report = flowsieve.analyze(demo_network, [str(demo / "logs")])
    assert report.to_dict() == cli_json(demo / "inventory", [demo / "logs"])
    assert report.rule_status == (63, 4, 9)
    assert json.loads(report.to_json()) == report.to_dict()


def test_generated_archive_report_equals_the_clis(archive):
    network = flowsieve.Network.load([str(archive / "inventory")])
    report = flowsieve.analyze(network, [str(archive / "logs")], threads=2)
    expected = cli_json(archive / "inventory", [archive / "logs"], "--threads", "2")
    assert report.to_dict() == expected
    assert expected["summary"]["malformed"] > 0


def test_options_reach_the_analysis_as_the_clis_flags(demo, demo_network):
    since, until = "2025-04-21T00:10:00Z", "2025-04-21T00:40:00Z"
    report = flowsieve.analyze(
        demo_network, [str(demo / "logs")], since=since, until=until, top=3, learn_lines=0
    )
    expected = cli_json(
        demo / "inventory", [demo / "logs"], "--since", since, "--until", until, "--top", "3",
        "--learn-lines", "0",
    )
    assert report.to_dict() == expected


def test_partials_merged_in_any_order_give_one_runs_report(archive):
    network = flowsieve.Network.load([str(archive / "inventory")])
    objects = sorted(p for p in (archive / "logs").rglob("*") if p.is_file())
    thirds = [objects[i::3] for i in range(3)]
    partials = []
    for part in thirds:
        analyzer = flowsieve.Analyzer(network, learn_lines=0)
        analyzer.add_logs([str(p) for p in part])
        partials.append(analyzer.partial())
    whole = flowsieve.Analyzer(network, learn_lines=0)
    whole.add_logs([str(archive / "logs")])
    expected = whole.finish().to_dict()
    for order in itertools.permutations(range(3)):
        merged = flowsieve.Analyzer(network, learn_lines=0)
        merged.merge([partials[i] for i in order])
        assert merged.finish().to_dict() == expected, order
    # The same shard always gives the same bytes (a retried task changes nothing).
    again = flowsieve.Analyzer(network, learn_lines=0)
    again.add_logs([str(p) for p in thirds[0]])
    assert again.partial() == partials[0]


def test_merging_analyzers_keeps_the_pruned_count(demo, demo_network):
    pruning = flowsieve.Analyzer(demo_network, learn_lines=0, regions=["eu-north-1"])
    pruning.add_logs([str(demo / "logs")])
    reading = flowsieve.Analyzer(demo_network, learn_lines=0)
    reading.add_logs([str(demo / "logs")])
    reading.merge(pruning)
    summary = reading.finish().to_dict()["summary"]
    assert summary["files_pruned"] == summary["files"] == 24
    assert summary["files_listed"] == 48


def test_a_refused_finish_can_be_allowed_after(demo_network):
    analyzer = flowsieve.Analyzer(demo_network)
    with pytest.raises(flowsieve.NotJudgeableError):
        analyzer.finish()
    report = analyzer.finish(allow_empty=True)
    assert report.to_dict()["summary"]["files"] == 0
    with pytest.raises(flowsieve.FlowsieveError, match="finished"):
        analyzer.finish(allow_empty=True)


def test_listeners_learned_here_orient_as_analyze_does(demo, demo_network):
    listeners = flowsieve.learn_listeners(demo_network, [str(demo / "logs")])
    analyzer = flowsieve.Analyzer(demo_network, listeners=listeners)
    analyzer.add_logs([str(demo / "logs")])
    expected = flowsieve.analyze(demo_network, [str(demo / "logs")]).to_dict()
    assert analyzer.finish().to_dict() == expected


def test_listeners_of_another_network_are_refused(demo, demo_network, archive):
    other = flowsieve.Network.load([str(archive / "inventory")])
    listeners = flowsieve.learn_listeners(other, [str(archive / "logs")])
    with pytest.raises(flowsieve.PartialError) as caught:
        flowsieve.Analyzer(demo_network, listeners=listeners)
    assert caught.value.reason == "network_mismatch"


def test_an_analyzer_refuses_to_learn(demo_network):
    with pytest.raises(flowsieve.OptionError, match="does not learn"):
        flowsieve.Analyzer(demo_network, learn_lines=100)


def test_a_partial_of_another_network_is_refused(demo_network, archive):
    other = flowsieve.Network.load([str(archive / "inventory")])
    foreign = flowsieve.Analyzer(other).partial()
    analyzer = flowsieve.Analyzer(demo_network)
    with pytest.raises(flowsieve.PartialError) as caught:
        analyzer.merge(foreign)
    assert caught.value.reason == "network_mismatch"


def test_networks_pickle_to_the_same_network(demo_network):
    import pickle

    again = pickle.loads(pickle.dumps(demo_network))
    assert again.fingerprint == demo_network.fingerprint
    assert again.counts() == demo_network.counts()


def test_report_sections_are_arrow_tables(demo, demo_network, tmp_path):
    import pyarrow as pa

    report = flowsieve.analyze(demo_network, [str(demo / "logs")])
    as_dict = report.to_dict()
    rules = pa.table(report.rules())
    assert rules.num_rows == len(as_dict["rules"])
    assert rules.column("rule_id").to_pylist() == [r["rule_id"] for r in as_dict["rules"]]
    assert rules.column("status").to_pylist() == [r["status"] for r in as_dict["rules"]]
    assert rules.column("reasons").to_pylist() == [r["reasons"] for r in as_dict["rules"]]
    hotspots = pa.table(report.hotspots())
    assert hotspots.column("records").to_pylist() == [
        h["records"] for h in as_dict["reject_hotspots"]
    ]
    edges = pa.table(report.reachability())
    assert edges.num_rows == len(as_dict["reachability"]["observed"])
    # An empty section keeps its columns and types.
    log = tmp_path / "nodata.log"
    log.write_text(
        "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n"
        "2 123456789012 eni-0a1b2c3d4e5f67890 - - - - - - - 1745193600 1745193660 - NODATA\n"
    )
    empty = flowsieve.analyze(demo_network, [str(log)], allow_empty=True)
    empty_hotspots = pa.table(empty.hotspots())
    assert empty_hotspots.num_rows == 0 and hotspots.num_rows > 0
    assert empty_hotspots.schema == hotspots.schema
    assert pa.table(empty.reachability()).schema == edges.schema


def test_report_tables_are_read_by_every_engine(demo, demo_network):
    import duckdb
    import pandas as pd
    import polars as pl

    report = flowsieve.analyze(demo_network, [str(demo / "logs")])
    rules = report.rules()
    expected = len(report.to_dict()["rules"])
    assert pl.DataFrame(rules).shape == (expected, len(rules.column_names))
    assert pd.DataFrame.from_arrow(rules).shape == (expected, len(rules.column_names))
    assert duckdb.sql("select count(*) from rules").fetchall() == [(expected,)]
    unknown = pl.DataFrame(rules).filter(pl.col("status") == "unknown")
    assert unknown.height == report.rule_status[2]
