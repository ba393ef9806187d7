#!/usr/bin/env bash
# Creates the Python environment the interop tests and benchmarks use (pyarrow, DuckDB, Polars from
# PyPI, pinned below) and prints the path of its python.
#
#   python=$(scripts/python-env.sh)      # creates target/pyenv the first time, then ~50 ms
#
# Idempotent and safe to run concurrently (a lock serialises creation): the venv is reused while
# its stamp file lists exactly the pinned requirements, and rebuilt when the pins change. Progress
# and pip's output go to stderr; stdout carries only the python path, so callers can capture it.
#
# Environment: PYTHON (the interpreter to build the venv from, default python3), FLOWSIEVE_PYENV
# (the venv directory, default <repo>/target/pyenv). Needs network access to PyPI on first use;
# fails with a message saying so otherwise.
set -euo pipefail

# The pins: wheels exist for CPython 3.10-3.13 on x86_64 and aarch64 Linux and macOS.
REQUIREMENTS=(
    "pyarrow==26.0.1"
    "duckdb==2.0.1"
    "polars==2.1.0"
)

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${FLOWSIEVE_PYENV:-$root/target/pyenv}
python=${PYTHON:-python3}
stamp=$venv/flowsieve-requirements.txt
wanted=$(printf '%s\n' "${REQUIREMENTS[@]}")

ready() {
    [[ -x $venv/bin/python && -f $stamp && "$(cat "$stamp")" == "$wanted" ]]
}

if ready; then
    echo "$venv/bin/python"
    exit 0
fi

mkdir -p "$(dirname "$venv")"
lock=$venv.lock
if command -v flock >/dev/null 2>&1; then
    exec 9>"$lock"
    flock 9
fi
# Another process may have built it while this one waited for the lock.
if ready; then
    echo "$venv/bin/python"
    exit 0
fi

fail() {
    echo "python-env.sh: $*" >&2
    exit 1
}

command -v "$python" >/dev/null 2>&1 ||
    fail "no '$python' on PATH: install Python 3.10 or later (or set PYTHON)"
echo "python-env.sh: creating $venv with ${REQUIREMENTS[*]}" >&2
rm -rf "$venv"
"$python" -m venv "$venv" >&2 ||
    fail "'$python -m venv' failed: install the venv module (Debian: apt-get install python3-venv)"
"$venv/bin/python" -m pip install --disable-pip-version-check --no-input --quiet \
    --only-binary :all: "${REQUIREMENTS[@]}" >&2 ||
    fail "pip could not install ${REQUIREMENTS[*]} into $venv (is PyPI reachable?)"
printf '%s\n' "$wanted" >"$stamp"
echo "$venv/bin/python"
