"""Running a benchmark script at its --quick size, as the suite does for every script in bench/."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"


def run_quick(script: str, *args: str, timeout: int = 300) -> str:
    """Run `bench/<script> --quick [args]` in a fresh process; return what it printed."""
    result = subprocess.run(
        [sys.executable, str(BENCH / script), "--quick", *args],
        capture_output=True, text=True, check=False, timeout=timeout,
    )  # fmt: skip
    assert result.returncode == 0, (result.stdout[-2000:], result.stderr[-2000:])
    return result.stdout
