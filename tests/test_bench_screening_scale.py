"""The screening-at-scale benchmark runs (quick size) on SQLite and PostgreSQL, prints its
figures, and finds no difference between the stored candidate index and the in-memory engine."""

from __future__ import annotations

import re

import pytest

from tests.benches import run_quick

LINES = (
    r"^award import, index maintained +[\d,]+ releases in [\d.]+ s: [\d,]+ releases/s",
    r"^index size on disk: [\d.]+ MB \(screening_name [\d.]+ MB",
    r"^cold screening, stored index +median +[\d.]+ ms, p95 +[\d.]+ ms, peak RSS +\d+ MB",
    r"^cold screening, in-memory engine +median +[\d.]+ ms, p95 +[\d.]+ ms, peak RSS +\d+ MB",
    r"^warm screening, stored index +median +[\d.]+ ms, p95 +[\d.]+ ms, peak RSS +\d+ MB",
    r"^worker RSS growth, stored index +[-+][\d.]+ MB over [\d,]+ screenings",
    r"^warm screening, in-memory engine +median +[\d.]+ ms, p95 +[\d.]+ ms, peak RSS +\d+ MB",
    # At the quick size the screening is shorter than start-up's noise: the difference may be < 0.
    r"^match screen 10 names, stored +-?\d+ ms beyond start-up \(\d+ ms\), peak RSS +\d+ MB",
    r"^match screen 10 names, in-memory +\d+ ms beyond start-up, peak RSS +\d+ MB",
    r"^declaration search, [\d,]+ officials +median +[\d.]+ ms, p95 +[\d.]+ ms, first +[\d.]+ ms",
)


def check(out: str) -> None:
    for pattern in LINES:
        assert re.search(pattern, out, re.M), f"no line {pattern!r}:\n{out}"
    assert re.search(r"^differences: 0$", out, re.M), out
    # The check compared something: flags on both paths.
    found = re.search(r"^compared [\d,]+ declared organisations .*\(([\d,]+) flags\) and "
                      r"[\d,]+ award suppliers \(([\d,]+) flags\)$", out, re.M)  # fmt: skip
    assert found, out
    assert int(found[1].replace(",", "")) > 0, out
    assert int(found[2].replace(",", "")) > 0, out


def test_bench_screening_scale_quick_sqlite() -> None:
    check(run_quick("screening_scale.py", "--check", timeout=900))


@pytest.mark.postgres
def test_bench_screening_scale_quick_postgres(postgres_url: str) -> None:
    check(run_quick("screening_scale.py", "--check", "--url", postgres_url, timeout=900))
