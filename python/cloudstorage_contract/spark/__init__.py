"""The contract on Apache Spark: `check(df)` adds verdicts to any DataFrame of payloads, and
`profile(df)` gathers their `TrafficProfile`.

It works through `DataFrame.mapInArrow`: each executor reads Spark's Arrow batches through the
Arrow C Data Interface and validates them with the Rust validator, with no Python object per
payload. Any Spark 3.5 or later runs it, as long as its executors have this package installed
(see the README's *Python* section for shipping the wheel).

`python -m cloudstorage_contract.spark INPUT... --output DIR [--profile PATH]` is the runnable
job over NDJSON files (see `cloudstorage_contract.spark.job`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator, Optional

from .._native import TrafficProfile, Validator

if TYPE_CHECKING:
    import pyarrow
    from pyspark.sql import DataFrame

__all__ = ["RESULT_COLUMNS", "check", "profile", "result_fields"]

#: The columns `check` adds, in order.
RESULT_COLUMNS = ("conforms", "errors", "warnings", "diagnostics")


def result_fields() -> list:
    """The Spark fields of the result columns, as `Validator.check_arrow` returns them."""
    from pyspark.sql.types import (
        ArrayType,
        BooleanType,
        IntegerType,
        StringType,
        StructField,
        StructType,
    )

    diagnostic = StructType(
        [
            StructField("rule", StringType()),
            StructField("severity", StringType()),
            StructField("pointer", StringType()),
            StructField("line", IntegerType()),
            StructField("column", IntegerType()),
            StructField("message", StringType()),
            StructField("hint", StringType()),
        ]
    )
    return [
        StructField("conforms", BooleanType()),
        StructField("errors", IntegerType()),
        StructField("warnings", IntegerType()),
        StructField("diagnostics", ArrayType(diagnostic)),
    ]


def check(
    df: "DataFrame",
    column: str = "value",
    time_zone: Optional[str] = None,
    strict: bool = False,
) -> "DataFrame":
    """`df` with four columns added: `conforms`, `errors`, `warnings` and `diagnostics`.

    `column` holds the payloads, as `string` or `binary`. A null payload gets null in the four
    columns; an empty one violates `empty-input`. `time_zone` and `strict` are `Validator`'s;
    a bad one raises `ValueError` here, on the driver, before any task runs.

    Each task validates on one thread: Spark already runs one task per core.
    """
    return _check(df, column, time_zone, strict, keep=True)


def _check(df, column, time_zone, strict, keep: bool):
    """`check`; without `keep`, the payload column is left out of the result, so that the
    payloads do not travel back from Python to the JVM (the job drops them anyway)."""
    from pyspark.sql.types import BinaryType, StringType, StructType

    Validator(time_zone=time_zone, strict=strict)  # a bad option fails here, not in a task
    fields = df.schema.fields
    names = [f.name for f in fields]
    if column not in names:
        raise ValueError(f"no column `{column}` in the DataFrame, which has: {', '.join(names)}")
    if not isinstance(df.schema[column].dataType, (StringType, BinaryType)):
        raise ValueError(
            f"column `{column}` is {df.schema[column].dataType.simpleString()}, "
            "expected string or binary"
        )
    taken = [n for n in RESULT_COLUMNS if n in names]
    if taken:
        raise ValueError(
            f"the DataFrame already has a column named {', '.join(f'`{n}`' for n in taken)}"
        )
    index = names.index(column)
    kept = [i for i in range(len(fields)) if keep or i != index]
    schema = StructType([fields[i] for i in kept] + result_fields())

    def run(batches: Iterator["pyarrow.RecordBatch"]) -> Iterator["pyarrow.RecordBatch"]:
        import pyarrow as pa

        validator = Validator(time_zone=time_zone, strict=strict)
        for batch in batches:
            result = validator.check_arrow(batch.column(index), jobs=1)
            yield pa.RecordBatch.from_arrays(
                [batch.column(i) for i in kept] + result.columns,
                names=[batch.schema.names[i] for i in kept] + result.schema.names,
            )

    return df.mapInArrow(run, schema)


def profile(
    df: "DataFrame",
    column: str = "value",
    file: str = "file",
    line: str = "line",
    time_zone: Optional[str] = None,
    strict: bool = False,
    cap: Optional[int] = None,
) -> TrafficProfile:
    """The `TrafficProfile` of the payloads in `column` (`string` or `binary`; nulls left
    out), gathered on the executors and merged on the driver.

    Each payload's origin is the `file` column (a string) and the `line` column (an integer;
    null for a payload that is a whole file), as `Validator.profile_arrow` takes them. Each
    task profiles its rows into one profile and returns it as JSON, one row per task; the
    driver merges them. Merging is order-free, so the result does not depend on how Spark
    split the rows. `time_zone`, `strict` and `cap` are `Validator`'s and `profile_arrow`'s;
    a bad one, or a missing column, raises `ValueError` here, before any task runs.
    """
    from pyspark.sql.types import BinaryType, IntegralType, StringType

    Validator(time_zone=time_zone, strict=strict)  # a bad option fails here, not in a task
    names = df.schema.names
    for name, types, expected in (
        (column, (StringType, BinaryType), "string or binary"),
        (file, (StringType,), "string"),
        (line, (IntegralType,), "an integer type"),
    ):
        if name not in names:
            raise ValueError(f"no column `{name}` in the DataFrame, which has: {', '.join(names)}")
        if not isinstance(df.schema[name].dataType, types):
            raise ValueError(
                f"column `{name}` is {df.schema[name].dataType.simpleString()}, expected {expected}"
            )

    def run(batches: Iterator["pyarrow.RecordBatch"]) -> Iterator["pyarrow.RecordBatch"]:
        import pyarrow as pa

        validator = Validator(time_zone=time_zone, strict=strict)
        total = TrafficProfile(cap)
        for batch in batches:
            total.merge(
                validator.profile_arrow(
                    batch.column(0), files=batch.column(1), lines=batch.column(2), jobs=1, cap=cap
                )
            )
        yield pa.RecordBatch.from_arrays([pa.array([total.to_json()])], names=["profile"])

    parts = df.select(column, file, line).mapInArrow(run, "profile string").collect()
    total = TrafficProfile(cap)
    for part in parts:
        total.merge(TrafficProfile.from_json(part["profile"]))
    return total
