"""The review-queue benchmark runs (small size), renders every case and reports its figures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench" / "review_queue.py"


def test_bench_review_queue_quick(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(BENCH), "--quick"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "generated 2,000 flags in" in result.stdout
    assert result.stdout.count(" ms per page") == 6
    assert "officer, pages 1-" in result.stdout and "Slowest p95" in result.stdout
