# The corpora and the binaries the benchmark scripts share; sourced with `lines` and `work` set.
# Builds the command line and the `Value` baselines (release), writes the corpora under $work once
# (the same bytes on every machine: `sample` is seeded), and sets cli, baseline, schema, corpus,
# count, bytes and pin (`taskset -c 0` where it works, to pin the one-thread rows).
#
mkdir -p "$work"
cargo build --quiet --release --bin cloudstorage-contract --example baseline
cli=target/release/cloudstorage-contract
baseline=target/release/examples/baseline
schema=schemas/order-get.response.schema.json

# The corpora, the same bytes on every machine (`sample` is seeded):
# - mixed: nine conforming responses, every other one with a sanity warning
#   (`paid-while-creating`), then one near miss (one broken rule), and again;
# - mixed-page-form: the mixed corpus with every local time in the page's form (`10:00:0`);
# - page-form: every response conforming but in the page's own form, single-digit seconds in
#   both local times (`10:00:0`), two warnings each;
# - errors: every response with one error (`status` 9);
# - clean: every response conforming, no finding.
# Seconds move to the page's form in the local times and to the same instant in the UTC ones.
page_form='s/\(Time":"[0-9-]* [0-9][0-9]:[0-9][0-9]:\)[0-9]\([0-9]\)"/\1\2"/g; s/\(TimeUTC":"[0-9-]*T[0-9][0-9]:[0-9][0-9]:\)[0-9]\([0-9]\)/\10\2/g'
warned='s/"status":[0-9],"paymentStatus":[0-9]/"status":3,"paymentStatus":1/'
corpus="$work/responses-$lines.ndjson"
if [ ! -s "$corpus" ] || [ ! -s "$work/errors-$lines.ndjson" ] ||
    [ ! -s "$work/mixed-page-form-$lines.ndjson" ]; then
    invalid=$((lines / 10))
    valid=$((lines - invalid))
    "$cli" sample --kind response --count "$valid" --seed 1 >"$work/valid.ndjson"
    "$cli" sample --kind response --count "$invalid" --seed 1 --invalid >"$work/invalid.ndjson" 2>/dev/null
    awk -v warned=1 'NR == FNR { bad[FNR] = $0; next }
         { print; if (FNR % 9 == 0 && k < length(bad)) print bad[++k] }
         END { while (k < length(bad)) print bad[++k] }' "$work/invalid.ndjson" \
        <(sed "2~2 $warned" "$work/valid.ndjson") >"$corpus"
    sed "$page_form" "$corpus" >"$work/mixed-page-form-$lines.ndjson"
    "$cli" sample --kind response --count "$lines" --seed 1 >"$work/clean-$lines.ndjson"
    sed "$page_form" "$work/clean-$lines.ndjson" >"$work/page-form-$lines.ndjson"
    sed 's/"status":[0-9]/"status":9/' "$work/clean-$lines.ndjson" >"$work/errors-$lines.ndjson"
    rm "$work/valid.ndjson" "$work/invalid.ndjson"
fi
count=$(grep -c . "$corpus")
bytes=$(wc -c <"$corpus")

pin=()
if command -v taskset >/dev/null && taskset -c 0 true 2>/dev/null; then
    pin=(taskset -c 0)
fi
