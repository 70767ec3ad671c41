"""`Validator`, `Report` and `Diagnostic` against the command line: the same verdicts, the same
JSON, the same messages for bad arguments."""

from __future__ import annotations

import pytest

from cloudstorage_contract import Diagnostic, Exchange, Report, Validator

from conftest import ROOT, check_json, run_cli


def ndjson(tmp_path, payloads: list[bytes], name: str = "in.ndjson"):
    path = tmp_path / name
    path.write_bytes(b"\n".join(payloads) + b"\n")
    return path


def test_to_dict_is_each_payload_object_of_check_json(tmp_path, cli, payloads):
    path = ndjson(tmp_path, payloads)
    printed = check_json(cli, path)["payloads"]
    validator = Validator()
    ours = [validator.validate(p).to_dict(file=str(path), line=i + 1) for i, p in enumerate(payloads)]
    assert ours == printed
    verdicts = {p["verdict"] for p in printed}
    assert verdicts == {"conforms", "violates"}, "the corpus mixes verdicts"


def test_a_whole_file_and_stdin(tmp_path, cli):
    pretty = ROOT / "examples" / "invalid" / "code-as-string.json"
    report = Validator().validate(pretty.read_bytes())
    assert report.to_dict(file=str(pretty)) == check_json(cli, pretty)["payloads"][0]
    # The defaults are what `check -` prints for the payload on stdin.
    assert report.to_dict() == check_json(cli, "-", stdin=pretty.read_bytes())["payloads"][0]
    # Positions are the payload's own: line 3 of the pretty-printed file.
    assert [(d.line, d.column) for d in report.diagnostics] == [(3, 11)]


def test_attributes_are_what_the_json_says(payloads):
    validator = Validator()
    for payload in payloads:
        report = validator.validate(payload)
        printed = report.to_dict()
        assert report.conforms == (printed["verdict"] == "conforms")
        assert (report.errors, report.warnings, report.kind, report.dropped) == (
            printed["errors"],
            printed["warnings"],
            printed["kind"],
            printed["dropped"],
        )
        fields = ("rule", "severity", "pointer", "line", "column", "message", "hint")
        assert [{f: getattr(d, f) for f in fields} for d in report.diagnostics] == [
            {f: d[f] for f in fields} for d in printed["diagnostics"]
        ]
        assert all(isinstance(d, Diagnostic) for d in report.diagnostics)


def test_str_and_bytes_are_the_same_payload(payloads):
    validator = Validator()
    for payload in payloads[:50]:
        assert validator.validate(payload.decode()).to_dict() == validator.validate(payload).to_dict()


@pytest.mark.parametrize(
    ("options", "flags"),
    [
        ({"strict": True}, ["--strict"]),
        ({"time_zone": "Asia/Shanghai"}, ["--time-zone", "Asia/Shanghai"]),
        (
            {"levels": {"unknown-field": "allow", "single-digit-seconds": "deny", "wrong-type": "warn"}},
            ["--allow", "unknown-field", "--deny", "single-digit-seconds", "--warn", "wrong-type"],
        ),
        ({"strict": True, "levels": {"unknown-field": "warn"}}, ["--strict", "--warn", "unknown-field"]),
    ],
)
def test_options_are_the_flags(tmp_path, cli, payloads, options, flags):
    path = ndjson(tmp_path, payloads)
    printed = check_json(cli, *flags, path)
    validator = Validator(**options)
    ours = [validator.validate(p).to_dict(file=str(path), line=i + 1) for i, p in enumerate(payloads)]
    assert ours == printed["payloads"]
    # The options change something, or the comparison proves little.
    assert ours != [Validator().validate(p).to_dict(file=str(path), line=i + 1) for i, p in enumerate(payloads)]


@pytest.mark.parametrize("kind", ["request", "response"])
def test_kind_is_the_flag(tmp_path, cli, payloads, kind):
    path = ndjson(tmp_path, payloads)
    printed = check_json(cli, "--kind", kind, path)["payloads"]
    validator = Validator()
    assert [validator.validate(p, kind=kind).to_dict(str(path), i + 1) for i, p in enumerate(payloads)] == printed


@pytest.mark.parametrize(
    ("options", "flags"),
    [
        ({"time_zone": "Mars/Olympus_Mons"}, ["--time-zone", "Mars/Olympus_Mons"]),
        ({"levels": {"no-such-rule": "allow"}}, ["--allow", "no-such-rule"]),
        ({"levels": {"no-such-rule": "warn"}}, ["--warn", "no-such-rule"]),
        ({"levels": {"no-such-rule": "deny"}}, ["--deny", "no-such-rule"]),
        ({"levels": {"invalid-json": "allow"}}, ["--allow", "invalid-json"]),
        ({"levels": {"empty-input": "warn"}}, ["--warn", "empty-input"]),
    ],
)
def test_a_bad_argument_is_the_command_lines_message(cli, options, flags):
    out = run_cli(cli, "check", *flags, "-", stdin=b"{}")
    assert out.returncode == 2
    message = out.stderr.decode().strip().removeprefix("error: ")
    with pytest.raises(ValueError) as raised:
        Validator(**options)
    assert str(raised.value) == message


def test_bad_arguments_without_a_flag():
    with pytest.raises(ValueError, match="unknown level `forbid` for rule `wrong-type`"):
        Validator(levels={"wrong-type": "forbid"})
    with pytest.raises(TypeError):
        Validator(levels={"wrong-type": 1})
    validator = Validator()
    with pytest.raises(ValueError, match="unknown kind `json`, expected one of: auto, request, response"):
        validator.validate(b"{}", kind="json")
    with pytest.raises(TypeError, match="`payload` is int, expected bytes or str"):
        validator.validate(42)
    with pytest.raises(ValueError, match="`line` is 0"):
        validator.validate(b"{}").to_dict(line=0)


def test_exchange_compares_the_response_with_the_request():
    page = ROOT / "examples" / "page"
    exchange = Validator().validate_exchange(
        (page / "request.json").read_bytes(), (page / "response-success.json").read_bytes()
    )
    assert isinstance(exchange, Exchange)
    assert exchange.request.conforms
    # The page's example response is for device "123", not the requested one.
    assert [d.rule for d in exchange.response.diagnostics if d.severity == "error"] == ["exchange-mismatch"]
    assert not exchange.conforms
    # Each on its own, the response has no mismatch to report.
    alone = Validator().validate((page / "response-success.json").read_bytes(), kind="response")
    assert "exchange-mismatch" not in [d.rule for d in alone.diagnostics]


def test_reprs_read_well():
    report = Validator().validate(b'{"code": "200"}')
    assert isinstance(report, Report)
    assert repr(report) == "<Report response: violates, 1 error, 0 warnings>"
    assert repr(report.diagnostics[0]) == (
        '<Diagnostic 1:10: error[wrong-type] at "/code": `code` is "200", expected an integer>'
    )
    assert repr(Validator().validate(b"")) == "<Report of unknown kind: violates, 1 error, 0 warnings>"
    assert repr(Validator(time_zone="Asia/Shanghai", strict=True)) == (
        "<Validator time_zone='Asia/Shanghai' strict=True>"
    )
