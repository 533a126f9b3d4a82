"""Escalated is a state, not a close (issue 12 item 10): an escalation names the person it goes
to, keeps the flag in the queue and on that person's list, lets that person read and decide it
(register.access), and only a final decision ends it; each step audited with before/after."""

import json

from sqlalchemy import select

from register import access
from register.extensions import db
from register.models import AuditEntry, Flag, OutboundEmail, User
from register.models.flags import DECIDED, ESCALATED_STATUS
from register.review import services
from tests.conftest import sign_in

REASON = "Needs a senior view: the contract is worth nearly a million pounds."


def _senior_owner(make_user, department):
    """A senior escalation owner: a compliance officer marked senior, who is assigned to no
    department of the flag's official."""
    owner = make_user("compliance", full_name="Sasha Senior", is_senior=True)
    owner.assigned_departments = []
    db.session.commit()
    return owner


def _escalate(client, flag_id, person_id, reason=REASON):
    data = {"outcome": "escalated", "reason": reason, "escalate_to_id": person_id}
    return client.post(f"/review/flags/{flag_id}/decide", data=data)


def test_escalation_keeps_the_flag_waiting_for_the_named_person(
    client, scene, make_user, department
):
    owner = _senior_owner(make_user, department)
    flag_id = scene.flag.id
    assert not access.can_read_flag(owner, scene.flag)  # not before the escalation

    sign_in(client, scene.officer)
    page = client.get(f"/review/flags/{flag_id}").text
    assert "Sasha Senior (senior escalation owner)" in page
    assert page.index("Sasha Senior (senior") < page.index("Dana Compliance (compliance officer)")
    assert _escalate(client, flag_id, owner.id).status_code == 302
    db.session.expire_all()
    flag = db.session.get(Flag, flag_id)
    assert flag.status == ESCALATED_STATUS and flag.escalated_to_id == owner.id
    assert flag.current_decision.escalated_to_id == owner.id
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "decision.recorded")
    ).one()
    details = json.loads(entry.details)
    assert details["flag_before"] == {"status": "open", "escalated_to": None}
    assert details["flag_after"] == {
        "status": "escalated",
        "escalated_to": {"id": owner.id, "name": "Sasha Senior"},
    }
    assert "Escalated to Sasha Senior" in entry.summary
    told = db.session.scalars(select(OutboundEmail).where(OutboundEmail.kind == "flag.escalated"))
    assert [e.to for e in told] == [owner.email]  # the person escalated to is told by email
    # Still in the queue (the default view and the Escalated view), not closed.
    queue = client.get("/review/").text
    assert f"/review/flags/{flag_id}" in queue and "to Sasha Senior" in queue
    assert f"/review/flags/{flag_id}" in client.get("/review/?status=escalated").text
    assert f"/review/flags/{flag_id}" not in client.get("/review/?status=decided").text
    client.post("/auth/sign-out")

    # The person escalated to reads and decides it, though it is not their department's.
    owner = db.session.get(User, owner.id)
    assert access.can_read_flag(owner, flag) and access.can_decide_flag(owner, flag)
    in_scope = db.session.scalars(select(Flag.id).where(access.flag_scope(owner))).all()
    assert in_scope == [flag_id]  # the scope and the predicate agree
    sign_in(client, owner)
    mine = client.get("/review/?status=escalated&to=me").text
    assert f"/review/flags/{flag_id}" in mine and "Escalated to you (1)" in mine
    dashboard = client.get("/review/dashboard").text
    assert "Escalated to you (1)" in dashboard and f"/review/flags/{flag_id}" in dashboard
    page = client.get(f"/review/flags/{flag_id}").text
    assert "Escalated to you by Chris Compliance" in page and "Record decision" in page
    final = client.post(
        f"/review/flags/{flag_id}/decide",
        data={"outcome": "same_no_conflict", "reason": "Let before she joined the panel"},
    )
    # Decided: the flag leaves the owner's scope, so they go back to the queue.
    assert final.status_code == 302 and final.location.endswith("/review/")
    db.session.expire_all()
    flag = db.session.get(Flag, flag_id)
    assert flag.status == DECIDED and flag.escalated_to_id is None
    assert client.get(f"/review/flags/{flag_id}").status_code == 404
    last = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "decision.recorded")
        .order_by(AuditEntry.id.desc())
    ).first()
    assert json.loads(last.details)["flag_before"]["status"] == "escalated"
    assert json.loads(last.details)["flag_after"] == {"status": "decided", "escalated_to": None}


def test_an_escalation_must_name_an_active_compliance_officer_other_than_oneself(client, scene):
    flag_id = scene.flag.id
    sign_in(client, scene.officer)
    missing = _escalate(client, flag_id, 0)
    assert missing.status_code == 400 and "Choose who the flag is escalated to" in missing.text
    assert "<title>Error: " in missing.text
    for person in (scene.officer, scene.official, scene.auditor):
        try:
            services.decide(db.session, flag_id, scene.officer, "escalated", REASON,
                            escalate_to_id=person.id)  # fmt: skip
        except services.ReviewError:
            db.session.rollback()
        else:
            raise AssertionError(f"escalated to {person.role} {person.full_name}")
    db.session.expire_all()
    assert db.session.get(Flag, flag_id).status == "open"


def test_only_the_named_person_gains_access(client, scene, make_user, department):
    owner = _senior_owner(make_user, department)
    bystander = make_user("compliance", full_name="Bo Bystander")
    bystander.assigned_departments = []
    db.session.commit()
    services.decide(db.session, scene.flag.id, scene.officer, "escalated", REASON,
                    escalate_to_id=owner.id)  # fmt: skip
    db.session.commit()
    flag = db.session.get(Flag, scene.flag.id)
    assert not access.can_read_flag(bystander, flag)
    sign_in(client, bystander)
    assert client.get(f"/review/flags/{flag.id}").status_code == 404
    assert _escalate(client, flag.id, owner.id).status_code == 404
