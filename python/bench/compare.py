"""How fast the Python package and the Spark job check, next to the command line.

    python python/bench/compare.py [--lines N] [--sizes M1 M2] [--files F] [--cli PATH]

Measures, on one run each (ratios from one run, as the issue asks; no timing is a test):

1. `Validator.check_arrow(values, jobs=1)` against `check --jobs 1 --format json` over the same
   NDJSON corpus of N lines (`benches/compare.sh`'s mixed one: nine conforming responses, then a
   near miss). `check` reads the file and writes its JSON; `check_arrow` is timed alone, on an
   array built beforehand, and returns its record batch.
2. The Spark job (`python -m cloudstorage_contract.spark --master local[2]`, default `--rows`)
   and `check --jobs 2 --format json` over corpora of M1 and M2 lines, plain and gzipped, each
   split into F files (a file is one task of the job). The steady-state rate of each is the
   slope between the two sizes, `(M2 - M1) / (t2 - t1)`, which leaves out Spark's start-up;
   the ratio is the job's slope over `check`'s. Also the peak resident memory of the job's
   processes (Spark's JVM, which holds the local executor, and the Python workers), sampled
   every 0.1 s from /proc. The local job runs with `--conf spark.driver.memory=8g` (which only
   matters for files handed over as bytes, not the local files read here by path).

Run it with the package installed and a release build of the command line
(`cargo build --release`).
"""

from __future__ import annotations

import argparse
import gzip
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


def spark_job(paths: list, out: Path, memory: str) -> tuple[float, int, int, str]:
    start = time.perf_counter()
    job = subprocess.Popen(
        [sys.executable, "-m", "cloudstorage_contract.spark", *map(str, paths), "--output", str(out), "--master", "local[2]",
         "--conf", f"spark.driver.memory={memory}"],
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
    shutil.rmtree(out, ignore_errors=True)
    return time.perf_counter() - start, peak[0], peak[1], stdout.decode().splitlines()[-1]


def split(text: Path, files: int, gz: bool) -> list:
    """`text` cut at line ends into `files` files (gzipped with `gz`), next to it."""
    data = text.read_bytes()
    cuts, out = [0], []
    for i in range(1, files):
        cuts.append(data.index(b"\n", len(data) * i // files) + 1)
    cuts.append(len(data))
    for i in range(files):
        part = data[cuts[i] : cuts[i + 1]]
        path = text.with_name(f"{text.stem}-{i}.ndjson" + (".gz" if gz else ""))
        path.write_bytes(gzip.compress(part, 1) if gz else part)
        out.append(path)
    return out


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--lines", type=int, default=200_000)
    p.add_argument("--sizes", type=int, nargs=2, default=[1_000_000, 3_000_000])
    p.add_argument("--files", type=int, default=1)
    # Only for files handed over as bytes (not local ones): a task holds such a file about
    # three times in the JVM's heap.
    p.add_argument("--driver-memory", default="8g")
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

        m1, m2 = args.sizes
        for gz in (False, True):
            times = {}
            for size in (m1, m2):
                text = work / f"big-{size}.ndjson"
                corpus(args.cli, size, text)
                paths = split(text, args.files, gz)
                text.unlink()
                cli2 = timed([args.cli, "check", "--jobs", "2", "--format", "json", *map(str, paths)])
                seconds, peak, worker, summary = spark_job(paths, work / "out", args.driver_memory)
                times[size] = (cli2, seconds)
                what = f"{size:,} lines in {args.files} {'.ndjson.gz' if gz else '.ndjson'} file(s)"
                print(f"{what}: check --jobs 2 {cli2:.2f} s, spark job {seconds:.2f} s, "
                      f"peak RSS {peak / 2**20:,.0f} MiB (largest Python worker {worker / 2**20:,.0f} MiB)")
                print(f"  summary: {summary}")
                for path in paths:
                    path.unlink()
            cli_rate = (m2 - m1) / (times[m2][0] - times[m1][0])
            spark_rate = (m2 - m1) / (times[m2][1] - times[m1][1])
            kind = "gzipped" if gz else "plain"
            print(f"{kind}: steady state, check --jobs 2 {cli_rate:,.0f} lines/s, spark job local[2] "
                  f"{spark_rate:,.0f} lines/s, ratio {spark_rate / cli_rate:.2f}x")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
