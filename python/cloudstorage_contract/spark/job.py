"""The Spark job: check NDJSON files on a cluster, write one Parquet row per payload.

    python -m cloudstorage_contract.spark INPUT... --output DIR [--profile PATH] [--time-zone Z]
        [--strict] [--master URL]

INPUT is a file, a directory (read recursively, hidden files left out) or a glob, as Spark's
text source reads them; `.gz` files are decompressed. Each non-blank line is a payload, as for
`check --ndjson`: a line is ended by `\\n` (a `\\r` before it is dropped), a line of ASCII
whitespace only is skipped, and the payload's bytes reach the validator as they are.

DIR gets Parquet files with one row per payload: `file` (the file's URI as Spark names it),
`line` (the payload's line in that file, blank lines counted), and `conforms`, `errors`,
`warnings`, `diagnostics` (`Validator.check_arrow`'s columns; a diagnostic's `line` is within
the payload, which is one line). DIR must not exist.

Line numbers: Spark's text source does not number lines, so the job numbers them itself. Each
file is read in splits; within a task, the lines of a split come in order and
`monotonically_increasing_id()` numbers them consecutively. A first pass over the text counts
the lines of each split (`input_file_name()`, `input_file_block_start()`); a line's number is
then the lines of the file's earlier splits, plus its place in its own split. That pass reads
the text once more but validates nothing.

With `--profile PATH`, the job also writes to PATH (on the driver's file system) the
`TrafficProfile` of the payloads as JSON (`TrafficProfile.to_json()`, the library's serde form):
each task profiles its rows, and the driver merges the tasks' profiles. A payload's origin is
its row's `file` and `line`, so a "first" names the file as Spark does (its URI, where
`check` and `profile` name the path as given). This reads and validates the text once more.

The last line on stdout is the summary object of `check --format json`:
`{"payloads":…,"conforming":…,"violating":…,"errors":…,"warnings":…,"skipped":…}`, counted
from the Parquet output. The exit status is `check`'s: 0 when every payload conforms, 1 when
one violates, 2 for a bad argument.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Optional, Sequence

from cloudstorage_contract._native import Validator, summary_json
from cloudstorage_contract.spark import _check, profile

#: A blank line, as `check` skips it: ASCII whitespace only (Rust's `is_ascii_whitespace`).
BLANK = r"^[ \t\n\f\r]*$"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m cloudstorage_contract.spark",
        description="Check NDJSON payloads of Alibaba Cloud IoT `order/get` against the contract "
        "on Spark, writing one Parquet row per payload.",
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="files, directories or globs")
    p.add_argument("--output", required=True, metavar="DIR", help="where to write the Parquet rows")
    p.add_argument("--profile", metavar="PATH", help="also write the traffic profile, as JSON, to PATH")
    p.add_argument("--time-zone", metavar="IANA", help="check local times against this zone")
    p.add_argument("--strict", action="store_true", help="every warning is an error")
    p.add_argument("--master", metavar="URL", help="the Spark master (default: spark-submit's, or local[*])")
    return p


def numbered(spark, inputs: Sequence[str]):
    """The non-blank lines of `inputs` as a DataFrame of `file`, `line` and `value`."""
    from pyspark.sql import functions as F

    text = (
        spark.read.option("lineSep", "\n")
        .option("recursiveFileLookup", "true")
        .text(list(inputs))
        .select(
            F.input_file_name().alias("file"),
            F.input_file_block_start().alias("_split"),
            F.monotonically_increasing_id().alias("_id"),
            "value",
        )
    )
    # Pass one: how many lines each split holds, and the id of its first.
    splits = (
        text.groupBy("file", "_split")
        .agg(F.min("_id").alias("_first_id"), F.count("*").alias("_lines"))
        .collect()
    )
    firsts = []
    before: dict = {}
    for row in sorted(splits, key=lambda r: (r["file"], r["_split"])):
        line = before.get(row["file"], 0) + 1
        firsts.append((row["file"], row["_split"], row["_first_id"], line))
        before[row["file"]] = line - 1 + row["_lines"]
    starts = spark.createDataFrame(
        firsts, "file string, _split long, _first_id long, _first_line long"
    )
    return (
        text.join(F.broadcast(starts), ["file", "_split"])
        .where(~F.col("value").rlike(BLANK))
        .select(
            "file",
            (F.col("_first_line") + F.col("_id") - F.col("_first_id")).cast("int").alias("line"),
            # As bytes, as `check` reads them: Spark's string functions would turn bytes that
            # are not UTF-8 into U+FFFD. The `\r` of a `\r\n` line end goes, as in `check`.
            F.when(
                F.col("value").endswith("\r"),
                F.expr("substring(cast(value as binary), 1, octet_length(value) - 1)"),
            )
            .otherwise(F.col("value").cast("binary"))
            .alias("value"),
        )
    )


def run(
    spark,
    inputs: Sequence[str],
    output: str,
    time_zone: Optional[str] = None,
    strict: bool = False,
    profile_path: Optional[str] = None,
) -> str:
    """Checks `inputs`, writes the rows to `output` (and their profile to `profile_path`, when
    given), and returns the summary object's JSON."""
    from pyspark.sql import functions as F

    lines = numbered(spark, inputs)
    checked = _check(lines, "value", time_zone, strict, keep=False)
    checked.write.parquet(output)
    if profile_path is not None:
        gathered = profile(lines, "value", "file", "line", time_zone, strict)
        with open(profile_path, "w", encoding="utf-8") as f:
            f.write(gathered.to_json() + "\n")
    counts = (
        spark.read.parquet(output)
        .agg(
            F.count("*").alias("payloads"),
            F.coalesce(F.sum(F.col("conforms").cast("long")), F.lit(0)).alias("conforming"),
            F.coalesce(F.sum("errors"), F.lit(0)).alias("errors"),
            F.coalesce(F.sum("warnings"), F.lit(0)).alias("warnings"),
        )
        .first()
    )
    payloads, conforming = counts["payloads"], counts["conforming"]
    return summary_json(
        payloads, conforming, payloads - conforming, counts["errors"], counts["warnings"]
    )


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
    spark = builder.getOrCreate()
    try:
        summary = run(spark, args.inputs, args.output, args.time_zone, args.strict, args.profile)
    finally:
        spark.stop()
    print(summary, flush=True)
    return 1 if json.loads(summary)["violating"] else 0
