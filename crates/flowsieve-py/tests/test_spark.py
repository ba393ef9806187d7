"""flowsieve.spark on a local Spark (local[2]): the report is the CLI's, from local paths and
from S3."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import flowsieve
import flowsieve.spark
import pytest

from conftest import cli_json, upload

# The job script docs/spark.md shows.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
import spark_job  # noqa: E402


def test_shards_are_balanced_and_deterministic():
    objects = [(f"o{i}", size) for i, size in enumerate([50, 10, 40, 30, 20, 60])]
    plan = flowsieve.spark.plan_shards(objects, shards=3)
    loads = sorted(sum(n for _, n in shard) for shard in plan)
    assert loads == [70, 70, 70]
    assert sorted(o for shard in plan for o in shard) == sorted(objects)
    # Each shard keeps list order, and the shard count follows shard_bytes.
    assert all(shard == sorted(shard, key=objects.index) for shard in plan)
    assert len(flowsieve.spark.plan_shards(objects, shard_bytes=100)) == 3
    assert len(flowsieve.spark.plan_shards(objects, shard_bytes=10**9)) == 1
    assert len(flowsieve.spark.plan_shards(objects, shards=99)) == len(objects)


def test_spark_gives_the_clis_report_from_local_paths(spark, archive, tmp_path):
    out = tmp_path / "report.json"
    report = spark_job.run(
        spark, str(archive / "inventory"), str(archive / "logs"), str(out), shards=5
    )
    expected = cli_json(archive / "inventory", [archive / "logs"])
    assert report.to_dict() == expected
    assert json.loads(out.read_text()) == expected


def test_spark_tree_merge_gives_the_same_report(spark, demo):
    # 12 shards merged in groups of 2, three levels (12 -> 6 -> 3 -> 2), then on the driver.
    report = flowsieve.spark.analyze(
        spark, str(demo / "inventory"), str(demo / "logs"), shards=12, tree_merge_above=2
    )
    assert report.to_dict() == cli_json(demo / "inventory", [demo / "logs"])


def test_spark_refuses_a_window_that_prunes_everything(spark, demo):
    late = "2030-01-01T00:00:00Z"
    with pytest.raises(flowsieve.NotJudgeableError) as caught:
        flowsieve.spark.analyze(spark, [str(demo / "inventory")], [str(demo / "logs")], since=late)
    assert caught.value.reason == "no_objects"
    report = flowsieve.spark.analyze(
        spark, [str(demo / "inventory")], [str(demo / "logs")], since=late, allow_empty=True
    )
    expected = cli_json(demo / "inventory", [demo / "logs"], "--since", late, "--allow-empty")
    assert report.to_dict() == expected


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
