"""flowsieve.spark on a local Spark (local[2]): the report is the CLI's, from local paths and
from S3."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import flowsieve
import flowsieve.spark

from conftest import cli_json, upload

# The job script docs/spark.md shows.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
import spark_job  # noqa: E402


def test_shards_are_balanced_and_deterministic():
    objects = [(f"o{i}", size) for i, size in enumerate([50, 10, 40, 30, 20, 60])]
    plan = flowsieve.spark.plan_shards(objects, shards=3)
    sizes = dict(objects)
    loads = sorted(sum(sizes[o] for o in shard) for shard in plan)
    assert loads == [70, 70, 70]
    assert plan == flowsieve.spark.plan_shards(list(objects), shards=3)
    assert sorted(o for shard in plan for o in shard) == sorted(sizes)
    assert flowsieve.spark.plan_shards(objects, shard_bytes=100) == flowsieve.spark.plan_shards(
        objects, shards=3
    )


def test_spark_gives_the_clis_report_from_local_paths(spark, archive, tmp_path):
    out = tmp_path / "report.json"
    report = spark_job.run(
        spark, str(archive / "inventory"), str(archive / "logs"), str(out), shards=5
    )
    expected = cli_json(archive / "inventory", [archive / "logs"])
    assert report.to_dict() == expected
    assert json.loads(out.read_text()) == expected


def test_spark_tree_merge_gives_the_same_report(spark, demo):
    report = flowsieve.spark.analyze(
        spark, [str(demo / "inventory")], [str(demo / "logs")], shards=12, tree_merge_above=4
    )
    assert report.to_dict() == cli_json(demo / "inventory", [demo / "logs"])


def test_spark_gives_the_clis_report_from_s3(spark, s3, archive, tmp_path):
    url = upload(s3, "flowsieve-spark", archive / "logs", "archive")
    since = "2025-03-10T00:20:00Z"
    report = spark_job.run(
        spark, str(archive / "inventory"), url, str(tmp_path / "r.json"), shards=4,
        endpoint_url=s3, since=since,
    )
    expected = cli_json(archive / "inventory", [url], "--endpoint-url", s3, "--since", since)
    assert report.to_dict() == expected
    assert expected["summary"]["files"] > 0 and expected["summary"]["files_pruned"] > 0
