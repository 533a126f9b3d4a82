"""Management plans and acknowledgement; queue order, filters and keyset pages; dashboard."""

import json
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from register.extensions import db
from register.models import AuditEntry, Flag, ManagementPlan
from tests.conftest import date_fields, sign_in


def _plan_data(scene, review_on, **extra):
    return MultiDict([
        ("constraints", "recusal"), ("constraints", "divestment"), ("owner_id", scene.officer.id),
        *date_fields("review_on", review_on.day, review_on.month, review_on.year),
        *date_fields("divest_by", 1, 1, 2027), *extra.items(),
    ])  # fmt: skip


def test_plan_acknowledged_changed_and_due(client, scene):
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
    past = date.today() - timedelta(days=1)
    changed = _plan_data(scene, past, status="active")
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
