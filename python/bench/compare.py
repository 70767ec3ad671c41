"""How fast the Python package and the Spark job check, next to the command line.

    python python/bench/compare.py [--lines N] [--spark-lines M] [--cli PATH]

Measures, on one run each (ratios from one run, as the issue asks; no timing is a test):

1. `Validator.check_arrow(values, jobs=1)` against `check --jobs 1 --format json` over the same
   NDJSON corpus of N lines (`benches/compare.sh`'s mixed one: nine conforming responses, then a
   near miss). `check` reads the file and writes its JSON; `check_arrow` is timed alone, on an
   array built beforehand, and returns its record batch.
2. The Spark job (`python -m cloudstorage_contract.spark --master local[2]`) over M lines:
   lines per second (wall clock, Spark's start included), the ratio to `check --jobs 2`, and
   the peak resident memory of the job's processes (Spark's JVM, which holds the local
   executor, and the Python workers), sampled every 0.1 s from /proc.

Run it with the package installed and a release build of the command line
(`cargo build --release`).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def corpus(cli: Path, lines: int, path: Path) -> None:
    invalid = lines // 10
    valid = subprocess.run(
        [cli, "sample", "--count", str(lines - invalid), "--seed", "1"], capture_output=True, check=True
    ).stdout.splitlines()
    bad = subprocess.run(
        [cli, "sample", "--count", str(invalid), "--seed", "1", "--invalid"], capture_output=True, check=True
    ).stdout.splitlines()
    out = []
    for i, line in enumerate(valid):
        out.append(line)
        if (i + 1) % 9 == 0 and bad:
            out.append(bad.pop())
    out.extend(bad)
    path.write_bytes(b"\n".join(out) + b"\n")


def timed(args: list) -> float:
    start = time.perf_counter()
    subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def tree_rss(root: int) -> tuple[int, int]:
    """The resident bytes of `root` and its descendants, and of the largest Python worker."""
    children: dict[int, list[int]] = {}
    names: dict[int, str] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
            with open(f"/proc/{entry}/statm") as f:
                pages = int(f.read().split()[1])
        except OSError:
            continue
        pid = int(entry)
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(pid)
        names[pid] = stat.split("(", 1)[1].rsplit(")", 1)[0]
        rss[pid] = pages * os.sysconf("SC_PAGE_SIZE")
    total, worker, todo = 0, 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        if pid != root and names.get(pid, "").startswith("python"):
            worker = max(worker, rss.get(pid, 0))
        todo.extend(children.get(pid, []))
    return total, worker


def spark_job(path: Path, out: Path) -> tuple[float, int, int, str]:
    start = time.perf_counter()
    job = subprocess.Popen(
        [sys.executable, "-m", "cloudstorage_contract.spark", str(path), "--output", str(out), "--master", "local[2]"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=out.parent,
    )
    peak = [0, 0]

    def sample() -> None:
        while job.poll() is None:
            total, worker = tree_rss(job.pid)
            peak[0], peak[1] = max(peak[0], total), max(peak[1], worker)
            time.sleep(0.1)

    sampler = threading.Thread(target=sample)
    sampler.start()
    stdout, _ = job.communicate()
    sampler.join()
    return time.perf_counter() - start, peak[0], peak[1], stdout.decode().splitlines()[-1]


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--lines", type=int, default=200_000)
    p.add_argument("--spark-lines", type=int, default=1_000_000)
    p.add_argument("--cli", type=Path, default=ROOT / "target" / "release" / "cloudstorage-contract")
    args = p.parse_args()

    import pyarrow as pa

    from cloudstorage_contract import Validator

    work = Path(tempfile.mkdtemp(prefix="cloudstorage-bench-"))
    try:
        small = work / "small.ndjson"
        corpus(args.cli, args.lines, small)
        lines = small.read_bytes().splitlines()
        values = pa.array(lines, pa.binary())
        validator = Validator()
        validator.check_arrow(values.slice(0, 1000), jobs=1)  # warm
        start = time.perf_counter()
        batch = validator.check_arrow(values, jobs=1)
        arrow = time.perf_counter() - start
        cli = timed([args.cli, "check", "--jobs", "1", "--format", "json", str(small)])
        conforming = batch.column("conforms").to_pylist().count(True)
        print(f"corpus: {len(lines):,} lines, {small.stat().st_size:,} bytes, {conforming:,} conform")
        print(f"check --jobs 1 --format json : {len(lines) / cli:>12,.0f} lines/s")
        print(f"check_arrow(values, jobs=1)  : {len(lines) / arrow:>12,.0f} lines/s")
        print(f"ratio check_arrow / check    : {cli / arrow:.2f}x")

        big = work / "big.ndjson"
        corpus(args.cli, args.spark_lines, big)
        cli2 = timed([args.cli, "check", "--jobs", "2", "--format", "json", str(big)])
        seconds, peak, worker, summary = spark_job(big, work / "out")
        print(f"spark corpus: {args.spark_lines:,} lines, {big.stat().st_size:,} bytes")
        print(f"check --jobs 2 --format json : {args.spark_lines / cli2:>12,.0f} lines/s")
        print(f"spark job, local[2]          : {args.spark_lines / seconds:>12,.0f} lines/s ({seconds:.1f} s)")
        print(f"ratio spark / check --jobs 2 : {cli2 / seconds:.3f}x")
        print(f"peak RSS, JVM + workers      : {peak / 2**20:,.0f} MiB (largest Python worker {worker / 2**20:,.0f} MiB)")
        print(f"summary: {summary}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
