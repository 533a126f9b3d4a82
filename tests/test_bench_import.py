"""The import benchmark runs (quick size) and prints its figures."""

from __future__ import annotations

import re

from tests.benches import run_quick


def test_quick_import_benchmark_prints_rate_and_memory() -> None:
    out = run_quick("import_awards.py")
    sizes = re.findall(
        r"^ +([\d,]+) releases \(.*\): [\d.]+ s, ([\d,]+) releases/s .* peak memory (\d+) MB",
        out,
        re.MULTILINE,
    )
    assert [size for size, _, _ in sizes] == ["500", "2,000"], out
    assert all(int(rate.replace(",", "")) > 0 for _, rate, _ in sizes)
    assert re.search(r"^Peak memory at 2,000 vs 500 releases: [+-]\d+ MB$", out, re.M)
    assert re.search(r"^Throughput [\d,]+ releases/s", out, re.MULTILINE)
