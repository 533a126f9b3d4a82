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
    for label in ("compute", "dashboard page", "department drill-down", "completeness export"):
        assert f"{label}" in result.stdout and "(of 3)" in result.stdout, label
    assert "the export has" in result.stdout
