#!/usr/bin/env bash
# The Python package's tests: builds the `flowsieve` wheel with maturin (the dev profile by
# default: these tests read small archives, and the dependencies are then those `cargo test`
# already built), installs it into the test environment (scripts/python-env.sh: pyarrow,
# Polars, DuckDB, pandas, PySpark, pytest, moto), finds a Java runtime for Spark
# (scripts/java-env.sh) and runs pytest on crates/flowsieve-py/tests against the CLI built from
# the same tree (the reference its reports must equal).
#
#   scripts/python-tests.sh               # all of them
#   scripts/python-tests.sh -k spark -x   # pytest arguments pass through
#
# Environment: FLOWSIEVE_WHEEL_PROFILE (cargo profile of the wheel, default dev; `release` for
# a wheel to ship), CARGO_TARGET_DIR as cargo reads it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

python=$(scripts/python-env.sh)
venv=$(dirname "$(dirname "$python")")
JAVA_HOME=$(scripts/java-env.sh)
export JAVA_HOME

target=${CARGO_TARGET_DIR:-$root/target}
profile=${FLOWSIEVE_WHEEL_PROFILE:-dev}
# The workspace's binaries, not `-p flowsieve-cli` alone: built with the workspace's features,
# they reuse what `cargo test --workspace` compiled (as the wheel does, crates/flowsieve-py's
# Cargo.toml says how).
cargo build --quiet --workspace --bins
export FLOWSIEVE_BIN=$target/debug/flowsieve

wheels=$target/wheels
rm -rf "$wheels"
"$venv/bin/maturin" build --quiet -m crates/flowsieve-py/Cargo.toml --profile "$profile" \
    -i "$python" -o "$wheels" >&2
"$python" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps \
    "$wheels"/flowsieve-*.whl

cd crates/flowsieve-py/tests
exec "$python" -m pytest -q -p no:cacheprovider "$@"
