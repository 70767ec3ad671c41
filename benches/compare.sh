#!/usr/bin/env bash
# Reproduces the README's command-line comparison: lines per second over one NDJSON file of
# `order/get` responses (90% conforming, half of those with a sanity warning), for
# `cloudstorage-contract check` and its peers, all in one run on this machine; then the same
# check against the `Value` baselines on each class of traffic alone (see "corpus classes").
#
#   benches/compare.sh [--lines N] [--runs R] [--big GIB]
#
# --lines N   lines in the corpus (default 100000)
# --runs R    rounds; each runs every tool once, and the fastest run of a tool counts (default 5)
# --big GIB   also check a GIB-gigabyte copy of the corpus and report peak memory (default 0: skip)
#
# Every tool's output is discarded (`>/dev/null`, as hyperfine does by default), so that the rows
# time the tools and not this machine's file system: the check still writes its whole report,
# which the row "report written to a file" then writes to target/bench/out too, for the cost of
# the disk (the page-form corpus's report is 1.4 times the size of its input).
# One-thread rows run pinned to one core (`taskset -c 0`) where taskset exists. The peers that
# cannot be installed (no Node.js, no network to the registries) are skipped, with the reason.
# The Node.js and Python peers are installed under target/bench/, never system-wide.
set -euo pipefail
cd "$(dirname "$0")/.."

lines=100000
runs=5
big=0
while [ $# -gt 0 ]; do
    case "$1" in
        --lines) lines=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --big) big=$2; shift 2 ;;
        *) echo "usage: benches/compare.sh [--lines N] [--runs R] [--big GIB]" >&2; exit 2 ;;
    esac
done

work=target/bench
# shellcheck source=benches/corpus.sh
. benches/corpus.sh

# Peers: install what can be installed, skip the rest.
skipped=()
node_dir="$work/node"
if command -v node >/dev/null && command -v npm >/dev/null; then
    if [ ! -d "$node_dir/node_modules/ajv" ]; then
        mkdir -p "$node_dir"
        cp benches/peers/package.json "$node_dir/"
        npm install --silent --no-audit --no-fund --prefix "$node_dir" >/dev/null 2>&1 ||
            skipped+=("ajv: npm install failed")
    fi
    cp benches/peers/ajv.mjs "$node_dir/"
else
    skipped+=("ajv: no node/npm")
fi
venv="$work/venv"
if command -v python3 >/dev/null; then
    if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import jsonschema, fastjsonschema' 2>/dev/null; then
        python3 -m venv "$venv" &&
            "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
                -r benches/peers/requirements.txt >/dev/null 2>&1 ||
            skipped+=("python: pip install failed")
    fi
else
    skipped+=("python: no python3")
fi

# The tools, as shell functions; each runs once, its output discarded.
names=()
tool() { # name, then the command
    local i=${#names[@]}
    names+=("$1")
    shift
    eval "run_$i() { $(printf '%q ' "$@") >/dev/null 2>&1 || true; }"
}

tool "cloudstorage-contract check, 1 thread" \
    "${pin[@]}" "$cli" check --jobs 1 --ndjson --format json "$corpus"
names+=("cloudstorage-contract check, 1 thread, report written to a file")
# Its report is written back to the disk after the run (untimed, see the rounds below), so that
# the writeback does not slow the row after it.
file_row=$((${#names[@]} - 1))
eval "run_$file_row() {
    ${pin[*]:-} \"\$cli\" check --jobs 1 --ndjson --format json \"\$corpus\" >\"\$work/out\" 2>/dev/null || true
}"
tool "cloudstorage-contract check, 2 threads" \
    "$cli" check --jobs 2 --ndjson --format json "$corpus"
# What two cores of this machine give at best, in the same rounds: two one-thread checks, each
# of half the corpus, as separate processes pinned to one core each, sharing nothing. A shared
# machine's second core is often worth less than a whole one; this row says how much.
half=$(( (count + 1) / 2 ))
head -n "$half" "$corpus" >"$work/half-1.ndjson"
tail -n +"$((half + 1))" "$corpus" >"$work/half-2.ndjson"
if [ ${#pin[@]} -gt 0 ]; then
    names+=("ceiling: 2 one-thread checks of half the corpus each, one per core")
    eval "run_$((${#names[@]} - 1))() {
        taskset -c 0 \"\$cli\" check --jobs 1 --ndjson --format json \"\$work/half-1.ndjson\" >/dev/null 2>&1 &
        taskset -c 1 \"\$cli\" check --jobs 1 --ndjson --format json \"\$work/half-2.ndjson\" >/dev/null 2>&1 || true
        wait || true
    }"
else
    skipped+=("ceiling: no taskset to pin a process to a core")
fi
tool "serde_json into Value alone" "${pin[@]}" "$baseline" value "$corpus"
tool "serde_json Value + jsonschema is_valid" "${pin[@]}" "$baseline" schema "$corpus"
tool "serde_json typed into structs" "${pin[@]}" "$baseline" typed "$corpus"
if [ -d "$node_dir/node_modules/ajv" ]; then
    tool "ajv 8 on Node $(node --version) (JSON.parse + validate)" \
        "${pin[@]}" node "$node_dir/ajv.mjs" "$schema" "$corpus"
fi
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import jsonschema, fastjsonschema' 2>/dev/null; then
    py=$("$venv/bin/python" -c 'import platform; print(platform.python_version())')
    tool "Python $py jsonschema (json.loads + is_valid)" \
        "${pin[@]}" "$venv/bin/python" benches/peers/python_peers.py jsonschema "$schema" "$corpus"
    tool "Python $py fastjsonschema" \
        "${pin[@]}" "$venv/bin/python" benches/peers/python_peers.py fastjsonschema "$schema" "$corpus"
fi

# Round robin: every tool once per round, so that a slow spell of this shared machine hits
# them all alike. Rates come from each tool's fastest run; ratios are the median, over the
# rounds, of the tool's time over the one-thread check's time in the same round.
#
# The rows that use both cores (two threads, the ceiling) are timed in rounds of their own,
# with the one-thread check as their reference, each timed run right after an untimed one of
# the same tool. Among the peers, a virtual machine's second core comes back slowly: after the
# peers' large processes, or after two idle seconds, a two-thread check took 1.5 to 2.5 times
# as long as one right after another, while the rows pinned to the first core did not change.
two_cores=(2)
if [ ${#pin[@]} -gt 0 ]; then two_cores+=(3); fi
best=()
times=()
time_row() { # the row's index: runs it once, timed, and records the time
    local start t
    start=$(date +%s%N)
    "run_$1"
    t=$(( $(date +%s%N) - start ))
    times[$1]="${times[$1]:-} $t"
    if [ -z "${best[$1]:-}" ] || [ "$t" -lt "${best[$1]}" ]; then best[$1]=$t; fi
}
for _ in $(seq "$runs"); do
    for i in "${!names[@]}"; do
        if [[ " ${two_cores[*]} " == *" $i "* ]]; then continue; fi
        time_row "$i"
        if [ "$i" = "$file_row" ]; then sync; fi
    done
done
# The two-core rounds: twice as many, for they are short and the noisiest.
one_thread=${times[0]}
times[0]=""
for _ in $(seq $((2 * runs))); do
    for i in 0 "${two_cores[@]}"; do
        "run_$i"
        time_row "$i"
    done
done
two_core_reference=${times[0]}
times[0]=$one_thread
median_ratio() { # the times of a tool, the times of the reference, round by round
    paste <(tr ' ' '\n' <<<"$1" | grep .) <(tr ' ' '\n' <<<"$2" | grep .) |
        awk '{ print $1 / $2 }' | sort -g |
        awk '{ r[NR] = $1 } END { m = (NR % 2) ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2; printf "%.2f", m }'
}

echo "corpus: $count lines, $bytes bytes ($corpus); $runs rounds; one-thread rows pinned: ${pin[*]:-no}"
echo
echo "| tool | lines/s (fastest run) | time vs check, 1 thread (median of rounds) |"
echo "|---|---:|---:|"
for i in "${!names[@]}"; do
    rate=$(awk -v n="$count" -v t="${best[$i]}" 'BEGIN { printf "%.0f", n / (t / 1e9) }')
    reference=${times[0]}
    if [[ " ${two_cores[*]} " == *" $i "* ]]; then reference=$two_core_reference; fi
    echo "| ${names[$i]} | $rate | $(median_ratio "${times[$i]}" "$reference")× |"
done
for s in "${skipped[@]+"${skipped[@]}"}"; do echo "skipped: $s"; done
echo
echo "two threads: $(median_ratio "$two_core_reference" "${times[2]}")× the one-thread rate (median of $((2 * runs)) two-core rounds)"
if [ ${#pin[@]} -gt 0 ]; then
    echo "ceiling, two processes sharing nothing: $(median_ratio "$two_core_reference" "${times[3]}")×"
fi

# Corpus classes: the one-thread check against the `Value` baselines on each class alone, in
# rounds of their own. What each corpus holds is counted from the check's own summary.
echo
echo "corpus classes: check --jobs 1 --format json, rate relative to each baseline (median of rounds)"
echo
echo "| corpus | findings per line | check lines/s | vs Value parse | vs Value + is_valid |"
echo "|---|---:|---:|---:|---:|"
for class in responses mixed-page-form page-form errors clean; do
    file="$work/$class-$lines.ndjson"
    summary=$("$cli" check --jobs 1 --ndjson --format json "$file" 2>/dev/null | tail -n 1 || true)
    per_line=$(awk -v s="$summary" 'BEGIN {
        n = split(s, parts, /[,{}:"]+/); for (i = 1; i < n; i++) v[parts[i]] = parts[i + 1];
        printf "%.2f (%d errors, %d warnings)", (v["errors"] + v["warnings"]) / v["payloads"], v["errors"], v["warnings"] }')
    t_check="" t_value="" t_schema="" best_check=""
    for _ in $(seq "$runs"); do
        for which in check value schema; do
            start=$(date +%s%N)
            case $which in
                check) "${pin[@]}" "$cli" check --jobs 1 --ndjson --format json "$file" >/dev/null 2>&1 || true ;;
                value) "${pin[@]}" "$baseline" value "$file" >/dev/null 2>&1 || true ;;
                schema) "${pin[@]}" "$baseline" schema "$file" >/dev/null 2>&1 || true ;;
            esac
            t=$(( $(date +%s%N) - start ))
            case $which in
                check) t_check="$t_check $t"; if [ -z "$best_check" ] || [ "$t" -lt "$best_check" ]; then best_check=$t; fi ;;
                value) t_value="$t_value $t" ;;
                schema) t_schema="$t_schema $t" ;;
            esac
        done
    done
    rate=$(awk -v n="$lines" -v t="$best_check" 'BEGIN { printf "%.0f", n / (t / 1e9) }')
    label=$class
    case $class in
        responses) label="mixed (the table above)" ;;
        mixed-page-form) label="page form in mixed traffic" ;;
    esac
    echo "| $label | $per_line | $rate | $(median_ratio "$t_value" "$t_check")× | $(median_ratio "$t_schema" "$t_check")× |"
done

if [ "$big" != 0 ]; then
    target_bytes=$((big * 1024 * 1024 * 1024))
    bigfile="$work/responses-${big}g.ndjson"
    if [ ! -s "$bigfile" ] || [ "$(wc -c <"$bigfile")" -lt "$target_bytes" ]; then
        : >"$bigfile"
        while [ "$(wc -c <"$bigfile")" -lt "$target_bytes" ]; do cat "$corpus" >>"$bigfile"; done
    fi
    echo
    for jobs in 1 2; do
        if [ -x /usr/bin/time ]; then
            /usr/bin/time -f "%M" -o "$work/rss" "$cli" check --jobs "$jobs" --ndjson --format json "$bigfile" >/dev/null || true
            # time(1) writes "Command exited with non-zero status 1" first when some line violates.
            echo "$(wc -c <"$bigfile") bytes, --jobs $jobs: peak RSS $(( $(tail -n 1 "$work/rss") / 1024 )) MiB"
        else
            echo "skipped: peak memory (no /usr/bin/time)"
        fi
    done
fi
