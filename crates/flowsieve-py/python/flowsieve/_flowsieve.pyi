"""Type stubs of flowsieve's native module (re-exported by ``flowsieve``)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Literal, TypedDict

__version__: str
#: The layout version of ``Analyzer.partial()`` bytes; partials of another version are refused.
PARTIAL_FORMAT_VERSION: int

Time = int | str | datetime.datetime
"""Unix seconds, RFC 3339 with a zone (``"2025-04-21T00:00:00Z"``), a date (``"2025-04-21"``,
midnight UTC), or a timezone-aware datetime. A time without a zone is refused."""

class FlowsieveError(Exception):
    """Base of every flowsieve error."""

    #: The file (or object URL) at fault, when there is one.
    file: str | None
    #: Its 1-based line, when the error is about one line.
    line: int | None
    #: A stable reason code (``invalid_json``, ``number_out_of_range``, ``network_mismatch``, …).
    reason: str

class InventoryError(FlowsieveError):
    """The declared network could not be loaded."""

class FlowLogError(FlowsieveError):
    """Flow logs could not be read or parsed (strict mode stops at the first malformed line)."""

class S3Error(FlowsieveError):
    """An ``s3://`` location could not be listed or read."""

class PartialError(FlowsieveError):
    """A partial result is invalid, or of another network or other options."""

class NotJudgeableError(FlowsieveError):
    """Nothing could be judged: no object, no record, none in the window or none attributed.
    ``allow_empty=True`` returns the report instead."""

class OptionError(FlowsieveError):
    """An unknown option, or a value out of its range."""

class Network:
    """The declared network. Picklable: it carries its files, so a copy (a Spark broadcast)
    builds the same network, with the same fingerprint."""

    @staticmethod
    def load(
        paths: Sequence[str], internal_cidrs: Sequence[str] = (), *, allow_empty: bool = False
    ) -> Network:
        """Loads AWS CLI JSON (describe-security-groups, -security-group-rules,
        -network-interfaces, prefix lists, VPCs, subnets, peerings, network ACLs, flow logs,
        load balancers, AWS Config history) or ``terraform show -json`` output, files or
        directories; ``"TIME=PATH"`` is a snapshot captured at TIME. ``internal_cidrs``: your
        private ranges outside the VPCs (on-premises). Raises ``InventoryError`` (reason
        ``empty_inventory`` when nothing was loaded, unless ``allow_empty``)."""
    @property
    def fingerprint(self) -> int:
        """A 64-bit digest: analyses merge only when theirs are equal."""
    def counts(self) -> dict[str, int]:
        """Security groups, rules, network interfaces, prefix lists and findings loaded."""
    def to_json(self) -> str:
        """The inventory as ``flowsieve inventory --format json`` prints it."""

class AnalysisOptions(TypedDict, total=False):
    """Keyword options of ``analyze``, ``Analyzer``, ``read_flow_logs`` and
    ``flowsieve.spark.analyze``; the same ranges as the CLI's flags."""

    since: Time
    until: Time
    accounts: str | Sequence[str]
    regions: str | Sequence[str]
    top: int
    """1 to 100000 (default 10)."""
    learn_lines: int
    """0 to 10**9 (default 8192; 0 turns learning off)."""
    client_ports: tuple[int, int] | str
    exact_peers: bool
    """Keep every internet client address exactly (default False: by class, sketched)."""
    log_format: str
    strict: bool
    threads: int
    """1 to 1024 (default: every core)."""
    batch_size: int
    """1 to 1048576."""
    endpoint_url: str
    s3_concurrency: int
    s3_retries: int

def analyze(
    network: Network, logs: Sequence[str], *, allow_empty: bool = False, **options: Any
) -> Report:
    """Analyses flow logs (paths, directories, ``s3://`` prefixes) against ``network``: the
    report of ``flowsieve analyze --format json``. The GIL is released while it runs. Raises
    ``NotJudgeableError`` when nothing can be judged, unless ``allow_empty``."""

def learn_listeners(network: Network, logs: Sequence[str], **options: Any) -> bytes:
    """Learns which ports listen from the start of every object under ``logs`` (as
    ``analyze`` does): bytes for ``Analyzer(network, listeners=...)``, bound to ``network``."""

class Analyzer:
    """An analysis fed by the caller, mergeable across processes. It orients flag-less
    records with the ``listeners`` it is given (``learn_listeners``) and does not learn them
    itself (``learn_lines`` other than 0 is refused)."""

    def __init__(
        self, network: Network, *, listeners: bytes | None = None, **options: Any
    ) -> None: ...
    def add(self, data: Any) -> int:
        """Adds Arrow data (``__arrow_c_stream__`` or ``__arrow_c_array__``: pyarrow, Polars,
        pandas, DuckDB, or a list of them; a stream is read batch by batch), columns by their
        flow-log names in any types; returns the rows added (rows that cannot be taken are
        counted as malformed). Anything else raises ``TypeError``."""
    def add_logs(self, logs: Sequence[str]) -> None:
        """Reads flow-log paths or ``s3://`` URLs into the analysis."""
    def partial(self) -> bytes:
        """The analysis so far, as bytes (the same analysis always gives the same bytes)."""
    def merge(self, partials: bytes | Analyzer | Iterable[bytes | Analyzer]) -> None:
        """Merges partial results of the same network, window, client-port range and
        listeners, in any order (each checked as it is merged)."""
    def add_pruned(self, objects: int) -> None:
        """Counts objects pruned by key, unread, for the summary."""
    def finish(self, *, allow_empty: bool = False) -> Report:
        """The report; the analyzer is spent. ``NotJudgeableError`` when nothing could be
        judged; ``finish(allow_empty=True)`` then returns the report."""
    @property
    def network_fingerprint(self) -> int: ...

class Report:
    """The report of an analysis."""

    def to_json(self, *, indent: bool = True) -> str:
        """The JSON document (docs/report-schema.md)."""
    def to_dict(self) -> dict[str, Any]:
        """The JSON document as a dict."""
    def to_table(self, *, top: int = 10, width: int = 100) -> str:
        """The CLI's terminal tables (top 1 to 100000, width 60 to 1000)."""
    def to_markdown(self, *, top: int = 10) -> str:
        """Markdown, for pull requests (top 1 to 100000)."""
    def rules(self) -> ArrowTable:
        """Every declared rule: status, reasons, records, packets, bytes, first/last seen, top
        peers."""
    def hotspots(self) -> ArrowTable:
        """REJECT hotspots, ranked."""
    def reachability(self) -> ArrowTable:
        """Observed initiating traffic between group sets."""
    def rule_ids_by_status(self) -> dict[Literal["used", "unused", "unknown"], list[str]]:
        """Rule ids by status; every status is a key."""
    @property
    def rule_status(self) -> tuple[int, int, int]:
        """(used, unused, unknown) rule counts."""

class ArrowTable:
    """One Arrow table, read through the PyCapsule interface by ``pyarrow.table(t)``,
    ``polars.DataFrame(t)``, ``pandas.DataFrame.from_arrow(t)`` and
    ``duckdb.sql("select * from t")``."""

    @property
    def num_rows(self) -> int: ...
    @property
    def column_names(self) -> list[str]: ...
    def __len__(self) -> int: ...
    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object: ...
    def __arrow_c_schema__(self) -> object: ...
    def to_pyarrow(self) -> Any:
        """A ``pyarrow.Table`` (needs pyarrow)."""

class FlowStats(TypedDict):
    files_listed: int
    files_pruned: int
    files: int
    finished: bool
    lines: int
    header: int
    records: int
    nodata: int
    skipdata: int
    blank: int
    malformed: int
    malformed_by_reason: dict[str, int]
    samples: list[dict[str, Any]]
    """Malformed lines: file, line, byte_offset, field, text, reason."""
    file_errors: list[dict[str, str]]
    bytes: int

class FlowBatch:
    """One record batch (``pyarrow.record_batch(b)``)."""

    @property
    def num_rows(self) -> int: ...
    def __len__(self) -> int: ...
    def __arrow_c_array__(self, requested_schema: object | None = None) -> tuple[object, object]: ...
    def __arrow_c_schema__(self) -> object: ...

class FlowLogStream(Iterator[FlowBatch]):
    """Flow-log records as record batches in one schema, streamed with bounded memory; iterate
    it, or give it once to an Arrow consumer (``pyarrow.table(stream)``). ``stats["finished"]``
    says whether every object was read to its end; objects that could not be read are listed in
    ``stats["file_errors"]`` (with ``strict=True`` the stream ends with a ``FlowLogError``)."""

    def __iter__(self) -> FlowLogStream: ...
    def __next__(self) -> FlowBatch: ...
    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object: ...
    def __arrow_c_schema__(self) -> object: ...
    @property
    def stats(self) -> FlowStats:
        """The line accounting so far (every line in one bucket)."""

def read_flow_logs(
    logs: Sequence[str],
    fields: Sequence[str] | None = None,
    *,
    batch_size: int = 32768,
    addresses: Literal["text", "binary"] = "text",
    **options: Any,
) -> FlowLogStream:
    """Reads flow logs (paths, ``s3://`` URLs) as a stream of record batches: ``fields`` (AWS
    names) or the union of the objects' fields; addresses as text or 16-byte binary."""

# The steps of flowsieve.spark (driver and tasks); objects are (location, bytes) as listed.
def list_objects(logs: Sequence[str], **options: Any) -> tuple[list[tuple[str, int]], int, int]: ...
def learn_objects(network: Network, objects: Sequence[tuple[str, int]], **options: Any) -> bytes: ...
def merge_learners(network: Network, learners: Sequence[bytes]) -> bytes: ...
def analyze_objects(
    network: Network,
    objects: Sequence[tuple[str, int]],
    listeners: bytes | None = None,
    **options: Any,
) -> bytes: ...
