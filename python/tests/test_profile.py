"""`Validator.profile_arrow` and `TrafficProfile`: the library's profile, from Python."""

from __future__ import annotations

import json
import random

import pyarrow as pa
import pytest

from cloudstorage_contract import TrafficProfile, Validator

from conftest import ROOT

PAGE = (ROOT / "examples" / "page" / "response-success.json").read_bytes()


def profile_of(validator: Validator, payloads: list, first_line: int = 1, file: str = "a.ndjson", **kw) -> TrafficProfile:
    """`payloads` profiled as lines `first_line`… of `file`."""
    lines = pa.array(range(first_line, first_line + len(payloads)), pa.int64())
    return validator.profile_arrow(pa.array(payloads, pa.binary()), files=file, lines=lines, **kw)


def test_the_pages_example_writes_single_digit_seconds_twice():
    profile = Validator().profile_arrow(pa.array([PAGE]), files="page.json")
    d = profile.to_dict()
    assert d["forms"]["local_time"]["single_digit_seconds"] == 2
    assert d["forms"]["local_time"]["canonical"] == 0
    assert d["totals"]["payloads"] == {"response": {"conforming": 1, "failing": 0}}
    assert d["enumerations"]["/data/status"]["documented"]["0"] == 1
    assert d["rules"]["single-digit-seconds"] == {"count": 2, "payloads": 1, "first": {"file": "page.json", "line": 1}}
    assert (d["version"], d["contract"]) == (1, "1.0.6")
    assert profile.payloads == 1 and profile.cap == 1024


def test_the_totals_are_validates(payloads):
    validator = Validator(time_zone="Asia/Shanghai")
    profile = profile_of(validator, payloads, kind="auto")
    reports = [validator.validate(p) for p in payloads]
    totals = profile.to_dict()["totals"]
    assert profile.payloads == len(payloads)
    assert totals["errors"] == sum(r.errors for r in reports)
    assert totals["warnings"] == sum(r.warnings for r in reports)
    for kind in ("request", "response"):
        assert totals["payloads"][kind] == {
            "conforming": sum(r.conforms for r in reports if r.kind == kind),
            "failing": sum(not r.conforms for r in reports if r.kind == kind),
        }
    # Each rule's payloads, and its first: the smallest line with one.
    rules = profile.to_dict()["rules"]
    for rule, stats in rules.items():
        with_it = [i + 1 for i, r in enumerate(reports) if any(d.rule == rule for d in r.diagnostics)]
        assert stats["payloads"] == len(with_it), rule
        assert stats["first"] == {"file": "a.ndjson", "line": with_it[0]}, rule


def test_merging_parts_in_any_order_is_profiling_the_whole(payloads):
    validator = Validator()
    whole = profile_of(validator, payloads)
    cuts = [0, 7, 100, 101, 250, len(payloads)]
    parts = [profile_of(validator, payloads[a:b], first_line=a + 1) for a, b in zip(cuts, cuts[1:])]
    for seed in range(3):
        random.Random(seed).shuffle(parts)
        total = TrafficProfile()
        for part in parts:
            assert total.merge(part) is None  # in place
        assert total == whole
        assert total.to_dict() == whole.to_dict()
    # Threads do not show either.
    assert profile_of(validator, payloads, jobs=1) == profile_of(validator, payloads, jobs=4) == whole


def test_merge_leaves_the_other_alone_and_doubles_itself():
    validator = Validator()
    one = validator.profile_arrow(pa.array([PAGE]))
    other = validator.profile_arrow(pa.array([PAGE]))
    one.merge(other)
    assert other.payloads == 1 and one.payloads == 2
    one.merge(one)
    assert one.payloads == 4
    assert one.to_dict()["forms"]["local_time"]["single_digit_seconds"] == 8
    assert one != other


def test_origins_nulls_and_chunked_arrays(payloads):
    validator = Validator()
    values = pa.chunked_array([pa.array(payloads[:50]), pa.array([None] + payloads[50:100])])
    files = pa.chunked_array([pa.array(["b.ndjson"] * 60), pa.array(["a.ndjson"] * 41)])
    lines = pa.array([None] * 10 + list(range(11, 102)), pa.int32())
    profile = validator.profile_arrow(values, files=files, lines=lines)
    assert profile.payloads == 100  # the null is not a payload
    # Values 0-9 are whole files (no line), 10-59 lines 11-60 of `b`, the rest lines 61- of `a`.
    firsts = [s["first"] for s in profile.to_dict()["rules"].values()]
    assert firsts
    for f in firsts:
        if f["file"] == "a.ndjson":
            assert f["line"] >= 62
        else:
            assert f["file"] == "b.ndjson" and ("line" not in f or 11 <= f["line"] <= 60)
    # By default the values are lines 1… of `<stdin>`.
    default = validator.profile_arrow(pa.array(payloads))
    assert default == profile_of(validator, payloads, file="<stdin>")


def test_the_json_form_round_trips(payloads):
    profile = profile_of(Validator(), payloads, cap=8)
    text = profile.to_json()
    assert TrafficProfile.from_json(text) == profile
    assert TrafficProfile.from_json(text.encode()) == profile
    assert TrafficProfile.from_json(json.dumps(profile.to_dict())) == profile
    assert TrafficProfile.from_json(profile.to_json(pretty=True)) == profile
    assert json.loads(text) == profile.to_dict()
    assert profile.cap == 8 and profile.to_dict()["cap"] == 8
    assert TrafficProfile() == TrafficProfile.from_json(TrafficProfile().to_json())
    assert TrafficProfile().payloads == 0


@pytest.mark.parametrize(
    "change, message",
    [
        ({"version": 2}, "format version 2, expected 1"),
        ({"version": None}, "format version none, expected 1"),
        ({"contract": "1.0.5"}, 'contract version "1.0.5", expected "1.0.6"'),
        ({"surprise": 1}, "unknown field `surprise`"),
    ],
)
def test_another_version_is_refused(change, message):
    d = TrafficProfile().to_dict()
    d.update(change)
    with pytest.raises(ValueError, match=message):
        TrafficProfile.from_json(json.dumps(d))


def test_bad_arguments_are_refused():
    validator = Validator()
    values = pa.array([PAGE])
    with pytest.raises(ValueError, match="not a traffic profile"):
        TrafficProfile.from_json("{")
    with pytest.raises(TypeError, match="expected str or bytes"):
        TrafficProfile.from_json(1)
    with pytest.raises(ValueError, match="`jobs` is 0"):
        validator.profile_arrow(values, jobs=0)
    with pytest.raises(ValueError, match="unknown kind `both`"):
        validator.profile_arrow(values, kind="both")
    with pytest.raises(ValueError, match="`lines` holds 0, expected line numbers from 1"):
        validator.profile_arrow(values, lines=pa.array([0]))
    with pytest.raises(ValueError, match="`lines` holds -3"):
        validator.profile_arrow(values, lines=pa.array([-3]))
    with pytest.raises(TypeError, match="`lines` is an Arrow array of type Utf8, expected an integer type"):
        validator.profile_arrow(values, lines=pa.array(["1"]))
    with pytest.raises(ValueError, match=r"`files` has 2 values, expected one per value of `values` \(1\)"):
        validator.profile_arrow(values, files=pa.array(["a", "b"]))
    with pytest.raises(ValueError, match="`files` is null at index 0"):
        validator.profile_arrow(values, files=pa.array([None], pa.string()))
    with pytest.raises(TypeError, match="`values` is list"):
        validator.profile_arrow([PAGE])


def test_kind_is_validates():
    profile = Validator().profile_arrow(pa.array([PAGE]), kind="request")
    assert profile.to_dict()["totals"]["payloads"] == {"request": {"conforming": 0, "failing": 1}}


def test_the_profile_renders_as_the_command_line_prints_it():
    hostile = b'{"code": 200, "message": "", "data": null, "<script>alert(1)</script>": 1}'
    profile = Validator().profile_arrow(pa.array([PAGE, hostile]), files="page.ndjson")
    text = profile.to_text(width=60)
    assert "single-digit seconds" in text
    assert all(len(line) <= 60 for line in text.splitlines())
    markdown = profile.to_markdown()
    assert markdown.startswith("## Traffic profile")
    assert "&lt;script&gt;" in markdown and "<script>" not in markdown
    html = profile._repr_html_()
    assert html == profile.to_html()
    assert html.startswith("<!DOCTYPE html>")
    # A pointer writes the key's `/` as `~1`.
    assert "/&lt;script&gt;alert(1)&lt;~1script&gt;" in html and "<script>" not in html
