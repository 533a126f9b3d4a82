"""The benchmark runs at its quick size and prints its figures."""

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "matching.py"


def test_quick_benchmark_runs_and_reports() -> None:
    run = subprocess.run(
        [sys.executable, str(BENCH), "--quick"], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    for figure in [
        "engine: index",
        "peak memory",
        "brute force cdist",
        "speed: brute force / engine screening",
        "recall vs brute force",
        "incremental: one 10-interest declaration",
    ]:
        assert figure in run.stdout
    assert "target recall vs brute force >= 99.5%: met" in run.stdout
