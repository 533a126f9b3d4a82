"""An import that stops on an error of the register's own (a bug, not a bad file) still leaves
its import run and audit entry, keeps nothing of the file, and the next file is imported."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from register.awards import importer as awards_importer
from register.extensions import db
from register.models import AuditEntry, Award, ImportRun
from register.ownership import importer as officers_importer

DEMO_AWARDS = Path(__file__).resolve().parents[2] / "register/demo/data/morning_lane_awards.json"


def _broken_parser(*args, **kwargs):
    yield from ()
    raise TypeError("a bug in a parser")


def test_an_award_import_that_hits_a_bug_is_recorded_as_failed(app, runner, monkeypatch, tmp_path):
    monkeypatch.setattr(awards_importer, "iter_awards", _broken_parser)
    result = runner.invoke(args=["awards", "import", str(DEMO_AWARDS), "--no-screen"])
    assert result.exit_code == 1
    assert "stopped on an unexpected error (TypeError)" in result.output
    run = db.session.scalars(select(ImportRun)).one()
    assert run.status == "failed" and "unexpected error (TypeError)" in run.message
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "awards.imported"))
    assert entry is not None and "unexpected error" in entry.summary
    assert db.session.scalar(select(func.count(Award.id))) == 0
    monkeypatch.undo()
    again = runner.invoke(args=["awards", "import", str(DEMO_AWARDS), "--no-screen"])
    assert again.exit_code == 0, again.output


def test_an_officer_import_that_hits_a_bug_is_recorded_as_failed(
    app, runner, monkeypatch, tmp_path
):
    officers = tmp_path / "officers.csv"
    officers.write_text(
        "company_number,name,role,appointed_on,resigned_on,birth_month,birth_year\n"
    )
    monkeypatch.setattr(officers_importer, "iter_officers", _broken_parser)
    result = runner.invoke(args=["ownership", "import", str(officers), "--no-screen"])
    assert result.exit_code == 1 and "unexpected error (TypeError)" in result.output
    run = db.session.scalars(select(ImportRun)).one()
    assert run.status == "failed"
