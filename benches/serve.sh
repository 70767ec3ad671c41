#!/usr/bin/env bash
# Reproduces the README's `mock` and `proxy` figures: requests per second and p99 latency under
# the same load, in one run on this machine, each ratio from targets measured in turn within the
# same rounds (medians over the rounds).
#
#   benches/serve.sh [--seconds S] [--rounds R] [--connections C]
#
# Rows:
# - `proxy --mode enforce` in front of `mock`, against the same load sent to `mock` directly,
#   and the same proxy recording every exchange to gzipped NDJSON;
# - `proxy` (observe, the mode comparable to Prism's: pass through, report in a header) against
#   `prism proxy` on schemas/openapi.json, both in front of `mock`;
# - `mock` against `prism mock` on the same document.
# The load generator is `cli/examples/load.rs` (keep-alive connections on one thread). Prism is
# installed under target/bench/prism from the npm registry, never system-wide; without npm its
# rows are skipped, with the reason. Every server listens on 127.0.0.1 and is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=5
rounds=5
connections=16
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) seconds=$2; shift 2 ;;
        --rounds) rounds=$2; shift 2 ;;
        --connections) connections=$2; shift 2 ;;
        *) echo "usage: benches/serve.sh [--seconds S] [--rounds R] [--connections C]" >&2; exit 2 ;;
    esac
done

work=target/bench
mkdir -p "$work"
cargo build --quiet --release -p cloudstorage-contract-cli --bin cloudstorage-contract --example load
cli=target/release/cloudstorage-contract
load=target/release/examples/load

pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT

# Starts a server whose first stdout line is `listening on URL`; sets $url.
start() {
    local out="$work/serve-$1.out"
    shift
    "$@" >"$out" 2>/dev/null &
    pids+=($!)
    for _ in $(seq 100); do
        url=$(sed -n 's/^listening on //p' "$out" | head -1)
        [ -n "$url" ] && return 0
        sleep 0.05
    done
    echo "error: $1 did not start" >&2
    exit 1
}

# Starts Prism (`prism mock|proxy ...`) on a free port and waits until it answers; sets $url.
start_prism() {
    local port
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    "$prism" "$@" --host 127.0.0.1 --port "$port" --errors false >"$work/serve-prism-$1.out" 2>&1 &
    pids+=($!)
    url="http://127.0.0.1:$port"
    for _ in $(seq 300); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    echo "error: prism $1 did not start" >&2
    exit 1
}

start mock "$cli" mock --listen 127.0.0.1:0 --no-config --log /dev/null
mock=$url
start enforce "$cli" proxy "$mock" --mode enforce --listen 127.0.0.1:0 --no-config --log /dev/null
enforce=$url
start observe "$cli" proxy "$mock" --mode observe --listen 127.0.0.1:0 --no-config --log /dev/null
observe=$url
start recording "$cli" proxy "$mock" --mode enforce --listen 127.0.0.1:0 --no-config --log /dev/null \
    --record "$work/serve-recording.ndjson.gz"
recording=$url

skipped=()
prism=""
if command -v npm >/dev/null && command -v node >/dev/null; then
    prism_dir="$work/prism"
    if [ ! -x "$prism_dir/node_modules/.bin/prism" ]; then
        mkdir -p "$prism_dir"
        npm install --silent --no-audit --no-fund --prefix "$prism_dir" @stoplight/prism-cli@5 >/dev/null 2>&1 ||
            skipped+=("prism: npm install failed")
    fi
    [ -x "$prism_dir/node_modules/.bin/prism" ] && prism="$prism_dir/node_modules/.bin/prism"
else
    skipped+=("prism: no node/npm")
fi
if [ -n "$prism" ]; then
    start_prism mock schemas/openapi.json
    prism_mock=$url
    start_prism proxy schemas/openapi.json "$mock"
    prism_proxy=$url
fi

# One measurement: `name url` -> appends "rps p99" to $work/serve-NAME.runs.
measure() {
    "$load" "$2" "$connections" "$seconds" |
        python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["rps"], r["p99_ms"], r["errors"], ",".join(f"{k}:{v}" for k, v in r["statuses"].items()))' \
            >>"$work/serve-$1.runs"
}

targets=(direct enforce recording observe)
[ -n "$prism" ] && targets+=(prism-proxy prism-mock)
for t in "${targets[@]}"; do : >"$work/serve-$t.runs"; done
for round in $(seq "$rounds"); do
    echo "round $round/$rounds" >&2
    measure direct "$mock"
    measure enforce "$enforce"
    measure recording "$recording"
    measure observe "$observe"
    if [ -n "$prism" ]; then
        measure prism-proxy "$prism_proxy"
        measure prism-mock "$prism_mock"
    fi
done

python3 - "$work" "$rounds" "$connections" "$seconds" "${targets[@]}" <<'PY'
import statistics, sys
work, rounds, connections, seconds, *targets = sys.argv[1:]
runs = {}
for t in targets:
    rows = [line.split() for line in open(f"{work}/serve-{t}.runs")]
    runs[t] = {
        "rps": statistics.median(float(r[0]) for r in rows),
        "p99": statistics.median(float(r[1]) for r in rows),
        "errors": sum(int(r[2]) for r in rows),
        "statuses": rows[-1][3] if len(rows[-1]) > 3 else "",
    }
print(f"{connections} connections, {seconds} s per run, medians of {rounds} rounds")
print(f"{'target':<34} {'requests/s':>11} {'p99 ms':>8} {'errors':>7}  statuses (last run)")
names = {
    "direct": "mock, directly",
    "enforce": "proxy --mode enforce -> mock",
    "recording": "  the same, --record x.ndjson.gz",
    "observe": "proxy (observe) -> mock",
    "prism-proxy": "prism proxy -> mock",
    "prism-mock": "prism mock",
}
for t in targets:
    r = runs[t]
    print(f"{names[t]:<34} {r['rps']:>11.0f} {r['p99']:>8.2f} {r['errors']:>7}  {r['statuses']}")
def ratio(a, b, label):
    if a in runs and b in runs:
        print(f"{label:<50} {runs[a]['rps'] / runs[b]['rps']:.2f}x")
print()
ratio("enforce", "direct", "proxy --mode enforce vs direct to the upstream")
ratio("recording", "direct", "  the same, recording, vs direct")
ratio("observe", "prism-proxy", "proxy vs prism proxy")
ratio("direct", "prism-mock", "mock vs prism mock")
PY
for reason in "${skipped[@]}"; do echo "skipped: $reason"; done
