"""A flowsieve job for Spark (EMR, EMR Serverless, Glue, Databricks): the report of an archive
on S3, computed by the cluster, written as JSON.

    spark-submit spark_job.py inventory/ s3://my-flow-logs/AWSLogs/ report.json \
        --since 2026-11-01T00:00:00Z --until 2026-12-01T00:00:00Z --region eu-west-1

The inventory is read on the driver (copy it there first: aws s3 cp --recursive); the executors
read the flow logs from S3 with the cluster's instance role. docs/spark.md explains each step.
The package's tests run `run` on a local Spark, from local paths and from an S3 server.
"""

from __future__ import annotations

import argparse
import sys

import flowsieve
import flowsieve.spark


def run(spark, inventory: str, logs: str, out: str, **options) -> flowsieve.Report:
    """Analyses the flow logs under ``logs`` against the inventory and writes the JSON report
    to ``out``; returns the report."""
    report = flowsieve.spark.analyze(spark, [inventory], [logs], **options)
    with open(out, "w", encoding="utf-8") as f:
        f.write(report.to_json())
    used, unused, unknown = report.rule_status
    print(f"rules: {used} used, {unused} unused, {unknown} unknown -> {out}")
    return report


def main(argv: list[str]) -> int:
    from pyspark.sql import SparkSession

    parser = argparse.ArgumentParser(description="flowsieve on Spark")
    parser.add_argument("inventory")
    parser.add_argument("logs")
    parser.add_argument("out")
    parser.add_argument("--since")
    parser.add_argument("--until")
    parser.add_argument("--region", action="append", dest="regions")
    parser.add_argument("--account", action="append", dest="accounts")
    parser.add_argument("--shards", type=int)
    args = parser.parse_args(argv)
    spark = SparkSession.builder.appName("flowsieve").getOrCreate()
    try:
        run(
            spark,
            args.inventory,
            args.logs,
            args.out,
            since=args.since,
            until=args.until,
            regions=args.regions,
            accounts=args.accounts,
            shards=args.shards,
        )
    except flowsieve.NotJudgeableError as err:
        print(f"flowsieve: {err}", file=sys.stderr)
        return 1
    finally:
        spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
