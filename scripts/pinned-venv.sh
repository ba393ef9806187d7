# Sourced by scripts/python-env.sh and scripts/moto-env.sh: the one way this project makes a
# Python virtual environment with pinned requirements from PyPI.
#
#   pinned_venv NAME VENV PRODUCT MIN_PYTHON [PIP_ARG...] -- REQUIREMENT...
#
# Prints VENV/PRODUCT (the executable the caller wants) on stdout and nothing else; progress and
# pip's output go to stderr. Idempotent and safe to run concurrently (a lock serialises
# creation): the venv is reused while its stamp file lists exactly REQUIREMENT..., and rebuilt
# when they change. Fails (exit 1) with a message naming NAME when Python, its venv module or
# PyPI is missing. PYTHON chooses the interpreter (default python3).

pinned_venv() {
    local name=$1 venv=$2 product=$3 min_python=$4
    shift 4
    local pip_args=()
    while (($#)) && [[ $1 != -- ]]; do
        pip_args+=("$1")
        shift
    done
    shift
    local requirements=("$@")
    local python=${PYTHON:-python3}
    local stamp=$venv/flowsieve-requirements.txt
    local wanted
    wanted=$(printf '%s\n' "${requirements[@]}")

    ready() {
        [[ -x $venv/$product && -f $stamp && "$(cat "$stamp")" == "$wanted" ]]
    }
    fail() {
        echo "$name: $*" >&2
        exit 1
    }

    if ready; then
        echo "$venv/$product"
        return 0
    fi
    mkdir -p "$(dirname "$venv")"
    if command -v flock >/dev/null 2>&1; then
        exec 9>"$venv.lock"
        flock 9
    fi
    # Another process may have built it while this one waited for the lock.
    if ready; then
        echo "$venv/$product"
        return 0
    fi

    command -v "$python" >/dev/null 2>&1 ||
        fail "no '$python' on PATH: install Python $min_python or later (or set PYTHON)"
    echo "$name: creating $venv with ${requirements[*]}" >&2
    rm -rf "$venv"
    "$python" -m venv "$venv" >&2 ||
        fail "'$python -m venv' failed: install the venv module (Debian: apt-get install python3-venv)"
    "$venv/bin/python" -m pip install --disable-pip-version-check --no-input --quiet \
        ${pip_args[@]+"${pip_args[@]}"} "${requirements[@]}" >&2 ||
        fail "pip could not install ${requirements[*]} into $venv (is PyPI reachable?)"
    [[ -x $venv/$product ]] || fail "$product is missing from $venv after installing"
    printf '%s\n' "$wanted" >"$stamp"
    echo "$venv/$product"
}
