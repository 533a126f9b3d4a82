"""The declaration-search benchmark runs (small size) and finds what it planted."""

from __future__ import annotations

import re

from tests.benches import run_quick


def test_bench_declaration_search_quick() -> None:
    out = run_quick("declaration_search.py")
    assert "generated 500 officials (5,000 declared interests)" in out
    assert re.search(r"^auditor, by name +median +[\d.]+ ms, p95 +[\d.]+ ms, 20 found$", out, re.M)
    assert re.search(r"^compliance, 2 of 20 departments .* 5 found$", out, re.M), out
