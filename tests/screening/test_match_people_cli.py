"""`flask match people PAIRS.csv`: the undeclared screening's name decision, pair by pair."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any


def _write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_match_people_writes_quality_and_match(runner: Any, tmp_path: Path) -> None:
    pairs = _write(
        tmp_path / "pairs.csv",
        "\ufeffname_a,name_b\n"  # a byte-order mark, as spreadsheets write UTF-8
        "Bob Smith,Robert Smith\n"
        "Владимир Путин,Vladimir Putin\n"
        '"STARMER, Keir Rodney",Sir Keir Starmer KC\n'
        "Carolyn Harris,Carolyn Harries\n"
        "Kevin Hollinrake,Kevin Hollinrak\n"
        "Trowe,Isabelle Trowe\n",
    )
    result = runner.invoke(args=["match", "people", pairs])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.output)))
    assert rows == [
        ["name_a", "name_b", "quality", "match"],
        ["Bob Smith", "Robert Smith", "nickname", "true"],
        ["Владимир Путин", "Vladimir Putin", "exact", "true"],
        ["STARMER, Keir Rodney", "Sir Keir Starmer KC", "full", "true"],
        ["Carolyn Harris", "Carolyn Harries", "", "false"],
        ["Kevin Hollinrake", "Kevin Hollinrak", "", "false"],  # a slip needs a birth date
        ["Trowe", "Isabelle Trowe", "", "false"],
    ]


def test_match_people_needs_both_columns(runner: Any, tmp_path: Path) -> None:
    pairs = _write(tmp_path / "pairs.csv", "first,second\nBob Smith,Robert Smith\n")
    result = runner.invoke(args=["match", "people", pairs])
    assert result.exit_code != 0
    assert "The CSV needs the columns name_a,name_b" in result.output
