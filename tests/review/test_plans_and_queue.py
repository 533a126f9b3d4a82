"""Management plans and acknowledgement; queue order, filters and keyset pages; dashboard."""

import json
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from register import clock
from register.extensions import db
from register.models import AuditEntry, Flag, ManagementPlan
from tests.conftest import date_fields, sign_in


def _plan_data(scene, review_on, divest_by=None, **extra):
    divest_by = divest_by or clock.today() + timedelta(days=60)
    return MultiDict([
        ("constraints", "recusal"), ("constraints", "divestment"), ("owner_id", scene.officer.id),
        *date_fields("review_on", review_on.day, review_on.month, review_on.year),
        *date_fields("divest_by", divest_by.day, divest_by.month, divest_by.year),
        *extra.items(),
    ])  # fmt: skip


def test_plan_acknowledged_changed_and_due(client, scene, monkeypatch):
    flag_id = scene.flag.id
    sign_in(client, scene.officer)
    missing = client.post(
        f"/review/flags/{flag_id}/decide", data={"outcome": "conflict_managed", "reason": "Managed"}
    )
    assert missing.status_code == 400 and "Choose at least one agreed constraint" in missing.text
    data = _plan_data(
        scene,
        date.today() + timedelta(days=30),
        outcome="conflict_managed",
        reason="Former director",
    )
    assert client.post(f"/review/flags/{flag_id}/decide", data=data).status_code == 302
    plan = db.session.scalar(select(ManagementPlan))
    assert (
        plan.constraint_keys == ["recusal", "divestment"] and plan.official_id == scene.official.id
    )
    client.post("/auth/sign-out")

    sign_in(client, scene.official)
    page = client.get(f"/declarations/{scene.declaration.id}").text
    assert "Recusal from procurement decisions" in page and "Conflict, managed" in page
    assert "Recusal from procurement decisions" in client.get("/review/my-plans").text
    assert client.post(f"/review/my-plans/{plan.id}/acknowledge").status_code == 302
    db.session.refresh(plan)
    assert plan.acknowledged_at is not None
    client.post("/auth/sign-out")

    sign_in(client, scene.officer)
    soon = clock.today() + timedelta(days=1)
    changed = _plan_data(scene, soon, status="active")
    changed.setlist("constraints", ["recusal", "panel_removal"])
    assert client.post(f"/review/plans/{plan.id}", data=changed).status_code == 302
    db.session.refresh(plan)
    assert plan.acknowledged_at is None  # the official must acknowledge the new terms
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "plan.changed"))
    details = json.loads(entry.details)
    assert details["before"]["constraints"] == ["recusal", "divestment"]
    assert details["after"]["constraints"] == ["recusal", "panel_removal"]
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"plan.created", "plan.acknowledged", "plan.changed"} <= actions
    later = soon + timedelta(days=2)
    monkeypatch.setattr("register.clock.today", lambda: later)  # the review date has come
    assert f"Plan {plan.id}" in client.get("/review/plans/due").text
    assert f"Plan {plan.id}" in client.get("/review/dashboard").text

    client.post("/auth/sign-out")
    sign_in(client, scene.auditor)
    assert client.get(f"/review/plans/{plan.id}").status_code == 403


def _many_flags(scene, count):
    base = scene.flag
    fields = {c.name: getattr(base, c.name) for c in Flag.__table__.columns if c.name != "id"}
    for n in range(count):
        fields.update(source_key=f"t:{n}", score=float(n % 97),
                      risk_level="high" if n % 97 >= 80 else "low")  # fmt: skip
        db.session.add(Flag(**fields))
    db.session.commit()


def test_queue_order_filters_and_pages(client, scene):
    _many_flags(scene, 120)
    sign_in(client, scene.auditor)
    first = client.get("/review/").text
    assert "121 flags" in first
    assert "£975,000 across 1 award in pounds, each award counted once" in first  # not 121 times
    cursor = first.split("after=")[1].split('"')[0].replace("%3A", ":")
    second = client.get(f"/review/?after={cursor}").text
    assert "First page" in second
    from register.models import User
    from register.review.services import QueueFilters, queue_page

    auditor = db.session.get(User, scene.auditor.id)
    seen, cursor, scores = set(), None, []
    while True:
        page = queue_page(db.session, auditor, QueueFilters(), cursor)
        seen.update(f.id for f in page.flags)
        scores += [f.score for f in page.flags]
        if not (cursor := page.next_cursor):
            break
    assert len(seen) == 121 and scores == sorted(scores, reverse=True)
    high = queue_page(db.session, auditor, QueueFilters(risk_level="high", min_score=90))
    assert high.flags and all(f.score >= 90 for f in high.flags)
    assert queue_page(db.session, auditor, QueueFilters(min_value=Decimal(975000))).total == 121
    assert queue_page(db.session, auditor, QueueFilters(min_value=Decimal(975001))).total == 0
    dated = queue_page(db.session, auditor, QueueFilters(awarded_from=date(2026, 1, 1)))
    assert dated.total == 0
    assert "0 flags" in client.get("/review/?min_value=2000000").text


def _error_summary(page: str) -> list[str]:
    import re

    summary = page.split("govuk-error-summary__list")[1].split("</ul>")[0]
    return [re.sub(r"<[^>]+>", "", item).strip() for item in summary.split("<li>")[1:]]


def test_plan_dates_in_the_past_are_refused_all_at_once_in_page_order(client, scene):
    """Item 11: a managed conflict's plan looks forward; every problem is listed at once, in
    the order of the page, and nothing is saved."""
    flag_id = scene.flag.id
    sign_in(client, scene.officer)
    yesterday = clock.today() - timedelta(days=1)
    data = _plan_data(scene, yesterday, divest_by=yesterday, outcome="conflict_managed",
                      reason="")  # fmt: skip
    data.add("constraints", "other")  # and no description of it
    response = client.post(f"/review/flags/{flag_id}/decide", data=data)
    assert response.status_code == 400
    assert "<title>Error: " in response.text
    assert _error_summary(response.text) == [
        "Describe the other constraint",
        "The divest-by date must be today or in the future",
        "The review date must be today or in the future",
        "Give the reason for the decision",
    ]
    assert db.session.scalar(select(ManagementPlan)) is None
    assert db.session.get(Flag, flag_id).status == "open"
    # The service refuses it too, whichever door it is called from.
    from register.review.services import PlanFields, ReviewError, decide

    fields = PlanFields(["recusal"], "", scene.officer.id, yesterday)
    try:
        decide(db.session, flag_id, scene.officer, "conflict_managed", "Managed", plan=fields)
    except ReviewError as exc:
        assert "review date must be today or in the future" in str(exc)
    else:
        raise AssertionError("a past review date was accepted")
    db.session.rollback()

    # Today is forward enough; then the plan is changed: a new past date is refused, an
    # unchanged past divest-by date of a completed plan stays on the record.
    today = clock.today()
    ok = _plan_data(scene, today, divest_by=today, outcome="conflict_managed", reason="Managed")
    assert client.post(f"/review/flags/{flag_id}/decide", data=ok).status_code == 302
    plan = db.session.scalar(select(ManagementPlan))
    refused = client.post(f"/review/plans/{plan.id}", data=_plan_data(
        scene, yesterday, divest_by=today, status="active"))  # fmt: skip
    assert "The review date must be today or in the future" in refused.text
    assert "<title>Error: " in refused.text
    db.session.refresh(plan)
    assert plan.review_on == today


def test_plan_fields_are_revealed_only_for_a_managed_conflict(client, scene):
    """Item 11: the plan's fields sit in the conditional reveal of "Conflict, managed" (and
    the person to escalate to in that of "Escalated"), not among every decision's fields."""
    sign_in(client, scene.officer)
    page = client.get(f"/review/flags/{scene.flag.id}").text
    form = page.split('action="/review/flags/')[1].split("</form>")[0]
    reveals = form.split('class="govuk-radios__conditional')
    assert len(reveals) == 3  # before the reveals, managed's and escalated's
    managed, escalated = reveals[1], reveals[2]
    for name in ("constraints", "divest_by", "owner_id", "review_on"):
        assert f'name="{name}"' in managed.split('<div class="govuk-radios__item')[0]
        assert f'name="{name}"' not in escalated
    assert 'name="escalate_to_id"' in escalated
    assert 'aria-controls="conditional-outcome-3"' in form  # "Conflict, managed"
