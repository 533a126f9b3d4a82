"""Imports of BODS statements and officers CSV: streaming, idempotent, per-record errors."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select

from register.extensions import db
from register.models import CompanyOfficer, ImportRun
from register.ownership.importer import import_file
from tests.ownership.conftest import BODS, OFFICERS, write_officers


def test_bods_folder_imports_every_person_psc_once(runner) -> None:
    first = runner.invoke(args=["ownership", "import", str(BODS)])
    assert first.exit_code == 0, first.output
    count = db.session.scalar(select(func.count(CompanyOfficer.id)))
    assert count == 189  # person PSCs of GB-COH companies; corporate PSCs are not people
    ring = db.session.scalar(
        select(CompanyOfficer).where(CompanyOfficer.name == "Richard Peter Ring")
    )
    assert (ring.company_number, ring.company_name, ring.birth_month, ring.birth_year) == (
        "00233851", "APETITO LIMITED", 6, 1971)  # fmt: skip
    again = runner.invoke(args=["ownership", "import", str(BODS)])
    assert "imported 0, updated 0, unchanged 1" in again.output
    assert db.session.scalar(select(func.count(CompanyOfficer.id))) == count


def test_csv_rejects_bad_rows_and_keeps_good_ones(app, tmp_path: Path) -> None:
    rows = [*OFFICERS, ("00442696", "", "Director", "", "", "", ""),
            ("00442696", "SMITH, Ann", "Director", "2020-13-01", "", "", ""),
            ("00442696", "SMITH, Ann", "Director", "2020-01-01", "2019-01-01", "", ""),
            ("00442696", "SMITH, Ann", "Director", "", "", "13", "1970"),
            ("not a number!", "SMITH, Ann", "Director", "", "", "", "")]  # fmt: skip
    path = write_officers(tmp_path / "officers.csv", rows)
    report = import_file(db.session, path)
    assert (report.imported, len(report.rejected)) == (3, 5)
    reasons = [r.reason for r in report.rejected]
    assert reasons == [
        "missing name",
        "appointed_on '2020-13-01' is not a date (YYYY-MM-DD)",
        "resigned_on 2019-01-01 is before appointed_on 2020-01-01",
        "birth_month '13' is not a number from 1 to 12",
        "company number 'not a number!' is not a Companies House number",
    ]
    assert report.rejected[0].source.endswith("officers.csv:5")
    run = db.session.get(ImportRun, report.run_id)
    assert (run.status, run.imported, run.rejected) == ("completed", 3, 5)
    assert import_file(db.session, path).unchanged == 3
    changed = [(*OFFICERS[0][:4], "2024-10-31", *OFFICERS[0][5:])]
    report = import_file(db.session, write_officers(tmp_path / "later.csv", changed))
    assert (report.imported, report.updated) == (0, 1)  # a resignation date corrected


def test_command_reports_rejections_to_an_errors_file_and_exits_non_zero(
    runner, tmp_path: Path
) -> None:
    rows = [*OFFICERS, ("00442696", "", "Director", "", "", "", "")]
    path = write_officers(tmp_path / "officers.csv", rows)
    errors = tmp_path / "errors.csv"
    result = runner.invoke(args=["ownership", "import", str(path), "--errors", str(errors)])
    assert result.exit_code == 1
    assert f"Total: read {len(rows)}, imported {len(OFFICERS)}, updated 0, unchanged 0, " \
        "rejected 1, files refused 0" in result.output  # fmt: skip
    lines = errors.read_text().splitlines()
    assert lines[0] == "file_position,reason,record"
    assert lines[1] == f'{path}:{len(rows) + 1},missing name,"00442696,,Director,,,,"'


def test_bods_json_lines_with_a_bad_line_and_an_unknown_person(app, tmp_path: Path) -> None:
    statements = json.loads((BODS / "GB-COH_00233851_bods.json").read_text())
    ownership = [s for s in statements if s["statementType"] == "ownershipOrControlStatement"]
    people = [s for s in statements if s["statementType"] == "personStatement"]
    orphan = {**ownership[0], "statementID": "orphan",
              "interestedParty": {"describedByPersonStatement": "nobody"}}  # fmt: skip
    # Ownership statements before the people they name still resolve at the end of the file.
    lines = [json.dumps(s) for s in [*ownership, orphan]] + ["{not json"]
    lines += [json.dumps(s) for s in statements if s not in ownership and s not in people]
    lines += [json.dumps(s) for s in people]
    path = tmp_path / "bods.jsonl"
    path.write_text("\n".join(lines) + "\n")
    report = import_file(db.session, path)
    assert report.imported == 1
    assert [r.reason for r in report.rejected] == [
        "invalid JSON: Expecting property name enclosed in double quotes",
        "refers to a person statement not in the file",
    ]


def test_truncated_bods_file_is_refused_whole(app, tmp_path: Path) -> None:
    text = (BODS / "GB-COH_00233851_bods.json").read_text()
    path = tmp_path / "truncated.json"
    path.write_text(text[: len(text) - 40])
    report = import_file(db.session, path)
    assert report.failed and "invalid JSON" in report.failed
    assert db.session.scalar(select(func.count(CompanyOfficer.id))) == 0
    assert db.session.get(ImportRun, report.run_id).status == "failed"
