"""The Polars peer of the archive benchmark: flowsieve's job (docs/semantics.md) as a Polars lazy
query (scan_csv, joins, group_by) over the gzip flow-log objects, with the same semantics as
the DuckDB peer (benches/archive/README.md says what they are and where they differ from
flowsieve's).

    python peer_polars.py --inventory DIR/inventory --files-from LIST --out result.json

LIST holds one flow-log object per line; objects of different formats (header lines) are
scanned by one scan_csv each and concatenated. Threads: POLARS_MAX_THREADS (set by the
benchmark driver; all cores by default). Writes the unused rule ids and the ranked REJECT
hotspots to --out.
"""

from __future__ import annotations

import argparse
import os
import sys

import polars as pl

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import inventory  # noqa: E402

PL_TYPES = {"int": pl.Int32, "u8": pl.UInt8, "u16": pl.UInt16, "u64": pl.UInt64,
            "i64": pl.Int64}


def frame(table: dict[str, list]) -> pl.DataFrame:
    types = {"u64": pl.UInt64, "i64": pl.Int64}
    schema = {c: types[inventory.COLUMN_TYPES[c]] if c in inventory.COLUMN_TYPES
              else pl.Boolean if c == "egress" else pl.String for c in table}
    return pl.DataFrame(table, schema=schema)


def scan(fields: list[str], files: list[str], eni_addrs: pl.LazyFrame) -> pl.LazyFrame:
    """One scan_csv over the objects of one format, projected to the columns the job needs."""
    schema = {f: PL_TYPES.get(inventory.INT_FIELDS.get(f, ""), pl.String) for f in fields}
    lf = pl.scan_csv(files, separator=" ", has_header=True, schema=schema, null_values="-",
                     quote_char=None)
    has = set(fields)
    if "flow-direction" in has:
        lf = lf.with_columns(ingress=pl.col("flow-direction") == "ingress")
    else:
        # No flow-direction: ingress when the destination is an address of the recording ENI.
        lf = lf.join(
            eni_addrs.with_columns(ingress=pl.lit(True)),
            left_on=["interface-id", "dstaddr"], right_on=["eni", "addr"], how="left",
        ).with_columns(pl.col("ingress").fill_null(False))
    flags = pl.col("tcp-flags") if "tcp-flags" in has else pl.lit(None, pl.UInt8)
    psrc = pl.col("pkt-srcaddr") if "pkt-srcaddr" in has else pl.lit(None, pl.String)
    pdst = pl.col("pkt-dstaddr") if "pkt-dstaddr" in has else pl.lit(None, pl.String)
    return lf.select(
        eni=pl.col("interface-id"), st=pl.col("log-status"), action=pl.col("action"),
        protocol=pl.col("protocol"), srcport=pl.col("srcport"), dstport=pl.col("dstport"),
        packets=pl.col("packets"), fs=pl.col("start"), ls=pl.col("end"), flags=flags,
        ingress=pl.col("ingress"),
        remote=pl.when(pl.col("ingress")).then(pl.coalesce(psrc, pl.col("srcaddr")))
        .otherwise(pl.coalesce(pdst, pl.col("dstaddr"))),
    )


def parse_addresses(remotes: pl.LazyFrame, internal: pl.DataFrame) -> pl.DataFrame:
    """Distinct remote addresses as (fam, hi, lo) unsigned 64-bit halves, with `internal`."""
    r = pl.col("remote")
    nonempty = pl.element().filter(pl.element() != "")
    left = r.str.split("::").list.get(0, null_on_oob=True).str.split(":").list.eval(nonempty)
    right = r.str.split("::").list.get(1, null_on_oob=True).fill_null("").str.split(":") \
        .list.eval(nonempty)
    count = r.str.split(":").list.eval(nonempty).list.len()
    groups = pl.when(r.str.contains("::", literal=True)).then(
        pl.concat_list(left, pl.lit("0").repeat_by(8 - count), right)
    ).otherwise(r.str.split(":"))

    def word(cols, i0):
        acc = None
        for i in range(4):
            v = cols.list.get(i0 + i).str.to_integer(base=16).cast(pl.UInt64) \
                * pl.lit(1 << (16 * (3 - i)), pl.UInt64)
            acc = v if acc is None else acc + v
        return acc

    quad = r.str.split(".")
    v4 = sum(quad.list.get(i).cast(pl.UInt64) * pl.lit(1 << (8 * (3 - i)), pl.UInt64)
             for i in range(4))
    v6 = r.str.contains(":", literal=True)
    ad = remotes.with_columns(h=groups).select(
        "remote",
        fam=pl.when(v6).then(6).otherwise(4).cast(pl.Int64),
        hi=pl.when(v6).then(word(pl.col("h"), 0)).otherwise(pl.lit(0, pl.UInt64)),
        lo=pl.when(v6).then(word(pl.col("h"), 4)).otherwise(v4),
    ).collect()
    inside = ad.lazy().join(internal.lazy(), on="fam").filter(
        pl.col("hi").is_between("hi_min", "hi_max") & pl.col("lo").is_between("lo_min", "lo_max")
    ).select("remote").unique().with_columns(internal=pl.lit(True))
    return ad.lazy().join(inside, on="remote", how="left") \
        .with_columns(pl.col("internal").fill_null(False)).collect()


def run(inv: str, files: list[str], out: str) -> None:
    t = {name: frame(table) for name, table in inventory.flatten(inv).items()}

    by_format: dict[tuple[str, ...], list[str]] = {}
    for path in files:
        by_format.setdefault(tuple(inventory.header_fields(path)), []).append(path)
    base = pl.concat([scan(list(f), paths, t["eni_addrs"].lazy())
                      for f, paths in by_format.items()])

    # One pass over the logs, as in the DuckDB peer: forward by SYN / SYN-ACK, else the
    # privileged port, else the lower port; kept: OK ACCEPT forward records and OK ingress
    # REJECTs; everything else collapses into one group per ENI.
    proto, sp, dp, flags = pl.col("protocol"), pl.col("srcport"), pl.col("dstport"), pl.col("flags")
    forward = (
        pl.when((proto == 6) & ((flags & 2) == 2)).then((flags & 16) == 0)
        .when(proto.is_in([6, 17])).then(
            pl.when((sp < 1024) != (dp < 1024)).then(dp < 1024).otherwise(dp <= sp))
        .otherwise(True)
    )
    keep = (pl.col("st") == "OK") & (
        ((pl.col("action") == "ACCEPT") & forward)
        | ((pl.col("action") == "REJECT") & pl.col("ingress"))
    )
    masked = [pl.when(pl.col("keep")).then(pl.col(c)).alias(c if c != "dstport" else "dport")
              for c in ("action", "ingress", "protocol", "dstport", "remote")]
    agg = (
        base.with_columns(keep=keep.fill_null(False))
        .group_by(pl.col("eni"), *masked)
        .agg(
            n=pl.col("keep").sum(),
            pk=pl.col("packets").filter(pl.col("keep")).sum(),
            fs=pl.col("fs").filter(pl.col("keep")).min(),
            ls=pl.col("ls").filter(pl.col("keep")).max(),
        )
        .collect(engine="streaming")
    )

    ad = parse_addresses(agg.lazy().select("remote").drop_nulls().unique(), t["internal_ranges"])
    rules = t["rules"].lazy().filter(pl.col("kind") == "ok")

    # Credits: the recording ENI's groups' ok rules, direction, protocol, port, peer range.
    accepts = agg.lazy().filter(pl.col("action") == "ACCEPT").with_row_index("row")
    used = (
        accepts.join(t["eni_groups"].lazy(), on="eni")
        .join(rules, on="group_id")
        .filter(
            (pl.col("egress") == ~pl.col("ingress"))
            & ((pl.col("proto") == -1) | (pl.col("proto") == pl.col("protocol").cast(pl.Int64)))
            & (~pl.col("protocol").is_in([6, 17])
               | pl.col("dport").cast(pl.Int64).is_between("from_port", "to_port"))
        )
        .join(ad.lazy(), on="remote")
        .join(t["rule_ranges"].lazy(), on=["rule_id", "fam"])
        .filter(pl.col("hi").is_between("hi_min", "hi_max")
                & pl.col("lo").is_between("lo_min", "lo_max"))
        .unique(["row", "rule_id"])
        .group_by("rule_id").agg(records=pl.col("n").sum())
        .collect()
    )
    seen_groups = agg.lazy().select("eni").unique().join(t["eni_groups"].lazy(), on="eni") \
        .select("group_id").unique()
    unused = (
        rules.join(used.lazy(), on="rule_id", how="anti")
        .join(seen_groups, on="group_id", how="semi")
        .select("rule_id").sort("rule_id").collect()["rule_id"].to_list()
    )

    hot = (
        agg.lazy().filter(pl.col("action") == "REJECT")
        .join(t["enis"].lazy(), on="eni")
        .join(ad.lazy(), on="remote")
        .with_columns(peer_class=pl.when(pl.col("internal")).then(pl.lit("internal"))
                      .otherwise(pl.lit("external")))
        .group_by("gkey", "dport", "protocol", "peer_class")
        .agg(records=pl.col("n").sum(), packets=pl.col("pk").sum(),
             distinct_sources=pl.col("remote").n_unique(),
             first_seen=pl.col("fs").min(), last_seen=pl.col("ls").max())
        .with_columns(is_external=pl.col("peer_class") == "external")
        .sort(["is_external", "records", "packets", "gkey", "dport", "protocol", "peer_class"],
              descending=[False, True, True, False, False, False, False])
        .collect()
    )
    hotspots = [
        {"group_ids": h["gkey"].split(",") if h["gkey"] else [], "dst_port": h["dport"],
         "protocol": h["protocol"], "peer_class": h["peer_class"], "records": h["records"],
         "packets": h["packets"], "distinct_sources": h["distinct_sources"],
         "first_seen": h["first_seen"], "last_seen": h["last_seen"]}
        for h in hot.iter_rows(named=True)
    ]
    inventory.write_result(out, unused, hotspots, {
        "runner": "polars", "version": pl.__version__, "threads": pl.thread_pool_size(),
        "used": dict(sorted(zip(used["rule_id"].to_list(), used["records"].to_list()))),
    })


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--inventory", required=True)
    ap.add_argument("--files-from", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    with open(args.files_from, encoding="utf-8") as f:
        files = [line.strip() for line in f if line.strip()]
    run(args.inventory, files, args.out)


if __name__ == "__main__":
    main()
