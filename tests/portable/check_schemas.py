"""The committed schemas stand alone: Python's `jsonschema`, given only the files, accepts the
endpoint page's three examples and rejects type, enum, required, pattern and top-level-shape
violations.

Run from the repository root:

    python3 -m pip install -r tests/portable/requirements.txt
    python3 tests/portable/check_schemas.py

Prints one line per case and a closing `N passed, N failed` line; exits 1 on any failure.
"""

import copy
import json
import pathlib
import sys

from jsonschema import Draft202012Validator

ROOT = pathlib.Path(__file__).resolve().parents[2]


def load(path):
    return json.loads((ROOT / path).read_text(encoding="utf-8"))


def validator(name):
    schema = load(f"schemas/{name}")
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def edit(payload, path, value=None, delete=False):
    """A copy of `payload` with the member at `path` (a list of keys) replaced or removed."""
    out = copy.deepcopy(payload)
    node = out
    for key in path[:-1]:
        node = node[key]
    if delete:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return out


REQUEST = load("examples/page/request.json")
SUCCESS = load("examples/page/response-success.json")
ERROR = load("examples/page/response-error.json")
CANONICAL = edit(
    edit(SUCCESS, ["data", "startTime"], "2020-08-25 10:00:00"),
    ["data", "endTime"],
    "2020-09-25 10:00:00",
)

# (schema file, case name, payload, expected to be valid)
CASES = [
    ("order-get.request.schema.json", "page request example", REQUEST, True),
    ("order-get.response.schema.json", "page success example", SUCCESS, True),
    ("order-get.response.schema.json", "page error example", ERROR, True),
    ("order-get.request.strict.schema.json", "page request example", REQUEST, True),
    ("order-get.response.strict.schema.json", "page error example", ERROR, True),
    ("order-get.response.strict.schema.json", "canonical success", CANONICAL, True),
    # The strict variant refuses the documented quirk and unknown members.
    ("order-get.response.strict.schema.json", "single-digit seconds", SUCCESS, False),
    (
        "order-get.response.strict.schema.json",
        "unknown member",
        edit(CANONICAL, ["data", "commodityType"], "cloud"),
        False,
    ),
    # The tolerant variant accepts an unknown member (the validator warns about it).
    (
        "order-get.response.schema.json",
        "unknown member",
        edit(CANONICAL, ["data", "commodityType"], "cloud"),
        True,
    ),
    # Type violations.
    ("order-get.response.schema.json", "code as string", edit(SUCCESS, ["code"], "200"), False),
    ("order-get.response.schema.json", "copies as string", edit(SUCCESS, ["data", "copies"], "1"), False),
    ("order-get.response.schema.json", "time as epoch ms", edit(SUCCESS, ["data", "endTime"], 1602901298000), False),
    ("order-get.request.schema.json", "deviceNoOwner as string", edit(REQUEST, ["params", "deviceNoOwner"], "false"), False),
    ("order-get.request.schema.json", "params as array", edit(REQUEST, ["params"], []), False),
    # Enum and range violations.
    ("order-get.response.schema.json", "status 4", edit(SUCCESS, ["data", "status"], 4), False),
    ("order-get.response.schema.json", "paymentStatus 3", edit(SUCCESS, ["data", "paymentStatus"], 3), False),
    ("order-get.response.schema.json", "recordType 0", edit(SUCCESS, ["data", "recordType"], 0), False),
    ("order-get.response.schema.json", "orderType 2", edit(SUCCESS, ["data", "orderType"], 2), False),
    ("order-get.response.schema.json", "copies 0", edit(SUCCESS, ["data", "copies"], 0), False),
    ("order-get.response.schema.json", "preConsume -1", edit(SUCCESS, ["data", "preConsume"], -1), False),
    ("order-get.response.schema.json", "status 0.5", edit(SUCCESS, ["data", "status"], 0.5), False),
    # Required violations.
    ("order-get.request.schema.json", "no params.orderId", edit(REQUEST, ["params", "orderId"], delete=True), False),
    ("order-get.request.schema.json", "no request.apiVer", edit(REQUEST, ["request", "apiVer"], delete=True), False),
    ("order-get.request.schema.json", "no id", edit(REQUEST, ["id"], delete=True), False),
    ("order-get.response.schema.json", "no code", edit(ERROR, ["code"], delete=True), False),
    ("order-get.response.schema.json", "no data.recordType", edit(SUCCESS, ["data", "recordType"], delete=True), False),
    ("order-get.response.schema.json", "code 200 with data null", edit(SUCCESS, ["data"], None), False),
    # Pattern violations.
    ("order-get.response.schema.json", "price with a comma", edit(SUCCESS, ["data", "price"], "1,0"), False),
    ("order-get.response.schema.json", "negative price", edit(SUCCESS, ["data", "price"], "-1.0"), False),
    ("order-get.response.schema.json", "month 0", edit(SUCCESS, ["data", "startTime"], "2024-0-01 12:00:00"), False),
    ("order-get.response.schema.json", "empty time", edit(SUCCESS, ["data", "startTime"], ""), False),
    ("order-get.response.schema.json", "UTC with offset", edit(SUCCESS, ["data", "startTimeUTC"], "2020-08-25T10:00:00+08:00"), False),
    ("order-get.response.schema.json", "Arabic-Indic digits", edit(SUCCESS, ["data", "price"], "\u0661.0"), False),
    # Top-level shape.
    ("order-get.request.schema.json", "top-level array", [REQUEST], False),
    ("order-get.response.schema.json", "top-level string", "ok", False),
    ("order-get.response.schema.json", "top-level null", None, False),
]


def main():
    validators = {}
    passed = failed = 0
    for file, name, payload, expected in CASES:
        v = validators.setdefault(file, validator(file))
        errors = list(v.iter_errors(payload))
        ok = (not errors) == expected
        verdict = "accepts" if not errors else "rejects"
        status = "ok  " if ok else "FAIL"
        print(f"{status} {file}: {verdict} {name}")
        if not ok:
            for e in errors:
                print(f"       at /{'/'.join(map(str, e.absolute_path))}: {e.message}")
        passed += ok
        failed += not ok
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
