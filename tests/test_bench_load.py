"""The load test runs (quick size) against gunicorn on PostgreSQL and prints its figures."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.postgres
def test_quick_load_test_serves_the_mix_without_errors(postgres_url: str) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "load.py"), "--quick", "--url", postgres_url,
         "--port", "0"],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    assert re.search(r"^Requests: [\d,]+ in \d+ s; throughput [\d.]+ req/s$", out, re.M), out
    assert re.search(r"^Latency ms: p50 \d+, p95 \d+, p99 \d+, max \d+$", out, re.M), out
    assert re.search(r"^Errors: 0 \(0\.00%\)$", out, re.M), out
    for page in ("file interest", "review queue", "flag", "completeness"):
        assert re.search(rf"^{page} +\d+ ", out, re.M), f"no {page!r} requests:\n{out}"
