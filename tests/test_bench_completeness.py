"""The completeness benchmark runs (small size) and its counts add up."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench" / "completeness.py"


def test_bench_completeness_quick(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(BENCH), "--quick"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "generated 1,000 officials" in result.stdout
    assert "median of 3: compute" in result.stdout
