"""`flask cycles create --department CODE`: unknown codes fail the command and create nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from register.admin.services import AdminError, create_department
from register.extensions import db
from register.models import AuditEntry, DeclarationCycle


def create(runner, *codes: str):
    args = ["cycles", "create", "2026/27", "--opens", "2026-04-01", "--due", "2026-06-30"]
    for code in codes:
        args += ["--department", code]
    return runner.invoke(args=args)


def cycles() -> int:
    return db.session.scalar(select(func.count()).select_from(DeclarationCycle)) or 0


def test_unknown_department_codes_are_named_and_nothing_is_created(app, runner, department):
    result = create(runner, "dcs", "nope", "DFE", "nope")
    assert result.exit_code == 1
    assert "Unknown department codes: NOPE, DFE. No cycle was created." in result.output
    assert cycles() == 0
    assert (
        db.session.scalar(select(AuditEntry).where(AuditEntry.action == "admin.cycle_created"))
        is None
    )


def test_one_unknown_code(app, runner, department):
    result = create(runner, "XYZ")
    assert result.exit_code == 1 and "Unknown department code: XYZ." in result.output
    assert cycles() == 0


def test_known_codes_in_any_case_create_the_cycle_for_those_departments(app, runner, department):
    create_department(db.session, "DFE", "Department for Education", None)
    create_department(db.session, "HMT", "HM Treasury", None)
    db.session.commit()
    result = create(runner, "dcs", " dfe ", "DCS")
    assert result.exit_code == 0, result.output
    assert "Created cycle 2026/27 for 2 departments" in result.output
    cycle = db.session.scalar(select(DeclarationCycle))
    assert sorted(d.code for d in cycle.departments) == ["DCS", "DFE"]


def test_a_department_nobody_reviews_is_warned_of(app, runner, department, make_user):
    create_department(db.session, "DFE", "Department for Education", None)
    db.session.commit()
    make_user("compliance")  # reviews DCS only
    result = create(runner, "DCS", "DFE")
    assert result.exit_code == 0, result.output
    assert "Warning: no compliance officer reviews Department for Education (DFE" in result.output
    assert "(DCS" not in result.output


def test_cycle_and_department_names_are_one_line(app, runner, department):
    dates = ["--opens", "2026-04-01", "--due", "2026-06-30", "--department", department.code]
    result = runner.invoke(args=["cycles", "create", "2026/27\nBcc: x", *dates])
    assert result.exit_code != 0 and "must be one line" in result.output
    with pytest.raises(AdminError, match="must be one line"):
        create_department(db.session, "NEW", "Department\tof Tabs", None)
    assert cycles() == 0
    typed = runner.invoke(args=["cycles", "create", '2026–27 "draft"', *dates])
    assert typed.exit_code == 0, typed.output  # an en dash and quotes are fine: one line
