#!/usr/bin/env bash
# The traffic profile's cost, all rows in one run on this machine, over the mixed corpus of
# benches/compare.sh (90% conforming responses, half of those warned, 10% near misses) and the
# same corpus in the page's form (`10:00:0` in every local time):
#
#   benches/profile.sh [--lines N] [--runs R]
#
# - `check --output profile=PATH` against the same check without it (target ≤ 1.10× the time);
# - `profile --format json` against a serde_json `Value` parse of the same file (target ≥ 1.2×
#   the speed), on one thread pinned to the first core;
# - `profile` on two threads against one (target ≥ 1.6× the speed).
#
# Round robin: every row once per round, so that a slow spell of this shared machine hits them
# all alike; a ratio is the median over the rounds of the two rows' times in the same round.
# Outputs are discarded, as in benches/compare.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

lines=100000
runs=7
while [ $# -gt 0 ]; do
    case "$1" in
        --lines) lines=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        *) echo "usage: benches/profile.sh [--lines N] [--runs R]" >&2; exit 2 ;;
    esac
done

work=target/bench
# shellcheck source=benches/corpus.sh
. benches/corpus.sh
saved="$work/profile.json"

median_ratio() { # the times of a row, the times of the reference, round by round
    paste <(tr ' ' '\n' <<<"$1" | grep .) <(tr ' ' '\n' <<<"$2" | grep .) |
        awk '{ print $1 / $2 }' | sort -g |
        awk '{ r[NR] = $1 } END { m = (NR % 2) ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2; printf "%.2f", m }'
}

rows=(check check-profile profile value profile-2)
echo "| corpus | check --output profile vs check (time) | profile vs Value parse (speed) | profile, 2 threads vs 1 (speed) |"
echo "|---|---:|---:|---:|"
for class in responses mixed-page-form; do
    file="$work/$class-$lines.ndjson"
    declare -A times=()
    for _ in $(seq "$runs"); do
        for row in "${rows[@]}"; do
            if [ "$row" = profile-2 ]; then
                # A two-thread run right after an untimed one: a virtual machine's second core
                # comes back slowly after an idle spell (see benches/compare.sh).
                "$cli" profile --jobs 2 --ndjson --format json "$file" >/dev/null 2>&1 || true
            fi
            start=$(date +%s%N)
            case $row in
                check) "${pin[@]}" "$cli" check --jobs 1 --ndjson --format json "$file" ;;
                check-profile) "${pin[@]}" "$cli" check --jobs 1 --ndjson --format json --output "profile=$saved" "$file" ;;
                profile) "${pin[@]}" "$cli" profile --jobs 1 --ndjson --format json "$file" ;;
                value) "${pin[@]}" "$baseline" value "$file" ;;
                profile-2) "$cli" profile --jobs 2 --ndjson --format json "$file" ;;
            esac >/dev/null 2>&1 || true
            times[$row]="${times[$row]:-} $(( $(date +%s%N) - start ))"
        done
    done
    label=$class
    case $class in
        responses) label="mixed" ;;
        mixed-page-form) label="page form in mixed traffic" ;;
    esac
    echo "| $label | $(median_ratio "${times[check-profile]}" "${times[check]}")× | $(median_ratio "${times[value]}" "${times[profile]}")× | $(median_ratio "${times[profile]}" "${times[profile-2]}")× |"
    unset times
done
echo
echo "$count lines per corpus, $runs rounds; one-thread rows pinned: ${pin[*]:-no}"
