"""`Validator.scan_ndjson`: one NDJSON file's payloads, numbered and judged as `check` does."""

from __future__ import annotations

import gzip
import json

import pyarrow as pa
import pytest

from cloudstorage_contract import Validator

from conftest import check_json, run_cli


@pytest.mark.parametrize("name", ["a.ndjson", "nested/b.jsonl", "c.ndjson.gz"])
@pytest.mark.parametrize("by_path", [True, False])
@pytest.mark.parametrize("jobs", [1, 3])
def test_each_file_is_read_as_check_reads_it(corpus, cli, name, by_path, jobs):
    path = corpus / "in" / name
    content = str(path) if by_path else pa.array([path.read_bytes()], pa.binary())
    scan = Validator().scan_ndjson(content, str(path), rows="all", profile=True, batch=500, jobs=jobs)
    batches = list(scan)
    assert all(b.num_rows <= 500 for b in batches) and len(batches) > 1
    rows = [r for b in batches for r in b.to_pylist()]
    printed = check_json(cli, path)
    assert [(r["file"], r["line"], r["errors"], r["warnings"]) for r in rows] == [
        (p["file"], p["line"], p["errors"], p["warnings"]) for p in printed["payloads"]
    ]
    s = printed["summary"]
    assert scan.counts == (s["payloads"], s["conforming"], s["violating"], s["errors"], s["warnings"])
    assert scan.profile.payloads == s["payloads"]
    # The profile is the command line's, whatever the threads' shares were.
    profiled = run_cli(cli, "profile", "--format", "json", str(path))
    assert json.loads(scan.profile.to_json()) == json.loads(profiled.stdout)


def test_rows_keeps_findings_or_violations_and_counts_every_payload():
    text = b'{"code": 200, "data": null}\n\n{"code": "200"}\r\n'
    validator = Validator()
    every = [r for b in validator.scan_ndjson(pa.array([text]), "x.ndjson", rows="all") for r in b.to_pylist()]
    scan = validator.scan_ndjson(pa.array([text]), "x.ndjson", rows="violations")
    kept = [r for b in scan for r in b.to_pylist()]
    assert [r["line"] for r in kept] == [r["line"] for r in every if not r["conforms"]]
    assert 3 in [r["line"] for r in kept], "`code` a string violates"
    assert scan.counts[0] == 2 and scan.profile is None


def test_what_cannot_be_read_is_an_error(tmp_path):
    validator = Validator()
    with pytest.raises(ValueError, match="unknown rows `some`, expected one of: all, findings, violations"):
        validator.scan_ndjson(pa.array([b"{}"]), "x.ndjson", rows="some")
    with pytest.raises(OSError, match="missing.ndjson"):
        validator.scan_ndjson(str(tmp_path / "missing.ndjson"), "missing.ndjson")
    with pytest.raises(TypeError, match="`content` has 2 values, expected one"):
        validator.scan_ndjson(pa.array([b"{}", b"{}"]), "x.ndjson")
    # A gzip file cut short: an error naming the file (the task fails, and so does the job).
    cut = gzip.compress(b"{}\n" * 100_000)[:-50]
    scan = validator.scan_ndjson(pa.array([cut]), "cut.ndjson.gz", rows="all")
    with pytest.raises(ValueError, match="^cut.ndjson.gz: "):
        for _ in scan:
            pass


@pytest.mark.parametrize("name", ["big.ndjson", "big.ndjson.gz"])
@pytest.mark.parametrize("by_path", [True, False])
def test_a_line_over_the_limit_is_checks_too_large_finding(tmp_path, cli, name, by_path):
    """A line over the 16 MiB limit (`check`'s default `--max-bytes`) is never read whole: its
    row is the `too-large` finding `check` prints for it, at its line, counted and profiled."""
    limit = 16 * 1024 * 1024
    text = b'{"code": "200"}\n\n' + b" " * (limit + 1) + b"\r\n" + b'{"a":"' + b"x" * limit + b'"}\n{}'
    path = tmp_path / name
    path.write_bytes(gzip.compress(text) if name.endswith(".gz") else text)
    content = str(path) if by_path else pa.array([path.read_bytes()], pa.binary())
    scan = Validator().scan_ndjson(content, str(path), rows="all", profile=True)
    rows = [r for b in scan for r in b.to_pylist()]
    printed = check_json(cli, path)
    assert [r["line"] for r in rows] == [1, 3, 4, 5]
    assert [(p["file"], p["line"], p["errors"], p["warnings"]) for p in printed["payloads"]] == [
        (r["file"], r["line"], r["errors"], r["warnings"]) for r in rows
    ]
    for row, p in zip(rows, printed["payloads"]):
        # `check` places a finding in the file; the row keeps it in the payload (one line).
        assert [{**d, "line": row["line"] + d["line"] - 1} for d in row["diagnostics"]] == [
            {f: d[f] for f in ("rule", "severity", "pointer", "line", "column", "message", "hint")}
            for d in p["diagnostics"]
        ], row["line"]
    too_large = rows[1]["diagnostics"]
    assert [(d["rule"], d["line"], d["column"]) for d in too_large] == [("too-large", 1, 1)]
    assert too_large[0]["message"] == f"the input is {limit + 1} bytes, over the limit of {limit}"
    s = printed["summary"]
    assert scan.counts == (s["payloads"], s["conforming"], s["violating"], s["errors"], s["warnings"])
    assert scan.profile.to_dict()["rules"]["too-large"] == {
        "count": 2,
        "payloads": 2,
        "first": {"file": str(path), "line": 3},
    }
