"""Arrow in and out: flow records from pyarrow, Polars, DuckDB and pandas analysed through the
PyCapsule interface give the text path's usage, and read_flow_logs streams with its line
accounting."""

from __future__ import annotations

import duckdb
import flowsieve
import pandas  # noqa: F401 (pandas DataFrames are one of the engines)
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from conftest import cli_json

# What the traffic decides, compared between the Arrow path and the text path. (The Arrow path
# has no object keys, so flow-log ids and per-object accounting differ by design.)
TRAFFIC_PARTS = ("reject_hotspots", "reachability", "unallowed_accepts", "rejected_responses",
                 "egress_rejects", "unknown_enis")
RULE_USAGE = ("rule_id", "records", "packets", "bytes", "connections", "first_seen",
              "last_seen", "distinct_peers", "top_peers")


def traffic(report: flowsieve.Report) -> dict:
    d = report.to_dict()
    out = {part: d[part] for part in TRAFFIC_PARTS}
    out["rules"] = [{k: r[k] for k in RULE_USAGE} for r in d["rules"]]
    out["records"] = d["summary"]["records"]
    out["attributed"] = d["summary"]["attributed_records"]
    return out


@pytest.fixture(scope="module")
def text_path(demo, demo_network):
    analyzer = flowsieve.Analyzer(demo_network, learn_lines=0)
    analyzer.add_logs([str(demo / "logs")])
    return traffic(analyzer.finish())


@pytest.fixture(scope="module")
def table(demo):
    return pa.table(flowsieve.read_flow_logs([str(demo / "logs")]))


def analysed(network, data) -> dict:
    analyzer = flowsieve.Analyzer(network, learn_lines=0)
    analyzer.add(data)
    return traffic(analyzer.finish())


def test_pyarrow_table_and_batches(table, demo_network, text_path):
    assert analysed(demo_network, table) == text_path
    assert analysed(demo_network, table.to_batches(max_chunksize=1000)) == text_path


def test_polars(table, demo_network, text_path):
    frame = pl.from_arrow(table)
    assert analysed(demo_network, frame) == text_path


def test_duckdb(table, demo_network, text_path):
    con = duckdb.connect()
    con.register("flows", table)
    relation = con.sql("select * from flows")
    assert analysed(demo_network, relation) == text_path


def test_pandas(table, demo_network, text_path):
    frame = table.to_pandas()
    assert analysed(demo_network, frame) == text_path


def test_snake_and_aws_names_and_foreign_types(table, demo_network, text_path):
    # Engines give other names and types: AWS's dashed names, int32/int64 numbers, plain
    # strings for the dictionary columns.
    columns = {}
    for name in table.column_names:
        column = table.column(name)
        if pa.types.is_dictionary(column.type):
            column = column.cast(pa.string())
        elif pa.types.is_unsigned_integer(column.type):
            column = pc.cast(column, pa.int64())
        columns[name.replace("_", "-")] = column
    foreign = pa.table(columns)
    assert analysed(demo_network, foreign) == text_path


def test_read_flow_logs_streams_with_its_accounting(demo):
    stream = flowsieve.read_flow_logs([str(demo / "logs")], fields=["interface-id", "srcaddr", "action"], batch_size=500)
    rows = 0
    for batch in stream:
        b = pa.record_batch(batch)
        assert b.schema.names == ["interface_id", "srcaddr", "action"]
        assert b.num_rows <= 500
        rows += b.num_rows
    stats = stream.stats
    assert stats["finished"] and stats["files"] == stats["files_listed"] == 24
    assert rows == stats["records"] + stats["nodata"] + stats["skipdata"]
    # The same accounting as the CLI's.
    summary = cli_json(demo / "inventory", [demo / "logs"])["summary"]
    for bucket in ("header", "records", "nodata", "skipdata", "blank", "malformed"):
        assert stats[bucket] == summary[bucket], bucket


def test_read_flow_logs_is_read_once_by_a_consumer(demo):
    stream = flowsieve.read_flow_logs([str(demo / "logs")])
    assert pa.table(stream).num_rows > 0
    with pytest.raises(RuntimeError, match="read once"):
        pa.table(stream)


def test_malformed_lines_are_counted_with_file_and_line(archive):
    stream = flowsieve.read_flow_logs([str(archive / "logs")])
    for _ in stream:
        pass
    stats = stream.stats
    summary = cli_json(archive / "inventory", [archive / "logs"])["summary"]
    assert stats["malformed"] == summary["malformed"] > 0
    assert stats["malformed_by_reason"] == summary["malformed_by_reason"]
    sample = stats["samples"][0]
    assert sample["file"] and sample["line"] > 0 and sample["reason"]


def test_malformed_rows_of_foreign_data_are_counted(table, demo_network):
    # A port no flow log can hold: the row is counted as malformed, not dropped silently.
    ports = table.column("dstport").cast(pa.int64()).to_pylist()
    ports[0] = 70000
    bad = table.set_column(table.column_names.index("dstport"), "dstport", pa.array(ports))
    analyzer = flowsieve.Analyzer(demo_network, learn_lines=0)
    rows = analyzer.add(bad)
    summary = analyzer.finish().to_dict()["summary"]
    assert rows == table.num_rows - 1
    assert summary["malformed"] == 1
    assert summary["malformed_by_reason"] == {"number_out_of_range": 1}


def test_strict_stream_ends_with_the_error(tmp_path):
    log = tmp_path / "flows.log"
    log.write_text(
        "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n"
        "2 123456789012 eni-0a1b2c3d4e5f67890 10.0.0.1 10.0.0.2 40000 443 6 3 180 1745193600 1745193660 ACCEPT OK\n"
        "2 123456789012 eni-0a1b2c3d4e5f67890 10.0.0.1 10.0.0.2 40000 443 6 3 180 1745193600 x ACCEPT OK\n"
    )
    stream = flowsieve.read_flow_logs([str(log)], strict=True)
    with pytest.raises(flowsieve.FlowLogError) as caught:
        for _ in stream:
            pass
    assert (caught.value.file, caught.value.line) == (str(log), 3)
    assert not stream.stats["finished"]


def test_a_stream_dropped_half_read_stops_its_reading(archive):
    stream = flowsieve.read_flow_logs([str(archive / "logs")], batch_size=100)
    next(stream)
    del stream  # the reading thread stops at its next batch; nothing hangs
    again = flowsieve.read_flow_logs([str(archive / "logs")], fields=["srcaddr"])
    assert pa.table(again).num_rows > 0


def test_fields_given_twice_are_refused(demo):
    with pytest.raises(flowsieve.OptionError, match="given twice"):
        flowsieve.read_flow_logs([str(demo / "logs")], fields=["srcaddr", "srcaddr"])


def test_read_flow_logs_and_analyze_from_s3(s3, archive):
    from conftest import upload

    url = upload(s3, "flowsieve-read", archive / "logs", "logs")
    remote = flowsieve.read_flow_logs([url], fields=["interface-id", "srcaddr"], endpoint_url=s3)
    local = flowsieve.read_flow_logs([str(archive / "logs")], fields=["interface-id", "srcaddr"])
    assert pa.table(remote).num_rows == pa.table(local).num_rows > 0
    assert remote.stats["files"] == local.stats["files"] and remote.stats["finished"]
    network = flowsieve.Network.load([str(archive / "inventory")])
    report = flowsieve.analyze(network, [url], endpoint_url=s3)
    assert report.to_dict() == cli_json(archive / "inventory", [url], "--endpoint-url", s3)
