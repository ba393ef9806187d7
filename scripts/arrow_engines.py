"""Writes the same flow-log text as Arrow IPC files from pyarrow, DuckDB and Polars, each reading
it with its own CSV reader and shaping it as its users would (timestamps, narrower integers,
dictionaries, upper-case or snake_case names, string views). flowsieve's interop tests feed the
files to flowsieve_log::FlowConformer and compare with the text reader.

    python scripts/arrow_engines.py OUT_DIR INPUT.log...   # or scripts/arrow-engines.sh

writes OUT_DIR/{pyarrow,duckdb,polars}-<stem>.arrow for every INPUT (a header line, then records;
a `.log.gz` input is decompressed into OUT_DIR first, its stem being the name without `.log.gz`).
"""
import gzip, pathlib, sys
import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

CLOSED = ("action", "log-status", "flow-direction", "type")
TIMES = ("start", "end")

def write(path, table):
    with pa.ipc.new_file(path, table.schema) as sink:
        sink.write_table(table)

def with_pyarrow(path):
    # The CSV reader's own inference: int64, string, `null` for an all-`-` column; times as
    # timestamp[s, UTC]; the closed columns dictionary-encoded.
    table = pacsv.read_csv(
        path,
        parse_options=pacsv.ParseOptions(delimiter=" "),
        convert_options=pacsv.ConvertOptions(null_values=["-"], strings_can_be_null=True),
    )
    columns = []
    for name, column in zip(table.column_names, table.columns):
        if name in TIMES:
            column = column.cast(pa.timestamp("s", tz="UTC"))
        elif name in CLOSED:
            column = pc.dictionary_encode(column)
        columns.append(column)
    return pa.table(columns, names=table.column_names)

def with_duckdb(path):
    # BIGINT and VARCHAR, TIMESTAMPTZ from to_timestamp, INTEGER ports and
    # protocol, upper-case names.
    con = duckdb.connect()
    rel = con.sql(f"FROM read_csv('{path}', delim=' ', header=true, nullstr='-')")
    exprs = []
    for name in rel.columns:
        value = f'"{name}"'
        if name in TIMES:
            value = f"to_timestamp({value})"
        elif name in ("srcport", "dstport", "protocol"):
            value = f"{value}::INTEGER"
        exprs.append(f'{value} AS "{name.upper()}"')
    return con.sql(f"SELECT {', '.join(exprs)} FROM rel").arrow().read_all()

def with_polars(path):
    # Int64 and String, snake_case names, Datetime from from_epoch, Categorical closed columns;
    # written by Polars' own IPC writer.
    df = pl.read_csv(path, separator=" ", null_values="-")
    df = df.with_columns(
        [pl.from_epoch(c, time_unit="s") for c in TIMES if c in df.columns]
        + [pl.col(c).cast(pl.Categorical) for c in CLOSED if c in df.columns]
    )
    return df.rename({c: c.replace("-", "_") for c in df.columns})

def plain(path):
    if path.suffix != ".gz":
        return path
    text = out / path.stem  # x.log.gz -> OUT_DIR/x.log
    text.write_bytes(gzip.decompress(path.read_bytes()))
    return text

out = pathlib.Path(sys.argv[1])
for path in map(plain, map(pathlib.Path, sys.argv[2:])):
    write(out / f"pyarrow-{path.stem}.arrow", with_pyarrow(path))
    write(out / f"duckdb-{path.stem}.arrow", with_duckdb(path))
    with_polars(path).write_ipc(out / f"polars-{path.stem}.arrow", compression="uncompressed")
