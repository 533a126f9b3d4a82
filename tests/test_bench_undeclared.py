"""The undeclared-interest benchmark runs at its quick size and prints its figures."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench" / "undeclared.py"


def test_quick_undeclared_benchmark_prints_time_memory_and_finds_planted() -> None:
    run = subprocess.run(
        [sys.executable, str(BENCH), "--quick"], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert re.search(r"^500 officials x 20,000 officer records", run.stdout, re.M), run.stdout
    assert re.search(r"^screening: [\d.]+ s, peak memory \d+ MB$", run.stdout, re.M)
    found, planted = re.search(r"planted matches flagged: (\d+) of (\d+)", run.stdout).groups()
    assert found == planted != "0"
