"""Benchmark the award import: releases per second and peak memory at two file sizes.

    python bench/import_awards.py            # N = 200,000 releases (and N/4)
    python bench/import_awards.py 50000
    python bench/import_awards.py --quick    # N = 2,000 (and 500), for the test suite

For each size it writes N generated Contracts Finder-like releases (bench/generate_awards.py) as
JSON Lines, then imports the file into a fresh, migrated SQLite database in a child process, so
each size's peak memory is its own: the peak resident set size (VmHWM, reset just before the
import starts, so the app's start-up and the migrations do not count). Memory should not grow
with the file's size: the parser streams, the importer writes batches in one transaction.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET = 2000  # releases per second


def _reset_peak() -> None:
    """Linux: start the peak resident set size (VmHWM) again from the current size."""
    Path("/proc/self/clear_refs").write_text("5")


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def _current_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child(path: Path, database: Path) -> dict[str, Any]:
    """Migrate a fresh database and import one file; runs in its own process."""
    sys.path.insert(0, str(ROOT))
    os.environ["REGISTER_INSTANCE"] = str(database.parent)
    from flask_migrate import upgrade

    from register import create_app
    from register.awards.importer import import_file
    from register.extensions import db

    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"})
    with app.app_context():
        upgrade(revision="heads")
        rss_before = _current_mb()
        _reset_peak()
        cpu_before = _cpu_seconds()
        started = time.perf_counter()
        report = import_file(db.session, path)
        seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "cpu_seconds": _cpu_seconds() - cpu_before,
        "awards": report.imported,
        "problems": len(report.rejected) + bool(report.failed),
        "rss_before_mb": rss_before,
        "peak_rss_mb": _peak_mb(),
    }


def measure(releases: int, folder: Path, seed: int) -> dict[str, Any]:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from generate_awards import write_jsonl

    path = folder / f"awards-{releases}.jsonl"
    write_jsonl(releases, path, seed)
    database = folder / f"register-{releases}.sqlite"
    output = subprocess.run(
        [sys.executable, __file__, "--child", str(path), str(database)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    result["releases"] = releases
    result["mb"] = path.stat().st_size / 1e6
    path.unlink()
    return result


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=200_000, help="releases (larger size)")
    parser.add_argument("--quick", action="store_true", help="N = 2,000")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(*args.child)))
        return 0
    n = 2000 if args.quick else args.n
    print(f"Award import benchmark: {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f}, Python {sys.version.split()[0]}")  # fmt: skip
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-import-") as folder:
        for size in (n // 4, n):
            result = measure(size, Path(folder), args.seed)
            results.append(result)
            print(
                f"{result['releases']:>8,} releases ({result['mb']:,.0f} MB JSONL, "
                f"{result['awards']:,} awards): {result['seconds']:.1f} s, "
                f"{result['releases'] / result['seconds']:,.0f} releases/s "
                f"({result['releases'] / result['cpu_seconds']:,.0f} per CPU second), "
                f"peak memory {result['peak_rss_mb']:.0f} MB "
                f"(+{result['peak_rss_mb'] - result['rss_before_mb']:.0f} MB during the import)"
            )
    small, large = results
    growth = large["peak_rss_mb"] - small["peak_rss_mb"]
    rate = large["releases"] / large["seconds"]
    print(f"Peak memory at {large['releases']:,} vs {small['releases']:,} releases: "
          f"{growth:+.0f} MB")  # fmt: skip
    print(f"Throughput {rate:,.0f} releases/s: {'meets' if rate >= TARGET else 'BELOW'} the "
          f"target of {TARGET:,}/s")  # fmt: skip
    return 1 if any(r["problems"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
