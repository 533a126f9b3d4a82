"""The name accuracy benchmark runs at its quick size and scores both engines on every file."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.benches import run_quick

ENGINE_LINE = re.compile(
    r"^(register|logic-v2) +(\d+) +(\d+) +(\d+) +(\d+) +(\d+) +([\d.]+|-) +([\d.]+|-) +([\d.]+|-)"
    r" +([\d.]+) +([\d.]+)$",
    re.M,
)
PEOPLE = """name_a,name_b,match,category,source
Robert Smith,Bob Smith,true,nickname,hand:test
SMITH Robert John,Robert John Smith,true,surname_first,hand:test
John Smith,Jane Smith,false,different_person,hand:test
"""


def engine_lines(out: str) -> list[tuple[str, ...]]:
    return ENGINE_LINE.findall(out)


def test_quick_name_accuracy_scores_both_engines_overall_and_per_category(tmp_path: Path) -> None:
    """Every labelled file in tests/data/name_pairs (organisations and people), both engines."""
    figures = tmp_path / "figures.json"
    out = run_quick("name_accuracy.py", "--json", str(figures), "--misses")
    sections = re.split(r"^(?=== )", out, flags=re.M)
    headers = {}
    for section in sections:
        header = re.match(
            r"== (\w+)\.csv \((organisation|person)\): (\d+) pairs, (\d+) true", section
        )
        if not header:
            continue
        headers[header[1]] = header
        lines = engine_lines(section)
        assert [line[0] for line in lines] == ["register", "logic-v2"], section
        for name, pairs, tp, fp, fn, tn, *_rest, median, p95 in lines:
            assert int(pairs) == int(header[3]) == int(tp) + int(fp) + int(fn) + int(tn), name
            assert int(tp) + int(fn) == int(header[4]), name
            assert 0 < float(median) <= float(p95), name
    assert set(headers) == {"organisations", "people"}, out
    assert headers["organisations"][2] == "organisation" and headers["people"][2] == "person"
    assert re.search(r"^  legal_form_prefix +\d+ +\d+ \| .*\| ", out, re.M), out
    assert re.search(r"^  nickname +\d+ +\d+ \| .*\| ", out, re.M), out
    assert re.search(r"^misses of register: \d+$", out, re.M)
    assert re.search(r"^misses of logic-v2: \d+$", out, re.M)

    written = json.loads(figures.read_text())
    by_file = {Path(f["file"]).stem: f for f in written["files"]}
    assert set(by_file) == {"organisations", "people"}
    organisations = by_file["organisations"]
    engines = organisations["engines"]
    assert set(engines) == {"register", "logic-v2"}
    for engine in engines.values():
        assert engine["pairs"] == int(headers["organisations"][3])
        assert "legal_form_prefix" in engine["categories"]


def test_quick_name_accuracy_on_a_person_file(tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    people.write_text(PEOPLE, encoding="utf-8")
    rows = tmp_path / "pairs.csv"
    out = run_quick(
        "name_accuracy.py", "--pairs", str(people), "--kind", "person", "--csv", str(rows)
    )
    assert re.search(r"^== people\.csv \(person\): 3 pairs, 2 true, 1 false$", out, re.M), out
    assert [line[0] for line in engine_lines(out)] == ["register", "logic-v2"], out
    written = rows.read_text(encoding="utf-8").splitlines()
    assert written[0] == (
        "file,kind,name_a,name_b,match,category,"
        "register_match,register_detail,logic_v2_match,logic_v2_detail"
    )
    assert len(written) == 4
