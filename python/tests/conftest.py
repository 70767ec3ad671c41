"""Shared fixtures: the command line (the reference every verdict is compared with), a corpus
it generates, and a local Spark."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Spark's Python workers (`python -m pyspark.daemon`) and the job's process start in the current
# directory; from `python/`, its `cloudstorage_contract/` sources (without the compiled module)
# would shadow the installed package. Python 3.11 leaves the directory off `sys.path` with this.
os.environ["PYTHONSAFEPATH"] = "1"
# Spark's Python workers are this Python (with the package), not the first `python3` on PATH.
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)


@pytest.fixture(scope="session")
def cli() -> Path:
    """The `cloudstorage-contract` binary: `$CLOUDSTORAGE_CONTRACT_BIN`, or the repository's
    debug build (built here if need be, with the features `cargo test --all-features` uses, so
    that after it nothing is rebuilt)."""
    given = os.environ.get("CLOUDSTORAGE_CONTRACT_BIN")
    if given:
        return Path(given)
    subprocess.run(
        ["cargo", "build", "--quiet", "--all-features", "--bin", "cloudstorage-contract"],
        cwd=ROOT,
        check=True,
    )
    return ROOT / "target" / "debug" / "cloudstorage-contract"


def run_cli(cli: Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(cli), *map(str, args)], input=stdin, capture_output=True)


def sample(cli: Path, count: int, seed: int = 0, invalid: bool = False, kind: str = "response") -> list[bytes]:
    args = ["sample", "--count", str(count), "--seed", str(seed), "--kind", kind]
    if invalid:
        args.append("--invalid")
    out = run_cli(cli, *args)
    assert out.returncode == 0, out.stderr
    return out.stdout.splitlines()


def check_json(cli: Path, *args: str, stdin: bytes | None = None) -> dict:
    """`check --format json ARGS` as a dict."""
    out = run_cli(cli, "check", "--format", "json", *args, stdin=stdin)
    assert out.returncode in (0, 1), out.stderr
    return json.loads(out.stdout)


@pytest.fixture(scope="session")
def payloads(cli: Path) -> list[bytes]:
    """Mixed payloads: conforming requests and responses, and near misses of both."""
    lines = (
        sample(cli, 60, seed=1, kind="request")
        + sample(cli, 60, seed=2, invalid=True, kind="request")
        + sample(cli, 120, seed=3)
        + sample(cli, 180, seed=4, invalid=True)
    )
    # Interleaved, so that neighbours differ.
    return [lines[(i * 11) % len(lines)] for i in range(len(lines))]


@pytest.fixture(scope="session")
def corpus(tmp_path_factory, cli: Path) -> Path:
    """A directory `in/` of NDJSON for the Spark job, which `check` reads too: two plain files,
    a gzip file of two members (split inside a line) and a nested directory, thousands of lines
    with mixed verdicts, blank lines (also `\\r\\n`, whitespace-only and ` \\r ` ones), `\\r\\n`
    line ends, payloads with a bare `\\r` inside, and a last line without `\\n`."""
    root = tmp_path_factory.mktemp("corpus")
    (root / "in" / "nested").mkdir(parents=True)
    texts = {
        "a.ndjson": _file(sample(cli, 1500, seed=10) + sample(cli, 700, seed=20, invalid=True), 3),
        "nested/b.jsonl": _file(sample(cli, 400, seed=30, kind="request") + sample(cli, 300, seed=40, invalid=True, kind="request"), 5),
        "c.ndjson.gz": _file(sample(cli, 600, seed=50) + sample(cli, 500, seed=60, invalid=True), 7),
    }
    for name, text in texts.items():
        path = root / "in" / name
        if name.endswith(".gz"):
            cut = len(text) // 2 + 7  # inside a line: the second member goes on with it
            path.write_bytes(gzip.compress(text[:cut]) + gzip.compress(text[cut:]))
        else:
            path.write_bytes(text)
    return root


def _file(lines: list[bytes], every: int) -> bytes:
    """`lines` mixed in a fixed order, with a blank line after every `every`-th, a
    whitespace-only one, some `\\r\\n` line ends, a bare `\\r` inside some payloads (which
    `check` keeps: JSON reads it as whitespace between tokens), and no `\\n` after the last."""
    mixed = [lines[(i * 11) % len(lines)] for i in range(len(lines))] if len(lines) % 11 else lines
    out = []
    for i, line in enumerate(mixed):
        if i % 17 == 0:
            line = line.replace(b"{", b"{\r", 1)
        out.append(line + (b"\r\n" if i % 13 == 0 else b"\n"))
        if i % every == 0:
            out.append((b"\n", b"  \t\n", b" \r \r\n")[i % 3])
    return b"".join(out).rstrip(b" \t\r\n")


@pytest.fixture(scope="session")
def spark():
    """A local Spark on two cores, for the whole session."""
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("cloudstorage-contract-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    yield session
    session.stop()
