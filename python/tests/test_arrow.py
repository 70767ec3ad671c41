"""`Validator.check_arrow`: one row per value, the same verdicts as `Validator.validate`."""

from __future__ import annotations

import pyarrow as pa
import pytest

from cloudstorage_contract import Validator

FIELDS = ("rule", "severity", "pointer", "line", "column", "message", "hint")

SCHEMA = pa.schema(
    [
        ("conforms", pa.bool_()),
        ("errors", pa.int32()),
        ("warnings", pa.int32()),
        (
            "diagnostics",
            pa.list_(
                pa.struct(
                    [
                        ("rule", pa.string()),
                        ("severity", pa.string()),
                        ("pointer", pa.string()),
                        ("line", pa.int32()),
                        ("column", pa.int32()),
                        ("message", pa.string()),
                        ("hint", pa.string()),
                    ]
                )
            ),
        ),
    ]
)


def expected(validator: Validator, payloads) -> list:
    rows = []
    for p in payloads:
        if p is None:
            rows.append({"conforms": None, "errors": None, "warnings": None, "diagnostics": None})
            continue
        r = validator.validate(p)
        rows.append(
            {
                "conforms": r.conforms,
                "errors": r.errors,
                "warnings": r.warnings,
                "diagnostics": [{f: getattr(d, f) for f in FIELDS} for d in r.diagnostics],
            }
        )
    return rows


@pytest.mark.parametrize(
    "type_", [pa.binary(), pa.large_binary(), pa.string(), pa.large_string(), pa.string_view(), pa.binary_view()]
)
def test_every_value_gets_validates_verdict(payloads, type_):
    validator = Validator()
    values = [p if type_ in (pa.binary(), pa.large_binary(), pa.binary_view()) else p.decode() for p in payloads]
    batch = validator.check_arrow(pa.array(values, type_))
    assert isinstance(batch, pa.RecordBatch)
    assert batch.schema == SCHEMA
    rows = batch.to_pylist()
    assert rows == expected(validator, payloads)
    assert {r["conforms"] for r in rows} == {True, False}


def test_a_null_value_gets_a_null_row_and_an_empty_one_violates():
    validator = Validator()
    batch = validator.check_arrow(pa.array([None, b"", b'{"code": "200"}', None], pa.binary()))
    rows = batch.to_pylist()
    assert rows[0] == rows[3] == {"conforms": None, "errors": None, "warnings": None, "diagnostics": None}
    assert rows[1]["conforms"] is False
    assert [d["rule"] for d in rows[1]["diagnostics"]] == ["empty-input"]
    assert [d["rule"] for d in rows[2]["diagnostics"]] == ["wrong-type"]
    assert batch.column("conforms").null_count == 2


def test_threads_change_nothing(payloads):
    validator = Validator(strict=True)
    # More values than one thread's run, so that the threads share them out.
    values = pa.array(payloads * 5 + [None], pa.binary())
    one = validator.check_arrow(values, jobs=1)
    assert validator.check_arrow(values, jobs=2) == one
    assert validator.check_arrow(values, jobs=7) == one
    assert validator.check_arrow(values) == one
    assert one.to_pylist() == expected(validator, payloads * 5 + [None])


def test_a_slice_is_read_from_its_offset(payloads):
    validator = Validator()
    values = pa.array([p.decode() for p in payloads], pa.string())
    sliced = values.slice(17, 40)
    assert validator.check_arrow(sliced).to_pylist() == expected(validator, payloads[17:57])


def test_bytes_that_are_not_utf8_are_the_validators_to_judge():
    validator = Validator()
    bad = b'{"code": 200, "message": "\xff"}'
    # A string array that lies about its bytes, as Spark's text source can send.
    values = pa.Array.from_buffers(
        pa.string(), 1, [None, pa.py_buffer(bytes([0, 0, 0, 0, len(bad), 0, 0, 0])), pa.py_buffer(bad)]
    )
    rows = validator.check_arrow(values).to_pylist()
    assert rows == expected(validator, [bad])
    assert [d["rule"] for d in rows[0]["diagnostics"]] == ["invalid-utf8"]


def test_a_chunked_array_is_read_whole(payloads):
    # A table's column, as `pyarrow.parquet.read_table(...)["value"]` gives it.
    validator = Validator()
    values = pa.chunked_array([payloads[:10], payloads[10:11], [], payloads[11:]], pa.binary())
    assert validator.check_arrow(values).to_pylist() == expected(validator, payloads)
    assert validator.check_arrow(pa.chunked_array([], pa.string())).num_rows == 0


def test_an_object_that_combines_into_itself_is_refused_once():
    class Loop:
        def combine_chunks(self):
            return self

    with pytest.raises(TypeError, match="expected a pyarrow array"):
        Validator().check_arrow(Loop())


def test_an_empty_array():
    batch = Validator().check_arrow(pa.array([], pa.string()))
    assert batch.num_rows == 0 and batch.schema == SCHEMA


def test_bad_arguments():
    validator = Validator()
    with pytest.raises(TypeError, match="`values` is an Arrow array of type Int64, expected binary"):
        validator.check_arrow(pa.array([1, 2]))
    with pytest.raises(TypeError, match="`values` is list, expected a pyarrow array"):
        validator.check_arrow([b"{}"])
    with pytest.raises(ValueError, match="`jobs` is 0"):
        validator.check_arrow(pa.array([b"{}"]), jobs=0)
