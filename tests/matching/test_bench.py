"""The benchmark runs at its quick size and prints its figures."""

from tests.benches import run_quick


def test_quick_benchmark_runs_and_reports() -> None:
    out = run_quick("matching.py")
    for figure in [
        "engine: index",
        "peak memory",
        "brute force: every interest name against all",
        "speed: brute force / engine screening",
        "recall vs brute force",
        "incremental: one 10-interest declaration",
    ]:
        assert figure in out
    assert "target recall vs brute force >= 99.5%: met" in out
    assert "target planted typos found (their company) >= 98%: met" in out
    assert "target planted near misses matched (to their company) <= 2%: met" in out
