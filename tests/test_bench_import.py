"""The import benchmark runs (quick size) and prints its figures."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_quick_import_benchmark_prints_rate_and_memory() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "import_awards.py"), "--quick"],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    sizes = re.findall(
        r"^ +([\d,]+) releases \(.*\): [\d.]+ s, ([\d,]+) releases/s .* peak memory (\d+) MB",
        result.stdout,
        re.MULTILINE,
    )
    assert [size for size, _, _ in sizes] == ["500", "2,000"], result.stdout
    assert all(int(rate.replace(",", "")) > 0 for _, rate, _ in sizes)
    assert re.search(r"^Peak memory at 2,000 vs 500 releases: [+-]\d+ MB$", result.stdout, re.M)
    assert re.search(r"^Throughput [\d,]+ releases/s", result.stdout, re.MULTILINE)
