"""The DuckDB peer of the archive benchmark: flowsieve's job (docs/semantics.md) as a DuckDB SQL
query over the gzip flow-log objects, written as a competent user would (see
benches/archive/README.md for the semantics both peers implement and where they differ from
flowsieve's).

    python peer_duckdb.py --inventory DIR/inventory --files-from LIST --out result.json [--threads T]
                          [--parquet]

LIST holds one flow-log object per line; objects of different formats (header lines) are read
by one read_csv each and united. With --parquet the objects are AWS Parquet flow logs
(`flowsieve convert --aws`): one read_parquet per format (set of columns), the snake_case
columns named as the text's fields, the rest of the query unchanged. Prints nothing; writes the
unused rule ids and the ranked REJECT hotspots to --out.
"""

from __future__ import annotations

import argparse
import os
import sys

import duckdb
import pyarrow as pa

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import inventory  # noqa: E402

DUCK_TYPES = {"int": "INTEGER", "u8": "UTINYINT", "u16": "USMALLINT", "u64": "UBIGINT",
              "i64": "BIGINT"}


def q(name: str) -> str:
    return '"' + name + '"'


def scan(fields: list[str], files: list[str], parquet: bool = False) -> str:
    """One read_csv (or read_parquet) over the objects of one format, projected to the columns
    the job needs."""
    paths = ", ".join("'" + p.replace("'", "''") + "'" for p in files)
    if parquet:
        # AWS's Parquet: snake_case columns, nulls where text has `-`, INT32/INT64 numbers.
        columns = ", ".join(f'{q(f.replace("-", "_"))} AS {q(f)}' for f in fields)
        src = f"(SELECT {columns} FROM read_parquet([{paths}]))"
    else:
        columns = ", ".join(
            f"'{f}': '{DUCK_TYPES.get(inventory.INT_FIELDS.get(f, ''), 'VARCHAR')}'"
            for f in fields
        )
        src = (
            f"read_csv([{paths}], delim = ' ', header = true, columns = {{{columns}}}, "
            "nullstr = '-', compression = 'gzip', auto_detect = false, quote = '', escape = '')"
        )
    has = set(fields)
    flags = q("tcp-flags") if "tcp-flags" in has else "NULL::UTINYINT"
    psrc = q("pkt-srcaddr") if "pkt-srcaddr" in has else "NULL::VARCHAR"
    pdst = q("pkt-dstaddr") if "pkt-dstaddr" in has else "NULL::VARCHAR"
    if "flow-direction" in has:
        ingress, join = "r.\"flow-direction\" = 'ingress'", ""
    else:
        # No flow-direction: the record is ingress when its destination is an address of the
        # recording ENI (AWS prints the ENI's own side with its address).
        ingress = "ea.eni IS NOT NULL"
        join = 'LEFT JOIN eni_addrs ea ON ea.eni = r."interface-id" AND ea.addr = r.dstaddr'
    return f"""
        SELECT r."interface-id" AS eni, r."log-status" AS st, r.action, r.protocol,
               r.srcport, r.dstport, r.packets, r."start" AS fs, r."end" AS ls,
               {flags} AS flags, {ingress} AS ingress,
               CASE WHEN {ingress} THEN coalesce({psrc}, r.srcaddr)
                    ELSE coalesce({pdst}, r.dstaddr) END AS remote
        FROM {src} r {join}"""


def parquet_fields(path: str) -> list[str]:
    """The field names of an AWS Parquet flow-log object (its columns, `_` as `-`)."""
    import pyarrow.parquet as pq

    return [name.replace("_", "-") for name in pq.read_schema(path).names]


def run(inv: str, files: list[str], threads: int, out: str, parquet: bool = False) -> None:
    con = duckdb.connect(config={"threads": threads, "preserve_insertion_order": False})
    for name, table in inventory.flatten(inv).items():
        types = {"u64": pa.uint64(), "i64": pa.int64()}
        schema = pa.schema([
            (c, types[inventory.COLUMN_TYPES[c]] if c in inventory.COLUMN_TYPES
             else pa.bool_() if c == "egress" else pa.string())
            for c in table])
        con.register(name + "_src", pa.table(table, schema=schema))
        con.execute(f"CREATE TEMP TABLE {name} AS SELECT * FROM {name}_src")

    by_format: dict[tuple[str, ...], list[str]] = {}
    for path in files:
        fields = parquet_fields(path) if parquet else inventory.header_fields(path)
        by_format.setdefault(tuple(fields), []).append(path)
    base = " UNION ALL ".join(scan(list(f), paths, parquet) for f, paths in by_format.items())

    # One pass over the logs. A record is forward (initiator -> responder) when its destination
    # is the server: TCP SYN without ACK says so (SYN-ACK says reverse); without a SYN, the side
    # with a privileged port (< 1024) is the server, else the lower port (equal: forward).
    # Kept: OK ACCEPT forward records (they credit rules) and OK ingress REJECTs (hotspots: a
    # security group refuses only connection attempts). Everything else collapses into one
    # group per ENI, which still says the ENI appears in the logs.
    con.execute(f"""
        CREATE TEMP TABLE agg AS
        WITH b AS ({base}),
        k AS (
            SELECT *, st = 'OK' AND (
                (action = 'ACCEPT' AND CASE
                    WHEN protocol = 6 AND flags & 2 = 2 THEN flags & 16 = 0
                    WHEN protocol IN (6, 17) THEN
                        CASE WHEN (srcport < 1024) <> (dstport < 1024) THEN dstport < 1024
                             ELSE dstport <= srcport END
                    ELSE true END)
                OR (action = 'REJECT' AND ingress)) AS keep
            FROM b)
        SELECT eni,
               CASE WHEN keep THEN action END AS action,
               CASE WHEN keep THEN ingress END AS ingress,
               CASE WHEN keep THEN protocol END AS protocol,
               CASE WHEN keep THEN dstport END AS dport,
               CASE WHEN keep THEN remote END AS remote,
               count(*) FILTER (WHERE keep) AS n,
               sum(packets) FILTER (WHERE keep) AS pk,
               min(fs) FILTER (WHERE keep) AS fs,
               max(ls) FILTER (WHERE keep) AS ls
        FROM k GROUP BY ALL""")

    # Remote addresses as (family, hi, lo) unsigned 64-bit halves, parsed once per distinct
    # address; `internal` when inside a VPC CIDR or an ENI's address.
    con.execute("""
        CREATE TEMP TABLE ad AS
        WITH d AS (SELECT DISTINCT remote FROM agg WHERE remote IS NOT NULL),
        g AS (
            SELECT remote, contains(remote, ':') AS v6,
                CASE WHEN NOT contains(remote, ':') THEN NULL
                     WHEN contains(remote, '::') THEN
                        list_filter(string_split(split_part(remote, '::', 1), ':'), lambda x: x <> '')
                        || list_transform(
                            range(8 - len(list_filter(string_split(remote, ':'), lambda x: x <> ''))),
                            lambda x: '0')
                        || list_filter(string_split(split_part(remote, '::', 2), ':'), lambda x: x <> '')
                     ELSE string_split(remote, ':') END AS h
            FROM d),
        p AS (
            SELECT remote,
                CASE WHEN v6 THEN 6 ELSE 4 END AS fam,
                CASE WHEN v6 THEN (('0x' || h[1])::UBIGINT << 48) | (('0x' || h[2])::UBIGINT << 32)
                                  | (('0x' || h[3])::UBIGINT << 16) | ('0x' || h[4])::UBIGINT
                     ELSE 0::UBIGINT END AS hi,
                CASE WHEN v6 THEN (('0x' || h[5])::UBIGINT << 48) | (('0x' || h[6])::UBIGINT << 32)
                                  | (('0x' || h[7])::UBIGINT << 16) | ('0x' || h[8])::UBIGINT
                     ELSE (split_part(remote, '.', 1)::UBIGINT << 24)
                          | (split_part(remote, '.', 2)::UBIGINT << 16)
                          | (split_part(remote, '.', 3)::UBIGINT << 8)
                          | split_part(remote, '.', 4)::UBIGINT END AS lo
            FROM g)
        SELECT p.*, EXISTS (
            SELECT 1 FROM internal_ranges i WHERE i.fam = p.fam
                AND p.hi BETWEEN i.hi_min AND i.hi_max AND p.lo BETWEEN i.lo_min AND i.lo_max
            ) AS internal
        FROM p""")

    # Credits: every ok rule of the recording ENI's groups, in the record's direction, of its
    # protocol, with the destination port in range (TCP/UDP) and the remote address in the peer.
    con.execute("""
        CREATE TEMP TABLE used_rules AS
        SELECT rule_id, sum(n)::BIGINT AS records FROM (
            SELECT DISTINCT a.eni, a.ingress, a.protocol, a.dport, a.remote, a.n, r.rule_id
            FROM agg a
            JOIN ad USING (remote)
            JOIN eni_groups g ON g.eni = a.eni
            JOIN rules r ON r.group_id = g.group_id AND r.kind = 'ok'
                AND r.egress = NOT a.ingress AND (r.proto = -1 OR r.proto = a.protocol)
                AND (a.protocol NOT IN (6, 17) OR a.dport BETWEEN r.from_port AND r.to_port)
            JOIN rule_ranges rr ON rr.rule_id = r.rule_id AND rr.fam = ad.fam
                AND ad.hi BETWEEN rr.hi_min AND rr.hi_max AND ad.lo BETWEEN rr.lo_min AND rr.lo_max
            WHERE a.action = 'ACCEPT')
        GROUP BY rule_id""")
    used = con.execute("SELECT rule_id, records FROM used_rules").fetchall()
    unused = [r for (r,) in con.execute("""
        SELECT r.rule_id FROM rules r
        WHERE r.kind = 'ok'
          AND r.rule_id NOT IN (SELECT rule_id FROM used_rules)
          AND r.group_id IN (SELECT g.group_id FROM eni_groups g
                             WHERE g.eni IN (SELECT DISTINCT eni FROM agg))
        ORDER BY r.rule_id""").fetchall()]

    rows = con.execute("""
        SELECT * FROM (
            SELECT e.gkey, a.dport, a.protocol,
                   CASE WHEN ad.internal THEN 'internal' ELSE 'external' END AS peer_class,
                   sum(a.n)::BIGINT AS records, sum(a.pk)::BIGINT AS packets,
                   count(DISTINCT a.remote) AS distinct_sources,
                   min(a.fs) AS first_seen, max(a.ls) AS last_seen
            FROM agg a JOIN enis e USING (eni) JOIN ad USING (remote)
            WHERE a.action = 'REJECT'
            GROUP BY ALL)
        ORDER BY peer_class = 'external', records DESC, packets DESC, gkey, dport, protocol,
                 peer_class""").fetchall()
    hotspots = [
        {"group_ids": gkey.split(",") if gkey else [], "dst_port": port, "protocol": proto,
         "peer_class": pc, "records": n, "packets": pk, "distinct_sources": ds,
         "first_seen": fs, "last_seen": ls}
        for gkey, port, proto, pc, n, pk, ds, fs, ls in rows
    ]
    inventory.write_result(out, unused, hotspots, {
        "runner": "duckdb-parquet" if parquet else "duckdb", "version": duckdb.__version__,
        "threads": threads,
        "used": {r: n for r, n in sorted(used)},
    })


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--inventory", required=True)
    ap.add_argument("--files-from", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--parquet", action="store_true",
                    help="the objects are AWS Parquet flow logs (flowsieve convert --aws)")
    args = ap.parse_args()
    with open(args.files_from, encoding="utf-8") as f:
        files = [line.strip() for line in f if line.strip()]
    run(args.inventory, files, args.threads, args.out, args.parquet)


if __name__ == "__main__":
    main()
