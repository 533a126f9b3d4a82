"""Fuzzing and property tests for what the register reads from outside: OCDS, CSV, names.

tests/awards/test_parse.py already checks that arbitrary bytes and JSON-ish values never crash
the parser, and tests/matching/test_normalise.py that normalisation is idempotent. Added here:

- a time-bounded fuzz run over the OCDS parser (FUZZ_SECONDS, 20 in CI, 5 elsewhere) that mutates
  real Contracts Finder files (bit flips, truncation, splices, hostile values in known fields);
- structured CSV imports with the real header and hostile cells;
- name normalisation: legal forms, case, HTML entities and `&`/`and` do not change the result,
  and `compare_names` is symmetric and bounded.
"""

from __future__ import annotations

import html
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from register.awards.csv_rows import CSV_COLUMNS
from register.awards.parse import iter_awards
from register.awards.parsed import ParsedAward
from register.ingest.rejections import FormatError, RejectedRecord
from register.matching import compare_names, normalise_name
from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parent.parent.parent
SEEDS = sorted((ROOT / "tests" / "data" / "contracts_finder_ocds").rglob("*.json"))[:12]
FUZZ_SECONDS = float(os.environ.get("FUZZ_SECONDS", 20 if IN_CI else 5))
HOSTILE = st.one_of(
    st.text(max_size=40), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
    st.none(), st.booleans(), st.just("9" * 400), st.just("<script>x</script>"),
    st.just({"$ref": "#"}), st.lists(st.integers(), max_size=3),
    st.recursive(st.none(), lambda inner: st.lists(inner, max_size=2), max_leaves=60),
)  # fmt: skip


def parse_never_crashes(name: str, data: bytes) -> int:
    """Parse `data` as a file called `name`; only clear, typed outcomes are allowed."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        items = 0
        try:
            for item in iter_awards(path):
                assert isinstance(item, ParsedAward | RejectedRecord)
                if isinstance(item, RejectedRecord):
                    assert item.reason and isinstance(item.reason, str)
                items += 1
        except FormatError as error:
            assert str(error).startswith(str(path)) and len(str(error)) > len(str(path)) + 2
        return items


def set_path(value: Any, path: list[Any], new: Any) -> Any:
    """`value` with the item at `path` (keys/indexes, reduced modulo length) replaced."""
    if not path or not isinstance(value, dict | list) or not value:
        return new
    if isinstance(value, dict):
        key = sorted(value)[hash(str(path[0])) % len(value)]
        return {**value, key: set_path(value[key], path[1:], new)}
    index = path[0] % len(value) if isinstance(path[0], int) else 0
    return [*value[:index], set_path(value[index], path[1:], new), *value[index + 1 :]]


@st.composite
def mutated_ocds(draw: st.DrawFn) -> tuple[str, bytes]:
    seed = SEEDS[draw(st.integers(0, len(SEEDS) - 1))]
    raw = seed.read_bytes()
    how = draw(st.sampled_from(["value", "truncate", "flip", "splice", "lines"]))
    if how == "value":
        path = draw(st.lists(st.integers(0, 50) | st.text(max_size=3), min_size=1, max_size=7))
        data = json.dumps(set_path(json.loads(raw), path, draw(HOSTILE))).encode()
    elif how == "truncate":
        data = raw[: draw(st.integers(0, len(raw)))]
    elif how == "flip":
        data = bytearray(raw)
        for _ in range(draw(st.integers(1, 8))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        data = bytes(data)
    elif how == "splice":
        other = SEEDS[draw(st.integers(0, len(SEEDS) - 1))].read_bytes()
        data = raw[: draw(st.integers(0, len(raw)))] + other[draw(st.integers(0, len(other))) :]
    else:
        data = b"\n".join(json.dumps(json.loads(s.read_bytes())).encode() for s in SEEDS[:3])
        data = data[: draw(st.integers(0, len(data)))]
    return draw(st.sampled_from(["f.json", "f.jsonl", "f.json.gz", "f"])), data


def test_fuzz_the_ocds_parser_for_a_bounded_time() -> None:
    assert SEEDS, "no seed files"

    @settings(max_examples=100, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(mutated_ocds())
    def one_batch(case: tuple[str, bytes]) -> None:
        parse_never_crashes(*case)

    deadline = time.monotonic() + FUZZ_SECONDS
    batches = 0
    while time.monotonic() < deadline or batches == 0:
        one_batch()
        batches += 1
    assert batches >= 1


CELL = st.one_of(
    st.text(max_size=30), st.sampled_from(["", "GBP", "EUR", "2026-02-30", "1e309", "-5", "NaN",
                                           "=HYPERLINK(\"x\")", "' OR 1=1--", "&amp;", "\x00"]),
)  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.fixed_dictionaries({c: CELL for c in CSV_COLUMNS}), max_size=6))
def test_csv_imports_with_hostile_cells_never_crash(rows: list[dict[str, str]]) -> None:
    import csv
    import io

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(CSV_COLUMNS))
    writer.writeheader()
    writer.writerows(rows)
    parse_never_crashes("awards.csv", out.getvalue().encode("utf-8", "surrogatepass"))


WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=10)


@settings(deadline=None)
@given(words=st.lists(WORD, min_size=1, max_size=4))
def test_legal_form_case_and_entities_do_not_change_the_name(words: list[str]) -> None:
    base = " ".join(words)
    forms = [f"{base} Ltd", f"{base} Limited", f"{base.upper()} LIMITED", f"{base} ltd."]
    assert len({normalise_name(name) for name in forms}) == 1, forms
    with_and = f"{words[0]} & {' '.join(words[1:]) or 'co'}"
    assert normalise_name(html.escape(with_and)) == normalise_name(with_and)
    assert normalise_name(with_and) == normalise_name(with_and.replace("&", "and"))


@settings(deadline=None)
@given(a=st.text(max_size=60), b=st.text(max_size=60))
def test_compare_names_is_symmetric_and_bounded(a: str, b: str) -> None:
    score, matched = compare_names(a, b)
    assert (score, matched) == compare_names(b, a)
    assert 0.0 <= score <= 100.0
