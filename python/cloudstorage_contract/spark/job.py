"""The Spark job: check NDJSON files on a cluster, write a Parquet row per payload with findings.

    python -m cloudstorage_contract.spark INPUT... --output DIR [--rows all|findings|violations]
        [--profile PATH] [--time-zone Z] [--strict] [--master URL] [--conf KEY=VALUE]...

INPUT is a file, a directory (read recursively; Spark leaves out names starting with `.` or
`_`) or a glob; a file whose name ends in `.gz` is decompressed, every gzip member of it. Every
file is read as NDJSON, as `check --ndjson` reads it, whatever its name (a JSON document over
several lines, or a HAR capture, is for `check` and `profile`). Each
non-blank line is a payload, exactly as for `check`: a line ends at `\\n` (a `\\r` before it
is dropped), a line of ASCII whitespace only is skipped but counted, and the payload's bytes
reach the validator as they are (a bare `\\r` inside a line is part of it).

Design: one read of the input. Spark's `binaryFile` source lists the files and makes one task
of each; `Validator.scan_ndjson` splits, decompresses, numbers and validates a file in Rust and
returns the rows as Arrow batches, so that no line becomes a JVM row or a Python object, and
line numbers are exact without a pass to count them. When every file is on a file system the
executors mount (`file:` URIs: local runs, shared volumes), the task opens the file by its path
and reads it 1 MiB at a time; otherwise (`hdfs:`, `s3a:`, ...) `binaryFile` hands the task the
file's bytes. The counts of every payload (and, with `--profile`, each task's profile) travel
back to the driver in an accumulator, which Spark applies once per successful task.

Memory: a file read by path costs a task its line being read (at most 16 MiB: a longer line is
`check`'s `too-large` finding, never held whole), 1 MiB of read-ahead and one batch of rows (at
most 65,536). A file handed over as bytes is held in the JVM about three times (the
source's row, the row's copy, the Arrow batch) and once in the Python worker: an executor's
heap must be about 3.5 times the largest such file, times the tasks it runs at once, plus
Spark's own. A local run ends on an `OutOfMemoryError` rather than hang.

A file is one task. A task validates on the cores the other files leave idle (the default
parallelism divided by the number of files, within `spark.executor.cores`): one file on
`local[2]` takes both cores, and as many files as cores take one each. A file handed over as bytes may hold
at most `MAX_FILE_BYTES` (2 GiB less one byte, `binaryFile`'s limit), checked on the driver
before any file is read: a larger one stops the job with an error that names it (split it,
e.g. with `split -l`, or gzip it). A file read by path has no limit.

DIR gets Parquet files with one row per payload that `--rows` keeps: `findings` (the default:
an error or a warning), `violations`, or `all`. Each row is `file` (the file as `check` names
it: the INPUT as given, joined with the file's path below it; a file Spark reaches by a URI
other than `file:` keeps its URI), `line` (the payload's line in that file, blank lines
counted), and `conforms`, `errors`, `warnings`, `diagnostics` (`Validator.check_arrow`'s
columns; a diagnostic's `line` is within the payload, which is one line). DIR must not exist.

With `--profile PATH`, the job also writes to PATH (on the driver's file system) the
`TrafficProfile` of every payload as JSON (`TrafficProfile.to_json()`, the library's serde
form), from the same read: each task profiles its files, the driver merges the tasks'
profiles. Origins name files as the rows do, so the profile is the one
`cloudstorage-contract profile --format json` prints for the same inputs.

The last line on stdout is the summary object of `check --format json`:
`{"payloads":…,"conforming":…,"violating":…,"errors":…,"warnings":…,"skipped":…}`, counting
every payload whichever rows were written. The exit status is `check`'s: 0 when every payload
conforms, 1 when one violates, 2 for a bad argument or an input that cannot be read.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import sys
from typing import Dict, Optional, Sequence
from urllib.parse import unquote, urlparse

from pyspark.accumulators import AccumulatorParam

from cloudstorage_contract._native import TrafficProfile, Validator, summary_json

#: The largest input file, in bytes: `binaryFile` holds a file in one row (a JVM byte array).
MAX_FILE_BYTES = 2**31 - 1

#: Whether tasks open `file:` files by their path (the tests turn it off to run the other way).
READ_BY_PATH = True

#: What `--rows` takes.
ROWS = ("findings", "violations", "all")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m cloudstorage_contract.spark",
        description="Check NDJSON payloads of Alibaba Cloud IoT `order/get` against the contract "
        "on Spark, writing a Parquet row per payload with findings.",
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="files, directories or globs")
    p.add_argument("--output", required=True, metavar="DIR", help="where to write the Parquet rows")
    p.add_argument(
        "--rows", choices=ROWS, default="findings",
        help="which payloads get a row: with an error or a warning (default), violating, or all",
    )
    p.add_argument("--profile", metavar="PATH", help="also write the traffic profile, as JSON, to PATH")
    p.add_argument("--time-zone", metavar="IANA", help="check local times against this zone")
    p.add_argument("--strict", action="store_true", help="every warning is an error")
    p.add_argument("--master", metavar="URL", help="the Spark master (default: spark-submit's, or local[*])")
    p.add_argument(
        "--conf", action="append", default=[], metavar="KEY=VALUE",
        help="a Spark setting, as spark-submit's --conf (e.g. spark.driver.memory=6g for local runs)",
    )
    return p


class InputError(Exception):
    """An input the job cannot read: exit status 2, as `check` has for one."""


class _Parts(AccumulatorParam):
    """Each task's part of the totals, as JSON text: `[payloads, conforming, errors,
    warnings, profile or null]`. The driver adds them up."""

    def zero(self, value):
        return []

    def addInPlace(self, value1, value2):
        value1.extend(value2)
        return value1


def _local(uri: str) -> Optional[str]:
    """The local path of a `file:` URI, as Spark gives it; `None` for any other."""
    parsed = urlparse(uri)
    return unquote(parsed.path) if parsed.scheme in ("", "file") else None


def names(inputs: Sequence[str], uris: Sequence[str]) -> Dict[str, str]:
    """Each file's name as `check` gives it, by the URI Spark gives it: the INPUT as given for
    a file; for a directory, the INPUT joined with the file's path below it; for a glob, the
    file's path as the shell would expand it. A URI no local INPUT reaches keeps its URI."""
    given = []
    for raw in inputs:
        local = _local(raw) if "://" in raw or raw.startswith("file:") else raw
        if local is None:
            continue
        shown = raw if local == raw else local
        # A glob is named as the shell expands it.
        for path in sorted(glob.glob(shown)) if glob.has_magic(shown) else [shown]:
            given.append((path, os.path.realpath(path)))
    out = {}
    for uri in uris:
        path = _local(uri)
        out[uri] = uri
        if path is None:
            continue
        real = os.path.realpath(path)
        for shown, root in given:
            if real == root:
                out[uri] = shown
                break
            if real.startswith(root.rstrip(os.sep) + os.sep):
                out[uri] = os.path.join(shown, os.path.relpath(real, root))
                break
    return out


def run(
    spark,
    inputs: Sequence[str],
    output: str,
    time_zone: Optional[str] = None,
    strict: bool = False,
    profile_path: Optional[str] = None,
    rows: str = "findings",
) -> str:
    """Checks `inputs` in one read, writes the rows `rows` keeps to `output` (and the profile
    of every payload to `profile_path`, when given), and returns the summary object's JSON."""
    from pyspark.sql.types import IntegerType, StringType, StructField, StructType

    from cloudstorage_contract.spark import result_fields

    # One file per Arrow batch: a file is at most 2 GiB, and two of them would overflow the
    # batch's 32-bit offsets.
    spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", "1")
    files = spark.read.format("binaryFile").option("recursiveFileLookup", "true").load(list(inputs))
    listed = files.select("path", "length").collect()  # the listing only: no file is read
    named = names(inputs, [r["path"] for r in listed])
    # Files on a file system every executor mounts (`file:`) are opened by the tasks, which
    # read them as they split them; any other is handed to the task as bytes by `binaryFile`.
    by_path = READ_BY_PATH and all(_local(r["path"]) is not None for r in listed)
    for r in listed:
        if not by_path and r["length"] > MAX_FILE_BYTES:
            raise InputError(
                f"`{named[r['path']]}` is {r['length']} bytes, over the {MAX_FILE_BYTES} bytes "
                "(2 GiB) a file may have for the Spark job: split it, or gzip it"
            )
    profiled = profile_path is not None
    # A task validates its file on the cores the other files leave idle, within one executor's:
    # one file on `local[2]` takes both cores, as many files as cores take one each.
    cores = spark.sparkContext.defaultParallelism
    per_executor = int(spark.conf.get("spark.executor.cores", str(cores)))
    jobs = max(1, min(cores // max(1, len(listed)), per_executor))
    parts = spark.sparkContext.accumulator([], _Parts())
    schema = StructType(
        [StructField("file", StringType(), False), StructField("line", IntegerType(), False)]
        + result_fields()
    )

    def scan(batches):
        validator = Validator(time_zone=time_zone, strict=strict)
        counts = [0, 0, 0, 0]
        total = TrafficProfile() if profiled else None
        for batch in batches:
            paths = batch.column(0).to_pylist()
            for i, path in enumerate(paths):
                name = named.get(path, path)
                content = _local(path) if by_path else batch.column(1).slice(i, 1)
                found = validator.scan_ndjson(content, name, rows, profiled, jobs=jobs)
                yield from found
                payloads, conforming, _, errors, warnings = found.counts
                for k, n in enumerate((payloads, conforming, errors, warnings)):
                    counts[k] += n
                if total is not None:
                    total.merge(found.profile)
        parts.add([json.dumps(counts + [total.to_json() if total is not None else None])])

    columns = ["path"] if by_path else ["path", "content"]
    files.select(*columns).mapInArrow(scan, schema).write.parquet(output)

    payloads = conforming = errors = warnings = 0
    total = TrafficProfile()
    for part in parts.value:
        p, c, e, w, profile = json.loads(part)
        payloads, conforming, errors, warnings = payloads + p, conforming + c, errors + e, warnings + w
        if profile is not None:
            total.merge(TrafficProfile.from_json(profile))
    if profiled:
        with open(profile_path, "w", encoding="utf-8") as f:
            f.write(total.to_json() + "\n")
    return summary_json(payloads, conforming, payloads - conforming, errors, warnings)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parser().parse_args(argv)
    try:
        Validator(time_zone=args.time_zone, strict=args.strict)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    from pyspark.sql import SparkSession

    local = args.master is None or args.master.startswith("local")
    if local and "PYSPARK_GATEWAY_PORT" not in os.environ:
        # Run by `python -m` on this machine (not by `spark-submit`): the workers are this
        # Python, which has the package, rather than whichever `python3` is first on PATH.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName("cloudstorage-contract")
    if args.master:
        builder = builder.master(args.master)
    for setting in args.conf:
        key, sep, value = setting.partition("=")
        if not sep:
            print(f"error: `--conf {setting}` is not KEY=VALUE", file=sys.stderr)
            return 2
        builder = builder.config(key, value)
    if local and "PYSPARK_GATEWAY_PORT" not in os.environ and not any(
        c.startswith("spark.driver.extraJavaOptions=") for c in args.conf
    ):
        # A local run's tasks run in the driver's JVM, where a task out of memory (a file too
        # large for the heap) leaves Spark waiting forever; it ends the job instead.
        builder = builder.config("spark.driver.extraJavaOptions", "-XX:+ExitOnOutOfMemoryError")
    spark = builder.getOrCreate()
    try:
        summary = run(
            spark, args.inputs, args.output, args.time_zone, args.strict, args.profile, args.rows
        )
    except InputError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    finally:
        spark.stop()
    print(summary, flush=True)
    return 1 if json.loads(summary)["violating"] else 0
