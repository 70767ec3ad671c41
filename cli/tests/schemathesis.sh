#!/usr/bin/env bash
# Schemathesis against `cloudstorage-contract mock`, from the committed OpenAPI document.
#
# Installs the pinned Schemathesis (`schemathesis-requirements.txt`) into a virtual environment
# under `target/`, builds the command line, starts `mock` on a port of 127.0.0.1 the system
# picks, and runs every check Schemathesis has against it: the examples phase (the document's
# own examples, when it has them), the coverage phase (boundary and type-breaking values for
# each member of the request) and the fuzzing phase. Any failure or error fails the script.
# The mock is stopped on every way out, and the whole run is bounded in examples and in time.
#
#   cli/tests/schemathesis.sh              # from anywhere in the repository
#   SCHEMATHESIS_SEED=7 cli/tests/schemathesis.sh   # another seed (the default is fixed)
#   CLOUDSTORAGE_CONTRACT_BIN=path/to/binary cli/tests/schemathesis.sh   # skip the build
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

target=$(realpath -m "${CARGO_TARGET_DIR:-$root/target}")
work=$target/schemathesis
venv=$target/schemathesis-venv
# A fixed seed: the same cases on every run, so that CI fails for a change, not for luck.
# Schemathesis prints the seed it used; another one explores further.
seed=${SCHEMATHESIS_SEED:-20260101}
# Cases per phase and operation, and the wall-clock bound on Schemathesis as a whole.
max_examples=${SCHEMATHESIS_MAX_EXAMPLES:-1000}
time_limit=${SCHEMATHESIS_TIMEOUT:-180}

mock_pid=
st_pid=
stop() {
    # Schemathesis first (through `timeout`, which passes the signal on), then the mock.
    if [[ -n $st_pid ]]; then
        kill -TERM "$st_pid" 2>/dev/null || true
        wait "$st_pid" 2>/dev/null || true
        st_pid=
    fi
    stop_mock
}
stop_mock() {
    if [[ -n $mock_pid ]] && kill -0 "$mock_pid" 2>/dev/null; then
        kill -TERM "$mock_pid" 2>/dev/null || true
        # `mock` finishes the calls in flight and exits; give it a bounded moment.
        for _ in $(seq 50); do
            kill -0 "$mock_pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$mock_pid" 2>/dev/null || true
        wait "$mock_pid" 2>/dev/null || true
    fi
    mock_pid=
}
# Bash runs a trap only between commands, so Schemathesis runs in the background and is waited
# for: a signal stops the script, and what it started, at once.
trap stop EXIT
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM

python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    -r cli/tests/schemathesis-requirements.txt

if [[ -n ${CLOUDSTORAGE_CONTRACT_BIN:-} ]]; then
    bin=$(realpath "$CLOUDSTORAGE_CONTRACT_BIN")
else
    # The features `cargo test --all-features` uses, so that after it nothing is rebuilt.
    cargo build --quiet --all-features --bin cloudstorage-contract
    bin=$target/debug/cloudstorage-contract
fi

rm -rf "$work"
mkdir -p "$work"
# The mock's log (one JSON line per call) goes to a file, shown when the run fails.
"$bin" mock --listen 127.0.0.1:0 --no-config --log "$work/mock.ndjson" \
    >"$work/mock.stdout" 2>"$work/mock.stderr" </dev/null &
mock_pid=$!

# The first line on stdout is `listening on http://ADDR`; wait for it, 10 s at most.
url=
for _ in $(seq 100); do
    line=$(head -n 1 "$work/mock.stdout" 2>/dev/null || true)
    if [[ $line == "listening on http://"* ]]; then
        url=${line#listening on }
        break
    fi
    if ! kill -0 "$mock_pid" 2>/dev/null; then
        break
    fi
    sleep 0.1
done
if [[ -z $url ]]; then
    echo "error: the mock did not start" >&2
    cat "$work/mock.stderr" >&2
    exit 1
fi
echo "schemathesis: mock at $url (log: $work/mock.ndjson)" >&2

# Every check applies; none is excluded:
# - the document has no `servers`, so `--url` is the base and the one path is appended to it;
# - the mock answers 400, 413 and 415 in the documented envelope, which the document lists;
# - `unsupported_method` and `allow_header_conformance` expect 405 with `Allow: POST`, which the
#   mock answers for every other method;
# - the auth checks (`ignored_auth`, ...) have no security scheme to try, and the stateful ones
#   (`use_after_free`, ...) no links: they pass vacuously.
# Schemathesis runs in the work folder, so that its caches stay under `target/`; the example
# database is off, so that a run depends on the seed alone.
status=0
(
    cd "$work"
    exec timeout --kill-after=10 "$time_limit" "$venv/bin/st" run "$root/schemas/openapi.json" \
        --url "$url" \
        --checks all \
        --max-examples "$max_examples" \
        --seed "$seed" \
        --workers 2 \
        --request-timeout 10 \
        --generation-database none \
        --report junit --report-dir "$work/report" \
        --no-color
) &
st_pid=$!
wait "$st_pid" || status=$?
st_pid=

if ! kill -0 "$mock_pid" 2>/dev/null; then
    # A mock that went away is a failure whatever Schemathesis said; `wait` gives its status.
    mock_status=0
    wait "$mock_pid" || mock_status=$?
    mock_pid=
    echo "error: the mock exited (status $mock_status) during the run" >&2
    tail -n 20 "$work/mock.stderr" >&2
    exit 1
fi
if [[ $status -ne 0 ]]; then
    if [[ $status -eq 124 ]]; then
        echo "error: Schemathesis did not finish within ${time_limit}s" >&2
    fi
    echo "error: Schemathesis failed (status $status); the mock's last calls:" >&2
    tail -n 5 "$work/mock.ndjson" | cut -c 1-2000 >&2
    exit 1
fi
