"""Arrow in and out: flow records from pyarrow, Polars, DuckDB and pandas analysed through the
PyCapsule interface give the text path's usage, and read_flow_logs streams with its line
accounting."""

from __future__ import annotations

import flowsieve
import pytest

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
    pa = pytest.importorskip("pyarrow")
    return pa.table(flowsieve.read_flow_logs([str(demo / "logs")]))


def analysed(network, data) -> dict:
    analyzer = flowsieve.Analyzer(network, learn_lines=0)
    analyzer.add(data)
    return traffic(analyzer.finish())


def test_pyarrow_table_and_batches(table, demo_network, text_path):
    assert analysed(demo_network, table) == text_path
    assert analysed(demo_network, table.to_batches(max_chunksize=1000)) == text_path


def test_polars(table, demo_network, text_path):
    pl = pytest.importorskip("polars")
    frame = pl.from_arrow(table)
    assert analysed(demo_network, frame) == text_path


def test_duckdb(table, demo_network, text_path):
    duckdb = pytest.importorskip("duckdb")
    con = duckdb.connect()
    con.register("flows", table)
    relation = con.sql("select * from flows")
    assert analysed(demo_network, relation) == text_path


def test_pandas(table, demo_network, text_path):
    pytest.importorskip("pandas")
    frame = table.to_pandas()
    assert analysed(demo_network, frame) == text_path


def test_snake_and_aws_names_and_foreign_types(table, demo_network, text_path):
    pa = pytest.importorskip("pyarrow")
    pc = pytest.importorskip("pyarrow.compute")
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
    pa = pytest.importorskip("pyarrow")
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
    assert stats["lines"] == (stats["header"] + stats["records"] + stats["nodata"]
                              + stats["skipdata"] + stats["blank"] + stats["malformed"])


def test_read_flow_logs_is_read_once_by_a_consumer(demo):
    pa = pytest.importorskip("pyarrow")
    stream = flowsieve.read_flow_logs([str(demo / "logs")])
    assert pa.table(stream).num_rows > 0
    with pytest.raises(RuntimeError, match="read once"):
        pa.table(stream)


def test_malformed_lines_are_counted_with_file_and_line(archive):
    stream = flowsieve.read_flow_logs([str(archive / "logs")])
    for _ in stream:
        pass
    stats = stream.stats
    assert stats["malformed"] > 0
    sample = stats["samples"][0]
    assert sample["file"] and sample["line"] > 0 and sample["reason"]
