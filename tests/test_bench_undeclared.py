"""The undeclared-interest benchmark runs at its quick size and prints its figures."""

from __future__ import annotations

import re

from tests.benches import run_quick


def test_quick_undeclared_benchmark_prints_time_memory_and_finds_planted() -> None:
    out = run_quick("undeclared.py")
    assert re.search(r"^500 officials x 20,000 officer records", out, re.M), out
    assert re.search(r"^screening: [\d.]+ s, peak memory \d+ MB$", out, re.M)
    found, planted = re.search(r"planted matches flagged: (\d+) of (\d+)", out).groups()
    assert found == planted != "0"
