"""The measuring half of the archive benchmark; benches/archive/run.sh prepares the binaries,
the archive and the Python environment, then calls this (standard library only).

For each scope (one flow log's objects, or the whole archive) it runs each runner --runs times,
interleaved (run 1 of every runner, then run 2, ...), each as its own process: wall time from a
monotonic clock, peak RSS from wait4() — the figure `/usr/bin/time -v` prints as "Maximum
resident set size". It scores the answers against truth.json (score.py), appends one JSON line
per (scope, runner, threads) to the results file, and writes a Markdown table.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import score as scorer  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
NAME = re.compile(r"_(fl-[0-9a-f]+)_")


def run_once(cmd: list[str], env: dict[str, str] | None,
             stdout_path: str) -> tuple[float, int, float]:
    """Runs cmd; returns (wall seconds, peak RSS bytes, CPU seconds). Raises on a non-zero
    exit."""
    with open(stdout_path, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE, env=env)
        # Read stderr while waiting, so a chatty child cannot block on a full pipe.
        err = proc.stderr.read() if proc.stderr else b""
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])}... exited {proc.returncode}: "
                           f"{err.decode(errors='replace')[-2000:]}")
    return wall, usage.ru_maxrss * 1024, usage.ru_utime + usage.ru_stime


def machine() -> dict:
    model = ""
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        model = next((line.split(":", 1)[1].strip() for line in lscpu.splitlines()
                      if line.startswith("Model name")), "")
    except OSError:
        pass
    return {"cpu": model or platform.processor(), "cores": os.cpu_count(),
            "mem_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", required=True, help="the archive (inventory/, logs/, truth.json)")
    ap.add_argument("--bin", required=True, help="directory of the flowsieve binaries")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--python", help="the venv python for the peers; none: peers skipped")
    ap.add_argument("--scopes", default="default,custom,all")
    ap.add_argument("--runners", default="floor,parse,flowsieve,duckdb,polars")
    ap.add_argument("--parquet", help="the archive's objects as AWS Parquet (flowsieve convert "
                    "--aws): adds the runners parse-parquet, flowsieve-parquet and "
                    "duckdb-parquet")
    ap.add_argument("--thread-scaling", action="store_true",
                    help="also run floor, parse and flowsieve on 1 thread (scope all)")
    ap.add_argument("--results", help="append JSON lines here")
    ap.add_argument("--markdown", required=True, help="write the Markdown table here")
    ap.add_argument("--command", default="", help="the command line, for the table")
    ap.add_argument("--commit", default="")
    ap.add_argument("--ci", action="store_true", help="assert accuracy; exit 1 when it fails")
    args = ap.parse_args()

    with open(os.path.join(args.dir, "truth.json"), encoding="utf-8") as f:
        truth = json.load(f)
    names = {fl["id"]: fl["name"] for fl in truth["flow_logs"]}
    def objects_by_log(top: str, suffix: str) -> dict[str, list[str]]:
        """The objects under `top` ending in `suffix`, by flow log name and all together."""
        found: dict[str, list[str]] = {"all": []}
        for root, _, entries in os.walk(top):
            for e in entries:
                m = NAME.search(e)
                if e.endswith(suffix) and m and m.group(1) in names:
                    path = os.path.join(root, e)
                    found.setdefault(names[m.group(1)], []).append(path)
                    found["all"].append(path)
        return found

    files = objects_by_log(os.path.join(args.dir, "logs"), ".log.gz")
    # The same objects as AWS Parquet, when given: `….log.parquet` at the same relative paths.
    pq_files: dict[str, list[str]] = {"all": []}
    if args.parquet:
        pq_files = objects_by_log(args.parquet, ".log.parquet")
        if len(pq_files["all"]) != len(files["all"]):
            sys.exit(f"bench.py: {args.parquet} holds {len(pq_files['all'])} Parquet objects, "
                     f"the archive {len(files['all'])}")
    work = os.path.join(args.dir, "bench")
    os.makedirs(work, exist_ok=True)
    for suffix, lists in (("", files), ("-parquet", pq_files)):
        for scope in lists:
            lists[scope].sort()
            with open(os.path.join(work, f"files-{scope}{suffix}.txt"), "w",
                      encoding="utf-8") as f:
                f.write("\n".join(lists[scope]) + "\n")

    inv = os.path.join(args.dir, "inventory")
    fs = os.path.join(args.bin, "flowsieve")

    def command(runner: str, scope: str, threads: int, out: str) -> tuple[list[str], dict | None]:
        listing = os.path.join(work, f"files-{scope}.txt")
        if runner == "floor":
            return [os.path.join(args.bin, "archive-gunzip-floor"), "--threads", str(threads),
                    "--files-from", listing], None
        if runner in ("parse", "parse-parquet"):
            suffix = "-parquet" if runner == "parse-parquet" else ""
            return [os.path.join(args.bin, "archive-parse-only"), "--threads", str(threads),
                    "--files-from", os.path.join(work, f"files-{scope}{suffix}.txt")], None
        if runner in ("flowsieve", "flowsieve-parquet"):
            objects = pq_files[scope] if runner == "flowsieve-parquet" else files[scope]
            return [fs, "analyze", "-i", inv, "--format", "json", "--no-progress", "--threads",
                    str(threads), "-o", out, *objects], None
        env = dict(os.environ, POLARS_MAX_THREADS=str(threads))
        if runner == "duckdb-parquet":
            return [args.python, os.path.join(HERE, "peer_duckdb.py"), "--inventory", inv,
                    "--files-from", os.path.join(work, f"files-{scope}-parquet.txt"),
                    "--out", out, "--threads", str(threads), "--parquet"], env
        return [args.python, os.path.join(HERE, f"peer_{runner}.py"), "--inventory", inv,
                "--files-from", listing, "--out", out,
                *(["--threads", str(threads)] if runner == "duckdb" else [])], env

    runners = [r for r in args.runners.split(",") if r]
    if not args.parquet:
        runners = [r for r in runners if not r.endswith("-parquet")]
    if not args.python:
        runners = [r for r in runners if r not in ("duckdb", "polars", "duckdb-parquet")]
    plan = [(s, r, args.threads) for s in args.scopes.split(",") for r in runners]
    if args.thread_scaling and args.threads != 1:
        plan += [("all", r, 1) for r in ("floor", "parse", "flowsieve") if r in runners]

    meta = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": args.commit, "machine": machine(),
        "archive": {k: truth["generator"][k] for k in ("records", "seed", "layout")},
    }
    results = []
    failures = []
    by_scope: dict[str, list] = {}
    for scope, runner, threads in plan:
        by_scope.setdefault(scope, []).append((runner, threads))
    for scope, entries in by_scope.items():
        walls: dict[tuple, list[float]] = {e: [] for e in entries}
        rss: dict[tuple, int] = {e: 0 for e in entries}
        cpu: dict[tuple, list[float]] = {e: [] for e in entries}
        info: dict[tuple, dict] = {}
        load = [os.getloadavg()[0]]
        for run in range(args.runs):
            for runner, threads in entries:
                out = os.path.join(work, f"{scope}-{runner}-t{threads}.json")
                stdout = out if runner in ("floor", "parse", "parse-parquet") else out + ".stdout"
                cmd, env = command(runner, scope, threads, out)
                try:
                    wall, peak, cpu_s = run_once(cmd, env, stdout)
                except RuntimeError as err:
                    print(f"bench.py: {scope}/{runner}: {err}", file=sys.stderr)
                    failures.append(f"{scope}/{runner} failed")
                    walls[(runner, threads)] = []
                    continue
                walls[(runner, threads)].append(wall)
                cpu[(runner, threads)].append(cpu_s)
                rss[(runner, threads)] = max(rss[(runner, threads)], peak)
                print(f"bench.py: {scope:8} {runner:9} t={threads} run {run + 1}: {wall:8.2f} s "
                      f"{cpu_s:8.2f} s CPU {peak / 2**20:7.0f} MB", file=sys.stderr, flush=True)
                if run == 0:
                    with open(out, encoding="utf-8") as f:
                        info[(runner, threads)] = json.load(f)
        load.append(os.getloadavg()[0])
        text_bytes = next((i["bytes"] for (r, _), i in info.items() if r == "floor"), None)
        records = sum(fl["lines"]["records"] for fl in truth["flow_logs"]
                      if scope == "all" or fl["name"] == scope)
        for (runner, threads), w in walls.items():
            if not w:
                continue
            med = statistics.median(w)
            row = {**meta, "scope": scope, "runner": runner, "threads": threads,
                   "runs": [round(x, 3) for x in w], "median_s": round(med, 3),
                   "us_per_record": round(med / records * 1e6, 4),
                   "cpu_s": round(statistics.median(cpu[(runner, threads)]), 3),
                   "peak_rss_mb": round(rss[(runner, threads)] / 2**20, 1),
                   "text_bytes": text_bytes, "records": records,
                   "mb_s": round(text_bytes / med / 1e6, 1) if text_bytes else None,
                   "records_s": round(records / med), "load": [round(x, 2) for x in load]}
            doc = info.get((runner, threads), {})
            if runner in ("flowsieve", "duckdb", "polars", "flowsieve-parquet",
                          "duckdb-parquet"):
                row.update(scorer.score(truth, scope, doc))
            elif runner in ("parse", "parse-parquet"):
                lines = sum(fl["lines"]["records"] + fl["lines"]["nodata"]
                            + fl["lines"]["skipdata"] for fl in truth["flow_logs"]
                            if scope == "all" or fl["name"] == scope)
                row["rows_ok"] = doc.get("rows") == lines
                if not row["rows_ok"]:
                    failures.append(f"{scope}/{runner} delivered {doc.get('rows')} rows, "
                                    f"truth has {lines}")
            results.append(row)

    if args.results:
        with open(args.results, "a", encoding="utf-8") as f:
            for row in results:
                f.write(json.dumps(row, sort_keys=True) + "\n")
    md = markdown(results, meta, args)
    with open(args.markdown, "w", encoding="utf-8") as f:
        f.write(md)
    print(md)

    if args.ci:
        for row in results:
            if row["runner"] != "flowsieve":
                continue
            want = 1.0 if row["scope"] == "custom" else 0.99
            if row["precision"] < want or row["recall"] < want:
                failures.append(f"flowsieve {row['scope']}: unused-rule precision "
                                f"{row['precision']} recall {row['recall']} (want >= {want}); "
                                f"false {row['false_unused']} missed {row['missed_unused']}")
            if row["top5"] != 5:
                failures.append(f"flowsieve {row['scope']}: top-5 hotspot overlap "
                                f"{row['top5']}/5")
        if not any(r["runner"] == "flowsieve" for r in results):
            failures.append("flowsieve did not run")
    for f in failures:
        print(f"bench.py: FAIL: {f}", file=sys.stderr)
    checks = sum(1 for r in results if r["runner"] == "flowsieve")
    if args.ci:
        print(f"archive benchmark (accuracy): {checks - len(failures)} passed, "
              f"{len(failures)} failed")
    return 1 if failures else 0


def markdown(results: list[dict], meta: dict, args) -> str:
    m = meta["machine"]
    loads = sorted({x for r in results for x in r["load"]})
    lines = [
        f"#### {meta['archive']['records']:,} records (seed {meta['archive']['seed']}), "
        f"{meta['date']}",
        "",
        f"* Machine: `lscpu | grep 'Model name'` → `{m['cpu']}`, {m['cores']} cores, "
        f"{m['mem_gib']} GiB; load average (1 min) between {loads[0]:.2f} and {loads[-1]:.2f} "
        "during the runs." if loads else "",
        f"* Command: `{args.command}`" + (f" at `{meta['commit']}`" if meta["commit"] else ""),
        f"* Median of {args.runs} runs; peak RSS is the largest of the runs. MB/s: decompressed "
        "text (MB = 10^6 bytes; for `-parquet` runners the same records' text) per second of "
        "wall time; records/s: OK records per second; µs/record: median wall time per OK "
        "record. `-parquet` runners read the same records as AWS Parquet "
        "(`flowsieve convert --aws`).",
        "",
        "| scope | runner | threads | median s | runs s | CPU s | peak RSS MB | MB/s | records/s | "
        "µs/record | unused P / R | top-5 | × flowsieve |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    base = {(r["scope"], r["threads"]): r["median_s"] for r in results
            if r["runner"] == "flowsieve"}
    for r in results:
        fsv = base.get((r["scope"], r["threads"]))
        acc = (f"{r['precision']:.2f} / {r['recall']:.2f}", f"{r['top5']}/5") \
            if "precision" in r else ("—", "—")
        ratio = f"{r['median_s'] / fsv:.2f}" if fsv else "—"
        lines.append(
            f"| {r['scope']} | {r['runner']} | {r['threads']} | {r['median_s']:.2f} | "
            f"{', '.join(f'{x:.2f}' for x in r['runs'])} | {r['cpu_s']:.2f} | "
            f"{r['peak_rss_mb']:.0f} | {r['mb_s'] or '—'} | {r['records_s']:,} | "
            f"{r['us_per_record']:.3f} | {acc[0]} | {acc[1]} | {ratio} |")
    split = []
    for (scope, threads), fsv in base.items():
        stage = {r["runner"]: r["median_s"] for r in results
                 if r["scope"] == scope and r["threads"] == threads}
        if "floor" in stage and "parse" in stage:
            fl, pa = stage["floor"], stage["parse"]
            split.append(
                f"* {scope}, {threads} thread(s): decompression {fl:.2f} s "
                f"({fl / fsv:.0%}), parsing {max(pa - fl, 0):.2f} s "
                f"({max(pa - fl, 0) / fsv:.0%}), attribution {max(fsv - pa, 0):.2f} s "
                f"({max(fsv - pa, 0) / fsv:.0%}) of flowsieve's {fsv:.2f} s")
        if "parse-parquet" in stage and "flowsieve-parquet" in stage:
            pq, fpq = stage["parse-parquet"], stage["flowsieve-parquet"]
            # The ratio were attribution free needs the text's parse-only time.
            free = (f", and {stage['parse'] / pq:.2f}x were attribution free "
                    f"(parse / parse-parquet)") if "parse" in stage else ""
            split.append(
                f"* {scope}, {threads} thread(s), AWS Parquet: reading {pq:.2f} s "
                f"({pq / fpq:.0%}), attribution {max(fpq - pq, 0):.2f} s "
                f"({max(fpq - pq, 0) / fpq:.0%}) of flowsieve-parquet's {fpq:.2f} s; "
                f"text / Parquet {fsv / fpq:.2f}x{free}")
    if split:
        lines += ["", "Where flowsieve's time goes (floor, parse-only minus floor, analyze minus "
                  "parse-only):", "", *split]
    return "\n".join(x for x in lines if x is not None) + "\n"


if __name__ == "__main__":
    sys.exit(main())
