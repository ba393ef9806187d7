"""flowsieve on Spark: one analysis of an archive, distributed over Spark tasks.

The driver lists the objects and prunes them by key (time, account, region), groups them
into shards of about equal bytes and broadcasts the network once. Each task reads its shard
with flowsieve's own reader (local paths or S3) inside ``mapInArrow`` and returns one partial
result; the driver merges the partials (tree-merged with ``applyInArrow`` first when there are
many) into the report, which is the report ``flowsieve analyze`` gives for the same objects.

When learning is on (``learn_lines``, default 8,192), a first, light stage learns which ports
listen from the start of every object, as the CLI does, and the merged listeners go to every
task of the second stage, so that every task orients records the same way.

A task reads its shard from the beginning each time it runs, so a task Spark retries gives
the same partial: the job's result does not depend on retries or on the order tasks finish.
"""

from __future__ import annotations

import heapq
from typing import Any, Iterable, Iterator, Sequence

from . import _flowsieve as _native

#: Bytes (as stored: gzip counts compressed) a shard aims at when ``shards`` is not given.
DEFAULT_SHARD_BYTES = 256 * 1024 * 1024

#: Partials merged on the driver at most; beyond, they are merged in groups by Spark first.
DEFAULT_TREE_MERGE_ABOVE = 64


def plan_shards(
    objects: Sequence[tuple[str, int]],
    shards: int | None = None,
    shard_bytes: int = DEFAULT_SHARD_BYTES,
) -> list[list[str]]:
    """Groups ``(location, bytes)`` objects into shards of about equal bytes.

    ``shards`` fixes their number; otherwise it is the total over ``shard_bytes``, at least one.
    Largest objects first, each into the lightest shard so far (ties by shard number): the
    same objects always give the same shards. Each shard lists its objects in list order.
    """
    if not objects:
        return []
    total = sum(size for _, size in objects)
    if shards is None:
        if shard_bytes <= 0:
            raise _native.OptionError("shard_bytes must be positive")
        shards = max(1, -(-total // shard_bytes))
    if shards < 1:
        raise _native.OptionError("shards must be at least 1")
    shards = min(shards, len(objects))
    heap = [(0, i) for i in range(shards)]
    members: list[list[int]] = [[] for _ in range(shards)]
    order = sorted(range(len(objects)), key=lambda i: (-objects[i][1], i))
    for i in order:
        load, shard = heapq.heappop(heap)
        members[shard].append(i)
        heapq.heappush(heap, (load + objects[i][1], shard))
    return [[objects[i][0] for i in sorted(m)] for m in members if m]


def analyze(
    spark: Any,
    network_paths: Sequence[str],
    log_urls: Sequence[str],
    *,
    shards: int | None = None,
    shard_bytes: int = DEFAULT_SHARD_BYTES,
    internal_cidrs: Sequence[str] = (),
    allow_empty: bool = False,
    tree_merge_above: int = DEFAULT_TREE_MERGE_ABOVE,
    **options: Any,
) -> _native.Report:
    """Analyses the flow logs under ``log_urls`` against the network of ``network_paths`` on
    the Spark session ``spark``; returns the report.

    ``options`` are those of :func:`flowsieve.analyze` (``since``, ``until``, ``accounts``,
    ``regions``, ``learn_lines``, ``endpoint_url``, ...); ``threads`` is per task.
    """
    from pyspark.sql import functions as F  # noqa: N812 (Spark's convention)

    network = _native.Network.load(list(network_paths), internal_cidrs=list(internal_cidrs))
    objects, listed, pruned = _native.list_objects(list(log_urls), **options)
    if not objects:
        raise _native.FlowsieveError(
            f"no flow-log object to read under {', '.join(log_urls)} "
            f"({listed} listed, {pruned} pruned by their key)"
        )
    plan = plan_shards(objects, shards, shard_bytes)
    context = spark.sparkContext
    shared_network = context.broadcast(network)
    shard_frame = spark.createDataFrame(
        context.parallelize(list(enumerate(plan)), len(plan)),
        "shard int, objects array<string>",
    )

    learn_lines = options.get("learn_lines")
    listeners = None
    if learn_lines is None or learn_lines > 0:
        learners = _collect_bytes(
            shard_frame.mapInArrow(
                _learn_task(shared_network, options), "shard int, bytes binary"
            )
        )
        listeners = _native.merge_learners(learners)
    shared_listeners = context.broadcast(listeners)

    partials = shard_frame.mapInArrow(
        _analyze_task(shared_network, shared_listeners, options), "shard int, bytes binary"
    )
    if len(plan) > tree_merge_above:
        groups = max(1, tree_merge_above)
        partials = partials.groupBy((F.col("shard") % groups).alias("group")).applyInArrow(
            _merge_task(shared_network, shared_listeners, options), "shard int, bytes binary"
        )
    analyzer = _native.Analyzer(network, listeners=listeners, **options)
    analyzer.merge(_collect_bytes(partials))
    analyzer.add_pruned(pruned)
    shared_network.unpersist()
    shared_listeners.unpersist()
    return analyzer.finish(allow_empty=allow_empty)


def _collect_bytes(frame: Any) -> list[bytes]:
    """The ``bytes`` column of ``frame``, ordered by shard on the driver (merging is
    order-independent; the order only makes runs easy to compare). Not ``orderBy``: its range
    partitioner samples the frame first, which would run every task twice."""
    rows = frame.collect()
    rows.sort(key=lambda row: row["shard"])
    return [bytes(row["bytes"]) for row in rows]


def _shards(batches: Iterable[Any]) -> Iterator[tuple[int, list[str]]]:
    for batch in batches:
        columns = batch.to_pydict()
        yield from zip(columns["shard"], columns["objects"])


def _learn_task(shared_network: Any, options: dict[str, Any]):
    def learn(batches: Iterable[Any]) -> Iterator[Any]:
        import pyarrow as pa

        network = shared_network.value
        for shard, objects in _shards(batches):
            learned = _native.learn_objects(network, list(objects), **options)
            yield pa.RecordBatch.from_pydict(
                {"shard": [shard], "bytes": [learned]},
                schema=pa.schema([("shard", pa.int32()), ("bytes", pa.binary())]),
            )

    return learn


def _analyze_task(shared_network: Any, shared_listeners: Any, options: dict[str, Any]):
    def analyze_shard(batches: Iterable[Any]) -> Iterator[Any]:
        import pyarrow as pa

        network = shared_network.value
        listeners = shared_listeners.value
        for shard, objects in _shards(batches):
            partial = _native.analyze_objects(network, list(objects), listeners, **options)
            yield pa.RecordBatch.from_pydict(
                {"shard": [shard], "bytes": [partial]},
                schema=pa.schema([("shard", pa.int32()), ("bytes", pa.binary())]),
            )

    return analyze_shard


def _merge_task(shared_network: Any, shared_listeners: Any, options: dict[str, Any]):
    def merge(table: Any) -> Any:
        import pyarrow as pa

        columns = table.to_pydict()
        analyzer = _native.Analyzer(
            shared_network.value, listeners=shared_listeners.value, **options
        )
        analyzer.merge([bytes(b) for b in columns["bytes"]])
        return pa.table(
            {"shard": [min(columns["shard"])], "bytes": [analyzer.partial()]},
            schema=pa.schema([("shard", pa.int32()), ("bytes", pa.binary())]),
        )

    return merge
