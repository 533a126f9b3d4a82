"""The load test runs (quick size) against gunicorn on PostgreSQL and prints its figures."""

from __future__ import annotations

import re

import pytest

from tests.benches import run_quick


@pytest.mark.postgres
def test_quick_load_test_serves_the_mix_without_errors(postgres_url: str) -> None:
    out = run_quick("load.py", "--url", postgres_url, "--port", "0")
    assert re.search(r"^Requests: [\d,]+ in \d+ s; throughput [\d.]+ req/s$", out, re.M), out
    assert re.search(r"^Latency ms: p50 \d+, p95 \d+, p99 \d+, max \d+$", out, re.M), out
    assert re.search(r"^Errors: 0 \(0\.00%\)$", out, re.M), out
    for page in ("file interest", "review queue", "flag", "completeness"):
        assert re.search(rf"^{page} +\d+ ", out, re.M), f"no {page!r} requests:\n{out}"
