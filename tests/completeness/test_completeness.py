"""Completeness counts, drill-down, chart and reminders over the known mix."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from register.completeness import reminders
from register.completeness.services import compute, people
from register.extensions import db
from register.models import AuditEntry, Department, OutboundEmail, Reminder
from tests.completeness.mix import DUE, EXPECTED, STATUSES, TODAY
from tests.conftest import sign_in


def _tuple(counts):
    return (
        counts.in_scope,
        counts.filed,
        counts.nil,
        counts.late,
        counts.overdue,
        counts.not_yet_due,
    )


def test_counts_per_department_and_overall(mix):
    result = compute(db.session, mix.cycle, today=TODAY, joiner_days=28)
    by_code = {row.code: _tuple(row.counts) for row in result.departments}
    assert by_code == {"DCS": EXPECTED["DCS"], "DFE": EXPECTED["DFE"]}
    assert _tuple(result.total) == EXPECTED["ALL"]
    assert round(result.total.percent_filed, 1) == 53.8


def test_each_person_status_matches_the_aggregate_rule(mix):
    found = {
        p.email.split("@")[0]: p.status
        for p in people(db.session, mix.cycle, today=TODAY, joiner_days=28)
    }
    assert found == {key: value for key, value in STATUSES.items() if value is not None}
    # The drill-down and the aggregates agree for every filter.
    result = compute(db.session, mix.cycle, today=TODAY, joiner_days=28)
    dcs = next(r for r in result.departments if r.code == "DCS").counts
    for status, expected in (
        ("in_scope", dcs.in_scope),
        ("filed", dcs.filed),
        ("nil", dcs.nil),
        ("late", dcs.late),
        ("overdue", dcs.overdue),
        ("not_yet_due", dcs.not_yet_due),
        ("on_time", dcs.on_time),
    ):
        listed = list(
            people(
                db.session,
                mix.cycle,
                today=TODAY,
                joiner_days=28,
                department_ids=[mix.dcs.id],
                status=status,
            )
        )
        assert len(listed) == expected, status


def test_before_the_due_date_nobody_is_overdue(mix):
    result = compute(db.session, mix.cycle, today=DUE, joiner_days=28)
    assert result.total.overdue == 0
    assert result.total.not_yet_due == EXPECTED["ALL"][0] - EXPECTED["ALL"][1]


def test_dashboard_for_auditor_shows_chart_and_table(client, mix, make_user):
    sign_in(client, make_user("auditor"))
    response = client.get("/")
    assert response.location.endswith("/completeness/")
    page = client.get("/completeness/").get_data(as_text=True)
    assert "<svg" in page and "<script>" not in page and " style=" not in page
    assert "Department for Education (DFE)" in page
    assert ">53.8<" in page
    drill = client.get(
        f"/completeness/cycles/{mix.cycle.id}/departments/{mix.dcs.id}?status=overdue"
    ).get_data(as_text=True)
    for key in ("f", "g", "i", "l"):
        assert f"Official {key.upper()}" in drill
    assert "Official A" not in drill
    assert "Remind" not in drill  # auditors change nothing


def test_compliance_sees_only_assigned_departments(client, mix, make_user):
    officer = make_user("compliance")  # assigned to DCS
    sign_in(client, officer)
    page = client.get("/completeness/").get_data(as_text=True)
    assert "(DCS)" in page and "(DFE)" not in page
    url = f"/completeness/cycles/{mix.cycle.id}/departments/{mix.dfe.id}"
    assert client.get(url).status_code == 404
    response = client.post(
        f"/completeness/cycles/{mix.cycle.id}/reminders", data={"official_id": mix.people["n"].id}
    )
    assert response.status_code == 404
    assert db.session.scalar(select(func.count(Reminder.id))) == 0


def test_official_cannot_see_completeness(client, mix):
    sign_in(client, mix.people["f"])
    assert client.get("/completeness/").status_code == 403


def test_compliance_reminds_one_and_all_overdue(client, mix, make_user):
    sign_in(client, make_user("compliance"))
    url = f"/completeness/cycles/{mix.cycle.id}/reminders"
    response = client.post(url, data={"official_id": mix.people["f"].id})
    assert response.status_code == 302
    assert client.post(url, data={"official_id": mix.people["a"].id}).status_code == 404
    elsewhere = Department(code="ELS", name="A department this officer does not review")
    mix.cycle.departments.append(elsewhere)
    db.session.commit()
    assert client.post(url, data={"department_id": elsewhere.id}).status_code == 404
    client.post(url, data={"department_id": mix.dcs.id, "confirmed": "yes"})
    rows = db.session.scalars(select(Reminder).order_by(Reminder.id)).all()
    # f was reminded by hand today already: one reminder a day, whichever button.
    assert [r.email_to.split("@")[0] for r in rows] == ["f", "g", "i", "l"]
    assert all(r.kind == "manual" and r.sent_by_id for r in rows)
    emails = db.session.scalars(select(OutboundEmail)).all()
    assert len(emails) == 4 and "overdue" in emails[0].subject
    assert (
        db.session.scalar(
            select(func.count(AuditEntry.id)).where(AuditEntry.action == "reminder.sent")
        )
        == 4
    )
    page = client.get(f"/completeness/?cycle={mix.cycle.id}").get_data(as_text=True)
    assert "Recent reminders" in page and "i@example.gov.uk" in page


def test_schedule_points():
    due = date(2026, 6, 30)
    assert reminders.schedule_point(due, due - timedelta(days=15)) is None
    assert reminders.schedule_point(due, due - timedelta(days=14)) == "due-14"
    assert reminders.schedule_point(due, due - timedelta(days=4)) == "due-14"
    assert reminders.schedule_point(due, due - timedelta(days=3)) == "due-3"
    assert reminders.schedule_point(due, due) == "due-3"
    assert reminders.schedule_point(due, due + timedelta(days=1)) == "overdue-1"
    assert reminders.schedule_point(due, due + timedelta(days=7)) == "overdue-1"
    assert reminders.schedule_point(due, due + timedelta(days=8)) == "overdue-2"


def test_scheduled_reminders_are_sent_once_per_point(runner, mix):
    result = runner.invoke(args=["notify", "reminders", "--date", "2026-06-16"])
    assert result.exit_code == 0, result.output
    first = db.session.scalars(select(Reminder)).all()
    # Everyone in the mix who filed counts as filed; h (due 29 July) is not reminded yet.
    assert {r.schedule_point for r in first} == {"due-14"}
    assert {r.email_to[0] for r in first} == {"f", "g", "i", "l", "n"}
    again = runner.invoke(args=["notify", "reminders", "--date", "2026-06-20"])
    assert "0 reminders" in again.output
    runner.invoke(args=["notify", "reminders", "--date", "2026-07-08"])
    runner.invoke(args=["notify", "reminders", "--date", "2026-07-08"])
    points = db.session.execute(select(Reminder.email_to, Reminder.schedule_point)).all()
    assert ("f@example.gov.uk", "overdue-2") in points
    assert ("h@example.gov.uk", "due-14") not in points  # due 29 July
    assert len(points) == len(set(points))
