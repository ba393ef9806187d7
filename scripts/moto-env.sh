#!/usr/bin/env bash
# Creates the Python environment of the S3 tests and benchmark — moto's server mode, an
# S3-compatible server on loopback, from PyPI, pinned below — and prints the path of its
# `moto_server` executable.
#
#   moto_server=$(scripts/moto-env.sh)   # creates target/moto-env the first time, then ~50 ms
#
# Idempotent and safe to run concurrently (a lock serialises creation): the venv is reused while
# its stamp file lists exactly the pinned requirements, and rebuilt when the pins change. Progress
# and pip's output go to stderr; stdout carries only the path, so callers can capture it. The
# same venv's python has boto3 (a moto dependency), which the tests use to set up IAM users.
#
# Environment: PYTHON (the interpreter to build the venv from, default python3), FLOWSIEVE_MOTO_ENV
# (the venv directory, default <repo>/target/moto-env). Needs network access to PyPI on first use;
# fails (exit 1) with a message saying so otherwise — the S3 tests then fail, they never skip.
set -euo pipefail

# The pins: moto's server extra pulls flask, werkzeug and boto3; all are pure-Python or have
# wheels for CPython 3.9-3.13.
REQUIREMENTS=(
    "moto[server,s3,iam]==5.2.5"
)

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${FLOWSIEVE_MOTO_ENV:-$root/target/moto-env}
python=${PYTHON:-python3}
stamp=$venv/flowsieve-requirements.txt
wanted=$(printf '%s\n' "${REQUIREMENTS[@]}")

ready() {
    [[ -x $venv/bin/moto_server && -f $stamp && "$(cat "$stamp")" == "$wanted" ]]
}

if ready; then
    echo "$venv/bin/moto_server"
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
    echo "$venv/bin/moto_server"
    exit 0
fi

fail() {
    echo "moto-env.sh: $*" >&2
    exit 1
}

command -v "$python" >/dev/null 2>&1 ||
    fail "no '$python' on PATH: install Python 3.9 or later (or set PYTHON)"
echo "moto-env.sh: creating $venv with ${REQUIREMENTS[*]}" >&2
rm -rf "$venv"
"$python" -m venv "$venv" >&2 ||
    fail "'$python -m venv' failed: install the venv module (Debian: apt-get install python3-venv)"
"$venv/bin/python" -m pip install --disable-pip-version-check --no-input --quiet \
    "${REQUIREMENTS[@]}" >&2 ||
    fail "pip could not install ${REQUIREMENTS[*]} into $venv (is PyPI reachable?)"
[[ -x $venv/bin/moto_server ]] || fail "moto_server is missing from $venv after installing"
printf '%s\n' "$wanted" >"$stamp"
echo "$venv/bin/moto_server"
