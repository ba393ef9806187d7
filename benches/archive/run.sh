#!/usr/bin/env bash
# The end-to-end archive benchmark (issue 5): flowsieve analyze against the same job written as a
# DuckDB SQL query and as a Polars lazy query, beside the gzip decompression floor, on one
# generated archive with known truth. See benches/archive/README.md.
#
#   benches/archive/run.sh [--records N] [--seed S] [--runs R] [--out DIR] [--threads T]
#                          [--skip-peers] [--thread-scaling] [--scopes LIST] [--record]
#                          [--parquet] [--runners LIST] [--row-group-rows N]
#   benches/archive/run.sh --ci     # 200k records, one run, accuracy asserted (CI)
#
# --records N       records of the archive, both flow logs together (default 2000000)
# --seed S          generator seed (default 7)
# --runs R          runs per runner; the median is reported (default 3)
# --out DIR         the archive directory, under target/ (default target/archive-bench/rN-sS);
#                   reused when DIR/truth.json was made with the same arguments
# --threads T       threads of every runner (default: all cores)
# --skip-peers      flowsieve, parse-only and the floor only (no Python environment needed)
# --thread-scaling  also flowsieve, parse-only and the floor on 1 thread (whole archive)
# --scopes LIST     comma-separated, of default, custom, all (default: all three)
# --record          write the table into BENCHMARKS.md (section "Archive end to end")
# --parquet         also the same objects as AWS Parquet flow logs (flowsieve convert --aws into
#                   DIR/parquet, made once per archive): the runners flowsieve-parquet and
#                   duckdb-parquet (BENCHMARKS.md, "AWS Parquet flow logs")
# --runners LIST    comma-separated, of floor, parse, flowsieve, duckdb, polars,
#                   flowsieve-parquet, duckdb-parquet (default: all that apply)
# --row-group-rows N  with --parquet: rows per row group of the Parquet copy (default: the
#                   writer's, 1048576; the copy is remade when this changes)
# --ci              --records 200000 --runs 1, the test build's binary, no floor or parse-only
#                   stage (timings not meaningful); asserts flowsieve's accuracy (unused-rule
#                   precision and recall 1.0 on the tcp-flags flow log, >= 0.99 on the default
#                   one, top-5 hotspot overlap 5/5) and exits non-zero when it fails
#
# Results: one JSON line per scope and runner appended to benches/archive/results.jsonl (not
# with --ci: there to DIR/bench/results.jsonl), the table in DIR/bench/table.md.
# Environment: FLOWSIEVE_BENCH_PYENV (the peers' venv, default target/pyenv: the tests' venv).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

records=2000000
seed=7
runs=3
out=
threads=$(nproc 2>/dev/null || echo 2)
skip_peers=0
scaling=0
scopes=default,custom,all
record=0
ci=0
parquet=0
runners_arg=
row_group_rows=
command_line="benches/archive/run.sh${*:+ $*}"

die() {
    echo "run.sh: $*" >&2
    exit 2
}

while (($#)); do
    case $1 in
    --records) records=${2:?--records needs a number}; shift 2 ;;
    --seed) seed=${2:?--seed needs a number}; shift 2 ;;
    --runs) runs=${2:?--runs needs a number}; shift 2 ;;
    --out) out=${2:?--out needs a directory}; shift 2 ;;
    --threads) threads=${2:?--threads needs a number}; shift 2 ;;
    --skip-peers) skip_peers=1; shift ;;
    --thread-scaling) scaling=1; shift ;;
    --scopes) scopes=${2:?--scopes needs a list}; shift 2 ;;
    --record) record=1; shift ;;
    --parquet) parquet=1; shift ;;
    --runners) runners_arg=${2:?--runners needs a list}; shift 2 ;;
    --row-group-rows) row_group_rows=${2:?--row-group-rows needs a number}; shift 2 ;;
    --ci) ci=1; records=200000; runs=1; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
    esac
done
[[ $records =~ ^[0-9]+$ && $seed =~ ^[0-9]+$ && $runs =~ ^[1-9][0-9]*$ && $threads =~ ^[1-9][0-9]*$ ]] ||
    die "--records, --seed, --runs and --threads take numbers (runs, threads >= 1)"
[[ -z $row_group_rows || $row_group_rows =~ ^[1-9][0-9]*$ ]] || die "--row-group-rows takes a number >= 1"
if [[ -z $out ]]; then
    prefix=
    [[ $ci == 1 ]] && prefix=ci-
    out=target/archive-bench/${prefix}r$records-s$seed
fi
case $(realpath -m "$out")/ in
"$root"/target/*) ;;
*) die "--out must lie under $root/target/ (generated archives are never committed)" ;;
esac

# 1. The binaries, copied aside so that a rebuild by someone else cannot swap them mid-run.
# --ci asserts accuracy only: it takes the `flowsieve` binary of the README's test build
# (`cargo test --workspace --no-run`, a no-op right after .ci/run's test step: same profile,
# same features) and runs no floor or parse-only stage, so CI builds nothing twice.
target_dir=$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
bin=$out/bin
mkdir -p "$bin"
runners=floor,parse,flowsieve,duckdb,polars
if [[ $ci == 1 ]]; then
    echo "run.sh: the test build's flowsieve (cargo test --workspace --no-run)" >&2
    cargo test --workspace --no-run --quiet
    binaries=(flowsieve)
    profile_dir=debug
    runners=flowsieve,duckdb,polars
else
    echo "run.sh: building flowsieve and the benchmark helpers (release)" >&2
    cargo build --release --quiet -p flowsieve-cli --bin flowsieve
    cargo build --release --quiet -p flowsieve-bench --bin archive-gunzip-floor \
        --bin archive-parse-only
    binaries=(flowsieve archive-gunzip-floor archive-parse-only)
    profile_dir=release
fi
for b in "${binaries[@]}"; do
    cp "$target_dir/$profile_dir/$b" "$bin/$b.tmp" && mv "$bin/$b.tmp" "$bin/$b"
done
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n $(git status --porcelain -- crates Cargo.toml Cargo.lock 2>/dev/null) ]]; then
    commit="$commit+uncommitted-changes"
fi

# 2. The archive: reused when its truth says it was made with these arguments.
matches() {
    [[ -f $out/truth.json ]] && python3 - "$out/truth.json" "$records" "$seed" <<'EOF'
import json, sys
g = json.load(open(sys.argv[1]))["generator"]
ok = (g["records"], g["seed"], g["layout"], g["malformed"], g["formats"]) == \
    (int(sys.argv[2]), int(sys.argv[3]), "plain", False, ["default", "custom"])
sys.exit(0 if ok else 1)
EOF
}
if matches; then
    echo "run.sh: reusing the archive in $out" >&2
else
    echo "run.sh: generating $records records (seed $seed) into $out" >&2
    rm -rf "$out/inventory" "$out/logs" "$out/truth.json" "$out/bench" "$out/parquet"
    "$bin/flowsieve" generate --out "$out" --records "$records" --seed "$seed" \
        --formats default,custom >&2
fi

# 2b. The same objects as AWS Parquet flow logs, made once per archive and row group size.
if [[ $parquet == 1 ]]; then
    stamp="$out/parquet/.made-with-row-group-rows-${row_group_rows:-default}"
    if [[ -f $stamp ]]; then
        echo "run.sh: reusing the Parquet copy in $out/parquet" >&2
    else
        echo "run.sh: converting the archive to AWS Parquet into $out/parquet" >&2
        rm -rf "$out/parquet"
        "$bin/flowsieve" convert --aws "$out/logs" --output "$out/parquet" --threads "$threads" \
            ${row_group_rows:+--row-group-rows "$row_group_rows"} >&2
        touch "$stamp"
    fi
    runners=$runners,parse-parquet,flowsieve-parquet,duckdb-parquet
fi
[[ -n $runners_arg ]] && runners=$runners_arg

# 3. The peers' Python environment (DuckDB, Polars); without it the peers are skipped.
python_args=()
if [[ $skip_peers == 0 ]]; then
    # The same venv as the interop tests (same pins): one install per clone.
    venv=${FLOWSIEVE_BENCH_PYENV:-$root/target/pyenv}
    if py=$(FLOWSIEVE_PYENV=$venv "$root/scripts/python-env.sh"); then
        python_args=(--python "$py")
    else
        echo "run.sh: WARNING: no Python environment for the peers; running flowsieve only" >&2
    fi
fi

# 4. Measure.
mkdir -p "$out/bench"
results=$here/results.jsonl
[[ $ci == 1 ]] && results=$out/bench/results.jsonl
bench_args=(--dir "$out" --bin "$bin" --runs "$runs" --threads "$threads" --scopes "$scopes"
    --runners "$runners"
    --results "$results" --markdown "$out/bench/table.md" --command "$command_line"
    --commit "$commit")
[[ $scaling == 1 ]] && bench_args+=(--thread-scaling)
[[ $parquet == 1 ]] && bench_args+=(--parquet "$out/parquet")
[[ $ci == 1 ]] && bench_args+=(--ci)
status=0
python3 "$here/bench.py" "${bench_args[@]}" "${python_args[@]}" || status=$?

if [[ $record == 1 && $status == 0 ]]; then
    python3 "$here/record.py" "$root/BENCHMARKS.md" "$out/bench/table.md" "$records"
fi
exit "$status"
