"""The review-queue benchmark runs (small size), renders every case and reports its figures."""

from __future__ import annotations

from tests.benches import run_quick


def test_bench_review_queue_quick() -> None:
    out = run_quick("review_queue.py")
    assert "generated 2,000 flags in" in out
    assert out.count(" ms per page") == 6
    assert "officer, pages 1-" in out and "Slowest p95" in out
