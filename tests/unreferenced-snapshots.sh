#!/usr/bin/env bash
# Lists the files in snapshots/ that no test asserted, given the file in which insta recorded
# every snapshot the tests asserted (INSTA_SNAPSHOT_REFERENCES_FILE), and fails if there are any.
# With --delete, removes them instead. Run by .ci/run after the tests; to clean up by hand:
#
#   INSTA_SNAPSHOT_REFERENCES_FILE=$PWD/target/snapshot-refs cargo test --all-features
#   tests/unreferenced-snapshots.sh target/snapshot-refs --delete
set -euo pipefail
cd "$(dirname "$0")/.."
refs=${1:?usage: tests/unreferenced-snapshots.sh REFERENCES_FILE [--delete]}
delete=${2:-}
[ -s "$refs" ] || { echo "error: no snapshot references in $refs: did the tests run?" >&2; exit 2; }
unreferenced=0
for snap in snapshots/*.snap; do
    if ! grep -qF "/$(basename "$snap")" "$refs"; then
        if [ "$delete" = --delete ]; then
            rm -- "$snap"
            echo "removed unreferenced snapshot $snap"
        else
            echo "error: unreferenced snapshot $snap (no test asserts it: remove it)" >&2
            unreferenced=$((unreferenced + 1))
        fi
    fi
done
[ "$unreferenced" -eq 0 ] || exit 1
echo "every snapshot in snapshots/ is asserted by a test"
