"""`cloudstorage_contract.spark` on a real local Spark (`local[2]`), against `check`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cloudstorage_contract import TrafficProfile, Validator
from cloudstorage_contract.spark import check, profile

from conftest import check_json, run_cli

FIELDS = ("rule", "severity", "pointer", "message", "hint")


def plain_name(uri: str, inputs: Path) -> str:
    """The name under `plain/` of the file Spark names `uri`."""
    path = Path(unquote(urlparse(uri).path)).relative_to(inputs)
    return str(path).replace("/", "_").removesuffix(".gz")


@pytest.fixture(scope="module")
def job(corpus, tmp_path_factory):
    """The job run as users run it, in a process of its own; its profile is `profile.json`
    next to `out`."""
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


def test_the_jobs_summary_is_checks(job, corpus, cli):
    run, _ = job
    assert run.stdout, run.stderr.decode()[-3000:]
    last = run.stdout.decode().splitlines()[-1]
    assert run.returncode == 1, "some payloads violate"
    printed = check_json(cli, corpus / "plain")
    assert json.loads(last) == printed["summary"]
    # The same text as well: the same renderer wrote it.
    assert last == json.dumps(printed["summary"], separators=(",", ":"))
    assert printed["summary"]["payloads"] == 4000
    assert printed["summary"]["conforming"] > 0 and printed["summary"]["violating"] > 0


def test_each_payloads_row_is_checks_verdict(job, corpus, cli):
    _, out = job
    rows = pq.read_table(out).to_pylist()
    printed = check_json(cli, corpus / "plain")["payloads"]
    theirs = {(Path(p["file"]).name, p["line"]): p for p in printed}
    ours = {(plain_name(r["file"], corpus / "in"), r["line"]): r for r in rows}
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
    assert {Path(unquote(urlparse(r["file"]).path)).suffix for r in rows} == {".ndjson", ".jsonl", ".gz"}


def ndjson_lines(text: bytes) -> tuple[list[bytes], list[int]]:
    """The payloads of an NDJSON text and their lines, as `check` reads them: a `\\r` before
    the `\\n` dropped, lines of ASCII whitespace only skipped, blank lines counted."""
    payloads, lines = [], []
    for number, line in enumerate(text.split(b"\n")[: -1 if text.endswith(b"\n") else None], 1):
        line = line.removesuffix(b"\r")
        if line.strip(b" \t\n\f\r"):
            payloads.append(line)
            lines.append(number)
    return payloads, lines


def cli_names(corpus: Path) -> dict[str, str]:
    """Each input file's name as the command line gives it for the argument `corpus/in` (the
    directory as given, then the file's path in it), by its name under `plain/`."""
    given = corpus / "in"
    return {
        plain_name(p.as_uri(), given): f"{given}/{p.relative_to(given)}"
        for p in given.rglob("*")
        if p.is_file()
    }


def reference_profile(corpus: Path) -> dict:
    """The profile of the corpus with the command line's origins (file as named on the command
    line, 1-based line), computed in-process by `Validator.profile_arrow`.

    TODO(profile CLI): once `cloudstorage-contract profile --format json` exists, this is
    `json.loads(run_cli(cli, "profile", "--format", "json", corpus / "in").stdout)`; the test
    below needs no other change."""
    validator = Validator()
    total = TrafficProfile()
    for plain, name in cli_names(corpus).items():
        payloads, lines = ndjson_lines((corpus / "plain" / plain).read_bytes())
        total.merge(validator.profile_arrow(pa.array(payloads, pa.binary()), files=name, lines=pa.array(lines)))
    return total.to_dict()


def renamed(profile: dict, names: dict[str, str]) -> dict:
    """`profile` (its JSON form) with each origin's `file` renamed by `names`."""
    if isinstance(profile, dict):
        out = {k: renamed(v, names) for k, v in profile.items()}
        if isinstance(out.get("first"), dict) and "file" in out["first"]:
            out["first"] = {**out["first"], "file": names[out["first"]["file"]]}
        return out
    return profile


def test_the_jobs_profile_is_the_command_lines(job, corpus):
    run, out = job
    assert run.returncode == 1, run.stderr.decode()[-3000:]
    written = (out.parent / "profile.json").read_text()
    ours = TrafficProfile.from_json(written).to_dict()
    assert ours == json.loads(written)
    # The job's origins are its rows' (`file` as Spark names it, `line`), which are `check`'s
    # up to the file's name: Spark gives a URI, the command line the path as given.
    files = {r["file"] for r in pq.read_table(out, columns=["file"]).to_pylist()}
    names = cli_names(corpus)
    spark_to_cli = {f: names[plain_name(f, corpus / "in")] for f in files}
    theirs = reference_profile(corpus)
    assert renamed(ours, spark_to_cli) == theirs
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
