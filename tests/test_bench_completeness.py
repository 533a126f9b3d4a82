"""The completeness benchmark runs (small size) and its counts add up."""

from __future__ import annotations

from tests.benches import run_quick


def test_bench_completeness_quick() -> None:
    out = run_quick("completeness.py")
    assert "generated 1,000 officials" in out
    for label in ("compute", "dashboard page", "department drill-down", "completeness export"):
        assert f"{label}" in out and "(of 3)" in out, label
    assert "the export has" in out
