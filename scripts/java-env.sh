#!/usr/bin/env bash
# Makes sure a Java runtime of version 17 or later is on PATH (PySpark 4 needs one) and prints
# its JAVA_HOME. Uses the one found (JAVA_HOME, else `java` on PATH); otherwise installs Debian's
# openjdk-17-jre-headless with apt-get (as root, or through sudo). Fails (exit 1) with a message
# saying what to install when neither works.
#
#   export JAVA_HOME=$(scripts/java-env.sh)
set -euo pipefail

version_of() {
    # `java -version` prints `openjdk version "17.0.15" …` (or `"1.8.0_…"` for Java 8) on stderr.
    "$1" -version 2>&1 | sed -n 's/.* version "\([0-9]*\).*/\1/p' | head -n1
}

home_of() {
    local java
    java=$(readlink -f "$1")
    dirname "$(dirname "$java")"
}

usable() {
    local java=$1 version
    [[ -x $java ]] || return 1
    version=$(version_of "$java")
    [[ -n $version && $version -ge 17 ]]
}

for candidate in "${JAVA_HOME:+$JAVA_HOME/bin/java}" "$(command -v java || true)"; do
    if [[ -n $candidate ]] && usable "$candidate"; then
        home_of "$candidate"
        exit 0
    fi
done

echo "java-env.sh: no Java 17 or later found; installing openjdk-17-jre-headless" >&2
if [[ $(id -u) -eq 0 ]]; then
    sudo=()
elif command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
else
    echo "java-env.sh: install a Java runtime (17 or later), e.g. apt-get install openjdk-17-jre-headless" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq >&2
"${sudo[@]}" apt-get install -y -qq openjdk-17-jre-headless >&2
java=$(command -v java || true)
if [[ -z $java ]] || ! usable "$java"; then
    echo "java-env.sh: openjdk-17-jre-headless did not give a usable java" >&2
    exit 1
fi
home_of "$java"
