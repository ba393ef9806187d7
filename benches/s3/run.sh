#!/usr/bin/env bash
# The S3 benchmark (issue 7): the same generated archive analysed from a loopback S3-compatible
# server (moto, pinned, scripts/moto-env.sh) and from local disk, runs interleaved, median of R
# runs each, in the same invocation; plus the server's own serving time (every object fetched by
# 8 parallel boto3 clients into /dev/null) so a slow server can be told from a slow client.
#
#   benches/s3/run.sh [--records N] [--seed S] [--runs R] [--concurrency C]
#
# --records N      records of the archive (default 2000000)
# --seed S         generator seed (default 7)
# --runs R         runs per side; the median is reported (default 3)
# --concurrency C  --s3-concurrency of the S3 runs (default 8)
#
# Prints a Markdown table (and the machine line) on stdout. The archive is kept under
# target/s3-bench/ and reused; moto is stopped on exit whatever happens.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

records=2000000
seed=7
runs=3
concurrency=8
while (($#)); do
    case $1 in
    --records) records=${2:?}; shift 2 ;;
    --seed) seed=${2:?}; shift 2 ;;
    --runs) runs=${2:?}; shift 2 ;;
    --concurrency) concurrency=${2:?}; shift 2 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done

echo "run.sh: building flowsieve (release)" >&2
cargo build --release -q -p flowsieve-cli
bin=${CARGO_TARGET_DIR:-$root/target}/release/flowsieve
moto_server=$(bash scripts/moto-env.sh)
python=$(dirname "$moto_server")/python

out=$root/target/s3-bench/r$records-s$seed
if [[ ! -f $out/truth.json ]]; then
    echo "run.sh: generating $records records into $out" >&2
    rm -rf "$out"
    "$bin" generate --out "$out" --records "$records" --seed "$seed" >&2
fi

port=$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
endpoint=http://127.0.0.1:$port
log=$(mktemp)
"$moto_server" -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
moto_pid=$!
trap 'kill $moto_pid 2>/dev/null || true; wait $moto_pid 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 600); do
    curl -fs "$endpoint/moto-api/" >/dev/null 2>&1 && break
    sleep 0.1
done
curl -fs "$endpoint/moto-api/" >/dev/null || { cat "$log" >&2; echo "run.sh: moto did not start" >&2; exit 1; }

export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1
export AWS_ENDPOINT_URL=$endpoint AWS_CONFIG_FILE=/nonexistent AWS_SHARED_CREDENTIALS_FILE=/nonexistent
echo "run.sh: uploading $(du -sh "$out/logs" | cut -f1) to $endpoint" >&2
objects=$("$python" crates/flowsieve-cli/tests/s3/moto_admin.py upload "$endpoint" bench "$out/logs" "")

now() { date +%s.%N; }
since() { awk -v a="$(now)" -v b="$1" 'BEGIN { printf "%.3f", a - b }'; }
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

records_of() { "$python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["records"])' "$1"; }

local_times=()
s3_times=()
serve_times=()
tmp=$(mktemp -d)
trap 'kill $moto_pid 2>/dev/null || true; wait $moto_pid 2>/dev/null || true; rm -rf "$log" "$tmp"' EXIT
for run in $(seq "$runs"); do
    start=$(now)
    "$bin" analyze -i "$out/inventory" "$out/logs" --format json --output "$tmp/local.json" 2>/dev/null
    local_times+=("$(since "$start")")
    start=$(now)
    "$bin" analyze -i "$out/inventory" "s3://bench/AWSLogs/" --s3-concurrency "$concurrency" \
        --format json --output "$tmp/s3.json" 2>/dev/null
    s3_times+=("$(since "$start")")
    start=$(now)
    "$python" - "$endpoint" <<'PY'
import sys, concurrent.futures, boto3
s3 = boto3.client("s3", endpoint_url=sys.argv[1])
keys = [o["Key"] for p in s3.get_paginator("list_objects_v2").paginate(Bucket="bench") for o in p.get("Contents", [])]
def get(key):
    body = s3.get_object(Bucket="bench", Key=key)["Body"]
    while body.read(1 << 20):
        pass
with concurrent.futures.ThreadPoolExecutor(8) as pool:
    list(pool.map(get, keys))
PY
    serve_times+=("$(since "$start")")
    [[ $(records_of "$tmp/local.json") == $(records_of "$tmp/s3.json") ]] ||
        { echo "run.sh: the S3 and local reports differ in records" >&2; exit 1; }
    echo "run.sh: run $run: local ${local_times[-1]} s, s3 ${s3_times[-1]} s, serve-only ${serve_times[-1]} s" >&2
done

local_median=$(printf '%s\n' "${local_times[@]}" | median)
s3_median=$(printf '%s\n' "${s3_times[@]}" | median)
serve_median=$(printf '%s\n' "${serve_times[@]}" | median)
ratio=$(awk -v a="$s3_median" -v b="$local_median" 'BEGIN { printf "%.2f", a / b }')
bytes=$(du -sb "$out/logs" | cut -f1)
echo "* Machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "* Archive: $records records (seed $seed), $objects objects, $((bytes / 1000000)) MB of gzip; $(records_of "$tmp/s3.json") OK records analysed"
echo "* Command: \`benches/s3/run.sh --records $records --seed $seed --runs $runs --concurrency $concurrency\`"
echo
echo "| run | median wall time (s) | runs (s) |"
echo "|---|---|---|"
echo "| \`flowsieve analyze … target/s3-bench/…/logs\` (local disk) | $local_median | ${local_times[*]} |"
echo "| \`flowsieve analyze … s3://bench/AWSLogs/ --s3-concurrency $concurrency\` (moto on loopback) | $s3_median | ${s3_times[*]} |"
echo "| moto serving alone (8 boto3 clients, bodies discarded) | $serve_median | ${serve_times[*]} |"
echo
echo "S3 / local: **${ratio}×**"
