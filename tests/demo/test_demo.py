"""The demo data set: what `make run` shows, loaded once, with the Morning Lane case flagged."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from register.completeness.services import compute
from register.extensions import db
from register.models import Declaration, DeclarationCycle, Flag, User


def test_demo_loads_once_with_every_kind_of_filing_and_the_morning_lane_flag(runner) -> None:
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    assert "3 departments, 12 officials, cycles 2025/26 and 2026/27" in first.output
    assert "isabelle.trowe@example.gov.uk" in first.output  # the demo sign-ins are printed
    counts = {
        model.__name__: db.session.scalar(select(func.count(model.id)))
        for model in (User, Declaration, Flag)
    }
    again = runner.invoke(args=["demo"])  # `demo` alone loads too, once
    assert again.exit_code == 0 and "Demo data already loaded." in again.output
    assert counts == {
        model.__name__: db.session.scalar(select(func.count(model.id)))
        for model in (User, Declaration, Flag)
    }

    officials = db.session.scalar(select(func.count(User.id)).where(User.role == "official"))
    assert officials == 12
    current = db.session.scalar(select(DeclarationCycle).where(DeclarationCycle.name == "2026/27"))
    total = compute(db.session, current, today=date(2026, 12, 1), joiner_days=28).total
    # Filed: Priya Nair, Ruth Adeyemi (amended), Mark Ellis, Lucy Barnes (nil); all after the
    # due date. Everyone else, including Owen Price's draft, is overdue.
    assert (total.in_scope, total.filed, total.nil, total.late, total.overdue) == (12, 4, 1, 4, 8)
    amended = db.session.scalar(
        select(Declaration).join(User, User.id == Declaration.official_id)
        .where(User.email == "ruth.adeyemi@example.gov.uk")
    )  # fmt: skip
    assert amended.version_count == 2
    assert amended.versions[-1].amendment_reason

    trowe = db.session.scalar(select(User).where(User.email == "isabelle.trowe@example.gov.uk"))
    morning_lane = db.session.scalars(
        select(Flag).where(Flag.official_id == trowe.id).order_by(Flag.score.desc())
    ).all()
    assert morning_lane and {f.risk_level for f in morning_lane} == {"high"}
    explanation = morning_lane[0].explanation
    assert "interest ended 5 months before the award" in explanation
    assert "awarded by the official's own department" in explanation
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
