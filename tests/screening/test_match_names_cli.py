"""`flask match names PAIRS.csv`: the engine's organisation-name decision, pair by pair."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any


def test_match_names_writes_score_match_and_reasons(runner: Any, tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.csv"
    pairs.write_text(
        "\ufeffname_a,name_b\n"  # a byte-order mark, as spreadsheets write UTF-8
        "JSC Northwind,Northwind Joint Stock Company\n"
        "Kapita,Capita\n"
        "Kessler AG,Kessler GmbH\n"
        "Growth Fund III,Growth Fund IV\n"
        ",Capita\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["match", "names", str(pairs)])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.output)))
    assert rows[0] == ["name_a", "name_b", "score", "match", "reasons"]
    assert rows[1] == [
        "JSC Northwind",
        "Northwind Joint Stock Company",
        "100.0",
        "true",
        "legal forms 'jsc', 'joint stock company' set aside",
    ]
    assert rows[2][:2] == ["Kapita", "Capita"] and rows[2][3] == "true"
    assert 70 < float(rows[2][2]) < 100
    assert rows[2][4] == "one-letter difference in 'capita'"
    assert rows[3] == [
        "Kessler AG",
        "Kessler GmbH",
        "0.0",
        "false",
        "different legal forms: 'ag' / 'gmbh'",
    ]
    assert rows[4][3:] == ["false", "numbers or series markers differ: 'iii' / 'iv'"]
    assert rows[5] == ["", "Capita", "0.0", "false", "a name is empty"]


def test_match_names_needs_both_columns(runner: Any, tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("first,second\nA,B\n", encoding="utf-8")
    result = runner.invoke(args=["match", "names", str(pairs)])
    assert result.exit_code != 0
    assert "The CSV needs the columns name_a,name_b" in result.output
