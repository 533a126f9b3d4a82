"""The load test runs (quick size) on two gunicorn instances over one PostgreSQL, with
officials submitting and amending their declarations and an award import half way through,
and prints its figures."""

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
    assert re.search(
        r"^Over gunicorn's \d+ s timeout or unanswered: 0 \(0 unanswered\)$", out, re.M
    ), out
    for page in ("file interest", "review queue", "flag", "completeness"):
        assert re.search(rf"^{page} +\d+ ", out, re.M), f"no {page!r} requests:\n{out}"
    # Officials submit (each submission screened against every award) and reopen for amendment.
    submitted = re.search(r"^submit declaration +(\d+) ", out, re.M)
    assert submitted and int(submitted.group(1)) > 0, f"no submissions:\n{out}"
    assert re.search(r"^amend declaration +\d+ ", out, re.M), f"no amendments:\n{out}"
    # Both instances served requests.
    served = re.findall(r"^Instance on port (\d+): ([\d,]+) requests", out, re.M)
    assert len({port for port, _ in served}) == 2, out
    assert all(int(count.replace(",", "")) > 0 for _, count in served), out
    # The mid-test import ran, succeeded and said what it did.
    assert re.search(r"^Award import: [\d,]+ releases .* took [\d.]+ s, exit 0$", out, re.M), out
    assert re.search(r"^  import: Total: read \d+, imported \d+", out, re.M), out
