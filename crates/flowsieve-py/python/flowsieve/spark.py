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

#: Partials merged on the driver at most, and by one merge task at most: beyond, Spark merges
#: them in groups of this many, level by level, before the driver merges the rest.
DEFAULT_TREE_MERGE_ABOVE = 64


def _error(cls: type, message: str, reason: str) -> Exception:
    """A flowsieve exception raised from Python, with the attributes the native ones carry."""
    err = cls(message)
    err.file, err.line, err.reason = None, None, reason
    return err


def _paths(value: str | Sequence[str], name: str) -> list[str]:
    """A list of locations (a single string is one location, not its characters)."""
    if isinstance(value, (str, bytes)):
        return [value if isinstance(value, str) else value.decode()]
    items = list(value)
    if not all(isinstance(v, str) for v in items):
        raise _error(_native.OptionError, f"{name} must be strings", "invalid_option")
    return items


def plan_shards(
    objects: Sequence[tuple[str, int]],
    shards: int | None = None,
    shard_bytes: int = DEFAULT_SHARD_BYTES,
) -> list[list[tuple[str, int]]]:
    """Groups ``(location, bytes)`` objects into shards of about equal bytes.

    ``shards`` fixes their number; otherwise it is the total over ``shard_bytes``, at least one.
    Largest objects first, each into the lightest shard so far (ties by list position): the
    same objects always give the same shards. Each shard lists its objects in list order.
    """
    if not objects:
        return []
    total = sum(size for _, size in objects)
    if shards is None:
        if shard_bytes <= 0:
            raise _error(_native.OptionError, "shard_bytes must be positive", "invalid_option")
        shards = max(1, -(-total // shard_bytes))
    if shards < 1:
        raise _error(_native.OptionError, "shards must be at least 1", "invalid_option")
    shards = min(shards, len(objects))
    heap = [(0, i) for i in range(shards)]
    members: list[list[int]] = [[] for _ in range(shards)]
    order = sorted(range(len(objects)), key=lambda i: (-objects[i][1], i))
    for i in order:
        load, shard = heapq.heappop(heap)
        members[shard].append(i)
        heapq.heappush(heap, (load + objects[i][1], shard))
    return [[objects[i] for i in sorted(m)] for m in members if m]


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

    if tree_merge_above < 2:
        raise _error(_native.OptionError, "tree_merge_above must be at least 2", "invalid_option")
    log_urls = _paths(log_urls, "log_urls")
    network = _native.Network.load(
        _paths(network_paths, "network_paths"), internal_cidrs=list(internal_cidrs)
    )
    objects, listed, pruned = _native.list_objects(log_urls, **options)
    if not objects:
        if listed == 0:
            raise _error(
                _native.FlowsieveError,
                f"no flow-log files under {', '.join(log_urls)}",
                "no_files",
            )
        # Everything pruned by key: nothing to judge, as analyze() says (or, when allowed,
        # the report of no object read).
        analyzer = _native.Analyzer(network, **_without_learning(options))
        analyzer.add_pruned(pruned)
        return analyzer.finish(allow_empty=allow_empty)
    plan = plan_shards(objects, shards, shard_bytes)
    context = spark.sparkContext
    shared_network = context.broadcast(network)
    shard_frame = spark.createDataFrame(
        context.parallelize(
            [(i, [o for o, _ in shard], [n for _, n in shard]) for i, shard in enumerate(plan)],
            len(plan),
        ),
        "shard int, objects array<string>, sizes array<bigint>",
    )

    learn_lines = options.get("learn_lines")
    listeners = None
    if learn_lines is None or learn_lines > 0:
        learners = _collect_bytes(
            shard_frame.mapInArrow(
                _learn_task(shared_network, options), "shard int, bytes binary"
            )
        )
        listeners = _native.merge_learners(network, learners)
    shared_listeners = context.broadcast(listeners)
    analyzer_options = _without_learning(options)

    partials = shard_frame.mapInArrow(
        _analyze_task(shared_network, shared_listeners, options), "shard int, bytes binary"
    )
    # Tree merge: while there are more partials than one task (or the driver) should hold,
    # merge them in groups of `tree_merge_above`, the group's index becoming its shard number.
    count = len(plan)
    while count > tree_merge_above:
        partials = partials.groupBy(
            F.floor(F.col("shard") / tree_merge_above).alias("group")
        ).applyInArrow(
            _merge_task(shared_network, shared_listeners, analyzer_options, tree_merge_above),
            "shard int, bytes binary",
        )
        count = -(-count // tree_merge_above)
    analyzer = _native.Analyzer(network, listeners=listeners, **analyzer_options)
    analyzer.merge(_collect_bytes(partials))
    analyzer.add_pruned(pruned)
    shared_network.unpersist()
    shared_listeners.unpersist()
    return analyzer.finish(allow_empty=allow_empty)


def _without_learning(options: dict[str, Any]) -> dict[str, Any]:
    """The options an Analyzer takes: all but ``learn_lines`` (it is given the listeners)."""
    return {k: v for k, v in options.items() if k != "learn_lines"}


def _collect_bytes(frame: Any) -> list[bytes]:
    """The ``bytes`` column of ``frame``, ordered by shard on the driver (merging is
    order-independent; the order only makes runs easy to compare). Not ``orderBy``: its range
    partitioner samples the frame first, which would run every task twice."""
    rows = frame.collect()
    rows.sort(key=lambda row: row["shard"])
    return [bytes(row["bytes"]) for row in rows]


def _shards(batches: Iterable[Any]) -> Iterator[tuple[int, list[tuple[str, int]]]]:
    for batch in batches:
        columns = batch.to_pydict()
        for shard, objects, sizes in zip(columns["shard"], columns["objects"], columns["sizes"]):
            yield shard, list(zip(objects, sizes))


def _learn_task(shared_network: Any, options: dict[str, Any]):
    def learn(batches: Iterable[Any]) -> Iterator[Any]:
        import pyarrow as pa

        network = shared_network.value
        for shard, objects in _shards(batches):
            learned = _native.learn_objects(network, objects, **options)
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
            partial = _native.analyze_objects(network, objects, listeners, **options)
            yield pa.RecordBatch.from_pydict(
                {"shard": [shard], "bytes": [partial]},
                schema=pa.schema([("shard", pa.int32()), ("bytes", pa.binary())]),
            )

    return analyze_shard


def _merge_task(
    shared_network: Any, shared_listeners: Any, options: dict[str, Any], fan_in: int
):
    def merge(table: Any) -> Any:
        import pyarrow as pa

        shards = table.column("shard").to_pylist()
        analyzer = _native.Analyzer(
            shared_network.value, listeners=shared_listeners.value, **options
        )
        # One partial at a time out of the group's column (at most `fan_in` of them).
        for chunk in table.column("bytes").chunks:
            for i in range(len(chunk)):
                analyzer.merge(chunk[i].as_py())
        return pa.table(
            {"shard": [min(shards) // fan_in], "bytes": [analyzer.partial()]},
            schema=pa.schema([("shard", pa.int32()), ("bytes", pa.binary())]),
        )

    return merge
