"""`cloudstorage_contract.spark` on a real local Spark (`local[2]`), against `check`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cloudstorage_contract import TrafficProfile, Validator
from cloudstorage_contract.spark import check, profile

from conftest import check_json, run_cli

FIELDS = ("rule", "severity", "pointer", "message", "hint")


@pytest.fixture(scope="module")
def job(corpus, tmp_path_factory):
    """The job run as users run it, in a process of its own, with the default `--rows`; its
    profile is `profile.json` next to `out`."""
    out = tmp_path_factory.mktemp("job") / "out"
    run = subprocess.run(
        [
            sys.executable, "-m", "cloudstorage_contract.spark", str(corpus / "in"), "--output", str(out),
            "--profile", str(out.parent / "profile.json"), "--master", "local[2]",
        ],
        capture_output=True,
        timeout=600,
        cwd=out.parent,  # not `python/`, whose sources would shadow the installed package
    )
    return run, out


@pytest.fixture(scope="module")
def printed(corpus, cli) -> dict:
    """`check --format json` on the corpus: the reference."""
    return check_json(cli, corpus / "in")


def test_the_jobs_summary_is_checks(job, printed):
    run, _ = job
    assert run.stdout, run.stderr.decode()[-3000:]
    last = run.stdout.decode().splitlines()[-1]
    assert run.returncode == 1, "some payloads violate"
    assert json.loads(last) == printed["summary"]
    # The same text as well: the same renderer wrote it.
    assert last == json.dumps(printed["summary"], separators=(",", ":"))
    assert printed["summary"]["payloads"] == 4000
    assert printed["summary"]["conforming"] > 0 and printed["summary"]["violating"] > 0


def assert_rows_are_checks(rows: list, payloads: list) -> None:
    """Each row is the verdict `check` printed for its payload: same file name, same line."""
    theirs = {(p["file"], p["line"]): p for p in payloads}
    ours = {(r["file"], r["line"]): r for r in rows}
    assert len(ours) == len(rows), "one row per payload"
    assert ours.keys() == theirs.keys()
    for key, row in ours.items():
        p = theirs[key]
        assert (row["conforms"], row["errors"], row["warnings"]) == (
            p["verdict"] == "conforms",
            p["errors"],
            p["warnings"],
        ), key
        # `check` places a diagnostic in the file; the row keeps it in the payload (one line).
        assert [{**{f: d[f] for f in FIELDS}, "line": row["line"] + d["line"] - 1, "column": d["column"]} for d in row["diagnostics"]] == [
            {**{f: d[f] for f in FIELDS}, "line": d["line"], "column": d["column"]} for d in p["diagnostics"]
        ], key


def test_the_default_rows_are_the_payloads_with_findings(job, printed):
    _, out = job
    rows = pq.read_table(out).to_pylist()
    findings = [p for p in printed["payloads"] if p["diagnostics"]]
    assert_rows_are_checks(rows, findings)
    assert {Path(r["file"]).suffix for r in rows} == {".ndjson", ".jsonl", ".gz"}
    assert any(r["conforms"] for r in rows), "warnings only: a finding, not a violation"


@pytest.mark.parametrize("rows, by_path", [("all", True), ("all", False), ("violations", True)])
def test_each_payloads_row_is_checks_verdict(spark, corpus, printed, tmp_path, monkeypatch, rows, by_path):
    """Each row, files read by path (as the job reads local files) and handed over as bytes
    (as it reads the others)."""
    from cloudstorage_contract.spark import job
    from cloudstorage_contract.spark.job import run

    monkeypatch.setattr(job, "READ_BY_PATH", by_path)
    summary = run(spark, [str(corpus / "in")], str(tmp_path / "out"), rows=rows)
    assert json.loads(summary) == printed["summary"], "every payload counted, whichever are rows"
    kept = [p for p in printed["payloads"] if rows == "all" or p["verdict"] != "conforms"]
    assert_rows_are_checks(pq.read_table(tmp_path / "out").to_pylist(), kept)
    lines = {p["line"] for p in printed["payloads"] if p["file"].endswith("a.ndjson")}
    assert max(lines) > len(lines), "blank lines counted"


def test_files_are_named_as_check_names_them(tmp_path, monkeypatch):
    from cloudstorage_contract.spark.job import names

    (tmp_path / "in" / "n").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    uri = lambda p: (tmp_path / p).as_uri()  # noqa: E731 - Spark's URIs of the files
    for p in ("in/a.ndjson", "in/n/b.jsonl", "x y.ndjson", "other.ndjson"):
        (tmp_path / p).touch()
    given = ["in/a.*", "./in/n/", str(tmp_path / "x y.ndjson"), "other.ndjson", "hdfs://h/in"]
    uris = [uri("in/a.ndjson"), uri("in/n/b.jsonl"), uri("x y.ndjson"), uri("other.ndjson"), "hdfs://h/in/c.ndjson"]
    assert names(given, uris) == dict(
        zip(uris, ["in/a.ndjson", "./in/n/b.jsonl", str(tmp_path / "x y.ndjson"), "other.ndjson", "hdfs://h/in/c.ndjson"])
    )


def test_a_file_over_the_limit_is_an_error(spark, corpus, tmp_path, monkeypatch):
    from cloudstorage_contract.spark import job

    monkeypatch.setattr(job, "MAX_FILE_BYTES", 1000)
    monkeypatch.setattr(job, "READ_BY_PATH", False)  # a file read by path has no limit
    with pytest.raises(job.InputError, match=r"^`.*/in/a.ndjson` is \d+ bytes, over the 1000 bytes"):
        job.run(spark, [str(corpus / "in")], str(tmp_path / "out"))
    assert not (tmp_path / "out").exists(), "nothing read, nothing written"


def reference_profile(cli: Path, corpus: Path) -> dict:
    """The command line's profile of the corpus."""
    out = run_cli(cli, "profile", "--format", "json", "--no-config", corpus / "in")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_the_jobs_profile_is_the_command_lines(job, corpus, cli):
    run, out = job
    assert run.returncode == 1, run.stderr.decode()[-3000:]
    written = (out.parent / "profile.json").read_text()
    ours = TrafficProfile.from_json(written).to_dict()
    assert ours == json.loads(written)
    assert ours == reference_profile(cli, corpus)
    assert ours["totals"]["payloads"]["response"]["failing"] > 0
    assert sum(v["conforming"] + v["failing"] for v in ours["totals"]["payloads"].values()) == 4000
    assert ours["rules"] and ours["forms"]["local_time"]["canonical"] > 0


def test_profile_gathers_a_dataframes_profile(spark, payloads):
    rows = [(p.decode(), "a.ndjson", i + 1) for i, p in enumerate(payloads)] + [(None, "a.ndjson", None)]
    df = spark.createDataFrame(rows, "value string, file string, line int").repartition(3)
    validator = Validator(time_zone="Asia/Shanghai")
    expected = validator.profile_arrow(pa.array(payloads), files="a.ndjson", cap=16)
    assert profile(df, time_zone="Asia/Shanghai", cap=16) == expected
    with pytest.raises(ValueError, match="no column `line`"):
        profile(df.drop("line"))
    with pytest.raises(ValueError, match="column `file` is int, expected string"):
        profile(df.withColumn("file", df.line))
    with pytest.raises(ValueError, match="unknown time zone `Mars/Base`"):
        profile(df, time_zone="Mars/Base")


def test_a_bad_option_stops_the_job_before_spark(tmp_path, cli):
    run = subprocess.run(
        [sys.executable, "-m", "cloudstorage_contract.spark", str(tmp_path), "--output", str(tmp_path / "out"), "--time-zone", "Mars/Base"],
        capture_output=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert run.returncode == 2
    cli_says = run_cli(cli, "check", "--time-zone", "Mars/Base", "-", stdin=b"{}").stderr
    assert run.stderr.decode().strip() == cli_says.decode().strip()


def test_check_adds_the_validators_columns(spark, payloads):
    values = [p.decode() for p in payloads] + [None]
    df = spark.createDataFrame([(i, v) for i, v in enumerate(values)], "id int, payload string")
    checked = check(df, column="payload", time_zone="Asia/Shanghai", strict=True).orderBy("id")
    assert checked.columns == ["id", "payload", "conforms", "errors", "warnings", "diagnostics"]
    rows = checked.collect()
    validator = Validator(time_zone="Asia/Shanghai", strict=True)
    assert len(rows) == len(values)
    for row, value in zip(rows, values):
        if value is None:
            assert (row.conforms, row.errors, row.warnings, row.diagnostics) == (None, None, None, None)
            continue
        report = validator.validate(value)
        assert (row.conforms, row.errors, row.warnings) == (report.conforms, report.errors, report.warnings)
        assert [d.asDict() for d in row.diagnostics] == [
            {f: getattr(d, f) for f in ("rule", "severity", "pointer", "line", "column", "message", "hint")}
            for d in report.diagnostics
        ]
    # Strict and the zone changed verdicts, or the comparison proves little.
    lenient = check(df, column="payload").where("conforms").count()
    assert lenient > checked.where("conforms").count()


def test_check_reads_binary_columns(spark, payloads):
    df = spark.createDataFrame([(bytearray(p),) for p in payloads[:100]], "value binary")
    got = [r.conforms for r in check(df).collect()]
    validator = Validator()
    assert got == [validator.validate(p).conforms for p in payloads[:100]]


def test_check_refuses_what_it_cannot_check(spark):
    df = spark.createDataFrame([("{}", 1)], "value string, conforms int")
    with pytest.raises(ValueError, match="unknown time zone `Mars/Base`"):
        check(df.select("value"), time_zone="Mars/Base")
    with pytest.raises(ValueError, match="no column `payload`"):
        check(df, column="payload")
    with pytest.raises(ValueError, match="already has a column named `conforms`"):
        check(df)
    with pytest.raises(ValueError, match="column `conforms` is int, expected string or binary"):
        check(df.select("conforms"), column="conforms")
