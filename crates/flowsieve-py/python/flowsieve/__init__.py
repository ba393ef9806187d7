"""flowsieve: which AWS security group rules does your traffic use?

Analyse VPC Flow Logs (text, gzip or Parquet; local paths or ``s3://`` URLs) against the
declared network (AWS CLI JSON, ``terraform show -json``) and get, for every rule, whether
it is used, proven unused, or unknown (with reasons), plus REJECT hotspots and reachability.

>>> import flowsieve
>>> network = flowsieve.Network.load(["testdata/demo/inventory"])      # doctest: +SKIP
>>> report = flowsieve.analyze(network, ["testdata/demo/logs"])        # doctest: +SKIP
>>> report.rule_status                                                 # doctest: +SKIP
(63, 4, 9)

Arrow goes in and out through the Arrow PyCapsule interface: ``Analyzer.add`` takes a pyarrow
Table, a Polars or pandas DataFrame, a DuckDB relation; ``Report.rules()`` and
``read_flow_logs`` give objects pyarrow, Polars and DuckDB read without copies. Partial
results (``Analyzer.partial``) are bytes that merge in any order; ``flowsieve.spark`` runs the
analysis of an archive over Spark tasks.
"""

from ._flowsieve import (
    PARTIAL_FORMAT_VERSION,
    Analyzer,
    ArrowTable,
    FlowBatch,
    FlowLogError,
    FlowLogStream,
    FlowsieveError,
    InventoryError,
    Network,
    NotJudgeableError,
    OptionError,
    PartialError,
    Report,
    S3Error,
    __version__,
    analyze,
    learn_listeners,
    read_flow_logs,
)

__all__ = [
    "PARTIAL_FORMAT_VERSION",
    "Analyzer",
    "ArrowTable",
    "FlowBatch",
    "FlowLogError",
    "FlowLogStream",
    "FlowsieveError",
    "InventoryError",
    "Network",
    "NotJudgeableError",
    "OptionError",
    "PartialError",
    "Report",
    "S3Error",
    "__version__",
    "analyze",
    "learn_listeners",
    "read_flow_logs",
]
