#!/usr/bin/env bash
# Runs scripts/arrow_engines.py with the project's Python environment (scripts/python-env.sh,
# created on first use): the same flow-log text written as Arrow IPC by pyarrow, DuckDB and Polars.
#
#   scripts/arrow-engines.sh OUT_DIR INPUT.log...
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
python=$("$root/scripts/python-env.sh")
exec "$python" "$root/scripts/arrow_engines.py" "$@"
