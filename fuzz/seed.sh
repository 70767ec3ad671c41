#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ from tests/fixtures/** and examples/** (the corpus is git-ignored).
# Run from anywhere; safe to run again (existing corpus entries are kept).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
corpus="$root/fuzz/corpus"
mkdir -p "$corpus/validate" "$corpus/ndjson" "$corpus/har"

# validate: every JSON payload, every NDJSON line, and each exchange fixture as
# `request 0xFF response` (the target splits exchanges at the first 0xFF byte).
find "$root/tests/fixtures" "$root/examples" -name '*.json' ! -name '*.options.json' -print0 |
    while IFS= read -r -d '' f; do cp "$f" "$corpus/validate/$(basename "$f")"; done
find "$root/tests/fixtures" "$root/examples" \( -name '*.ndjson' -o -name '*.jsonl' \) -print0 |
    while IFS= read -r -d '' f; do
        split -l 1 -d -a 3 "$f" "$corpus/validate/$(basename "$f")-line-"
        cp "$f" "$corpus/ndjson/$(basename "$f")"
    done
if command -v python3 >/dev/null; then
    python3 - "$root" "$corpus" <<'PY'
import json, pathlib, sys
root, corpus = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
for f in list(root.glob("tests/fixtures/**/*.exchange.json")):
    both = json.loads(f.read_bytes())
    pair = json.dumps(both["request"]).encode() + b"\xff" + json.dumps(both["response"]).encode()
    (corpus / "validate" / (f.name + ".pair")).write_bytes(pair)
page = root / "examples/page"
pair = (page / "request.json").read_bytes() + b"\xff" + (page / "response-success.json").read_bytes()
(corpus / "validate" / "page.pair").write_bytes(pair)
# ndjson: the single-payload fixtures, minified, as one stream.
lines = []
for f in sorted(root.glob("tests/fixtures/valid/*.json")) + sorted(root.glob("examples/*/*.json")):
    if f.name.endswith(".options.json") or f.name.endswith(".exchange.json"):
        continue
    try:
        lines.append(json.dumps(json.loads(f.read_bytes()), ensure_ascii=False))
    except ValueError:
        pass
(corpus / "ndjson" / "fixtures.ndjson").write_text("\n".join(lines) + "\n")
# har: a small capture of the page's exchange, the response in base64, beside a preflight and an
# unrelated call.
import base64
url = "https://api.link.aliyun.com/vision/customer/cloudstorage/order/get?x=1"
call = lambda request, response: {
    "request": {"method": "POST", "url": url, "postData": {"mimeType": "application/json", "text": request}},
    "response": {"status": 200, "content": response},
}
request = (page / "request.json").read_text()
success = (page / "response-success.json").read_text()
error = (page / "response-error.json").read_text()
har = {"log": {"version": "1.2", "entries": [
    call(request, {"mimeType": "application/json", "text": success}),
    call(request, {"mimeType": "application/json", "encoding": "base64",
                   "text": base64.b64encode(error.encode()).decode()}),
    {"request": {"method": "OPTIONS", "url": url}, "response": {"status": 204, "content": {}}},
    {"request": {"method": "GET", "url": "https://a.example/app.js"}, "response": {"status": 200, "content": {"text": "x"}}},
    {"request": {"method": "POST", "url": url}, "response": {"status": 200, "content": {}}},
]}}
(corpus / "har" / "page.har").write_text(json.dumps(har, indent=1, ensure_ascii=False))
PY
fi

# har: every capture.
find "$root/tests/fixtures" "$root/examples" -name '*.har' -print0 |
    while IFS= read -r -d '' f; do cp "$f" "$corpus/har/$(basename "$f")"; done
for t in validate ndjson har; do
    echo "$t: $(find "$corpus/$t" -type f | wc -l) files"
done
