#!/usr/bin/env bash
# Creates the Python environment the interop tests, the Python package's tests and the benchmarks
# use (pyarrow, DuckDB, Polars, pandas, PySpark, pytest, maturin and moto's S3 server from PyPI,
# pinned below) and prints the path of its python. PySpark also needs a Java runtime (17 or
# later), which scripts/java-env.sh provides.
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

# The pins: wheels exist for CPython 3.10-3.13 on x86_64 and aarch64 Linux and macOS (PySpark is a
# pure-Python source distribution, installed from it).
REQUIREMENTS=(
    "pyarrow==26.0.1"
    "duckdb==2.0.1"
    "polars==2.1.0"
    "pandas==3.1.1"
    "pyspark==4.1.1"
    "pytest==9.2.0"
    "maturin==1.16.0"
    "moto[server,s3]==5.2.5"
)

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/pinned-venv.sh
source "$root/scripts/pinned-venv.sh"
pinned_venv python-env.sh "${FLOWSIEVE_PYENV:-$root/target/pyenv}" bin/python 3.10 --prefer-binary -- "${REQUIREMENTS[@]}"
