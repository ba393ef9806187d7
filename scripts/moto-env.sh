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
# shellcheck source=scripts/pinned-venv.sh
source "$root/scripts/pinned-venv.sh"
pinned_venv moto-env.sh "${FLOWSIEVE_MOTO_ENV:-$root/target/moto-env}" bin/moto_server 3.9 -- "${REQUIREMENTS[@]}"
