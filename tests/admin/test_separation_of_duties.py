"""Separation of duties (issue 13, item 7): nobody changes their own access; a privileged role
or departments to review need a second administrator's approval, announced to every
administrator and auditor; rosters create and update officials only."""

from __future__ import annotations

import io
import json
import re
from html import unescape
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from register import runtime
from register.admin import approvals, services
from register.extensions import db
from register.models import AccessRequest, AuditEntry, Department, OutboundEmail, User
from tests.api.helpers import make_token
from tests.auth.links import emails_to, last_link_to, set_password
from tests.conftest import sign_in

NEW_PASSWORD = "orchard-lantern-basalt-42"


def signed_in(app: Flask, user: User) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, user).status_code == 302
    return client


def error_for(page: str, field: str) -> str:
    pattern = rf'<p id="{field}-error" class="govuk-error-message">.*?</span>\s*(.*?)\s*</p>'
    match = re.search(pattern, page, re.S)
    assert match, f"no error shown next to {field}"
    return unescape(match.group(1))


def person_form(user: User, **changes: Any) -> dict[str, Any]:
    """The person form as the edit page fills it for `user`, with `changes`."""
    return {
        "email": user.email,
        "full_name": user.full_name,
        "role": user.role,
        "department_id": str(user.department_id or 0),
        "job_title": user.job_title or "",
        "assigned": [str(d.id) for d in user.assigned_departments],
        **changes,
    }


def reload(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def emails_of(kind: str = "access.change") -> list[OutboundEmail]:
    return list(
        db.session.scalars(
            select(OutboundEmail).where(OutboundEmail.kind == kind).order_by(OutboundEmail.id)
        )
    )


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))


@pytest.fixture
def admins(app: Flask, make_user: Any) -> tuple[User, User]:
    return make_user("admin", full_name="Ann Admin"), make_user("admin", full_name="Bo Admin")


def test_an_administrator_cannot_change_their_own_role(app, admins):
    admin, _ = admins
    client = signed_in(app, admin)
    response = client.post(f"/admin/people/{admin.id}", data=person_form(admin, role="compliance"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<title>Error: " in page
    assert "You cannot change your own role" in error_for(page, "role")
    assert reload(admin).role == "admin"
    assert db.session.scalar(select(AccessRequest)) is None
    # Their other details they may change.
    renamed = client.post(f"/admin/people/{admin.id}", data=person_form(admin, full_name="Ann B"))
    assert renamed.status_code == 302 and reload(admin).full_name == "Ann B"


def test_nobody_changes_the_departments_they_review(app, admins, make_user, department):
    other = Department(code="DFE", name="Department for Education")
    db.session.add(other)
    db.session.commit()
    officer = make_user("compliance")  # reviews `department`
    with pytest.raises(services.OwnAccessError, match="departments you review"):
        services.save_person(
            db.session,
            officer,
            services.UserFields(officer.email, officer.full_name, "compliance"),
            assigned=[department, other],
            actor=officer,
            settings=runtime.settings(),
        )


def test_an_administrator_cannot_deactivate_themselves(app, admins):
    admin, _ = admins
    client = signed_in(app, admin)
    page = client.post(
        f"/admin/people/{admin.id}/active", data={"active": "no"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "You cannot deactivate your own account" in page and reload(admin).active


def test_a_grant_waits_for_a_second_administrator(app, admins, make_user):
    ann, bo = admins
    auditor = make_user("auditor")
    official = make_user("official", full_name="Olu Official")
    ann_client, bo_client = signed_in(app, ann), signed_in(app, bo)

    response = ann_client.post(
        f"/admin/people/{official.id}", data=person_form(official, role="auditor")
    )
    assert response.status_code == 302
    assert reload(official).role == "official"  # nothing granted yet
    (request,) = db.session.scalars(select(AccessRequest))
    assert (request.status, request.requested_by_id) == ("pending", ann.id)
    assert request.before_state == {"role": "official", "assigned_departments": []}
    assert request.after_state == {"role": "auditor", "assigned_departments": []}
    people = ann_client.get("/admin/people").get_data(as_text=True)
    assert "1 access request waiting for approval" in people and "Awaiting approval" in people
    # Announced to every administrator and auditor, never to anyone else.
    asked = emails_of()
    assert {e.to for e in asked} == {ann.email, bo.email, auditor.email}
    assert all("Olu Official to be Auditor" in e.subject for e in asked)

    # The requester cannot approve their own request.
    page = ann_client.post(
        f"/admin/approvals/{request.id}/approve", follow_redirects=True
    ).get_data(as_text=True)
    assert "another administrator must approve it" in page
    assert reload(official).role == "official"
    assert db.session.get(AccessRequest, request.id).status == "pending"
    # Nor can anyone approve a request about their own access.
    about_bo = approvals.request_access(
        db.session, bo, "change", {"role": "admin"}, {"role": "compliance"}, actor=ann
    )
    with pytest.raises(approvals.ApprovalError, match="your own access"):
        approvals.approve(db.session, about_bo, bo)
    db.session.rollback()

    bo_page = bo_client.get("/admin/approvals/").get_data(as_text=True)
    assert "Olu Official" in bo_page and "Approve" in bo_page
    assert bo_client.post(f"/admin/approvals/{request.id}/approve").status_code == 302
    assert reload(official).role == "auditor"
    decided = db.session.get(AccessRequest, request.id)
    assert (decided.status, decided.decided_by_id) == ("approved", bo.id)
    assert decided.decided_at is not None
    applied = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "admin.user_updated", AuditEntry.object_id == str(official.id))
        .order_by(AuditEntry.seq.desc())
    ).first()
    details = json.loads(applied.details)
    assert (details["before"], details["after"]) == ({"role": "official"}, {"role": "auditor"})
    assert applied.actor_id == bo.id and details["requested_by"] == ann.email
    assert {"admin.access_requested", "admin.access_approved"} <= set(actions())
    approved = [e for e in emails_of() if e.subject.startswith("Access approved")]
    # The new auditor hears of it too: they are an auditor now.
    assert {e.to for e in approved} == {ann.email, bo.email, auditor.email, official.email}


def test_a_rejected_grant_changes_nothing_and_is_announced(app, admins, make_user):
    ann, bo = admins
    official = make_user("official")
    signed_in(app, ann).post(
        f"/admin/people/{official.id}", data=person_form(official, role="admin")
    )
    (request,) = db.session.scalars(select(AccessRequest))
    bo_client = signed_in(app, bo)
    response = bo_client.post(
        f"/admin/approvals/{request.id}/reject", data={"reason": "Not agreed with HR"}
    )
    assert response.status_code == 302
    assert reload(official).role == "official"
    rejected = db.session.get(AccessRequest, request.id)
    assert (rejected.status, rejected.reason, rejected.decided_by_id) == (
        "rejected",
        "Not agreed with HR",
        bo.id,
    )
    assert "admin.access_rejected" in actions()
    announced = [e for e in emails_of() if "rejected" in e.subject]
    assert {e.to for e in announced} == {ann.email, bo.email}
    assert "Not agreed with HR" in announced[0].body
    # A decided request cannot be approved afterwards.
    assert "already rejected" in bo_client.post(
        f"/admin/approvals/{request.id}/approve", follow_redirects=True
    ).get_data(as_text=True)


def test_assigning_departments_needs_approval_and_removing_does_not(
    app, admins, make_user, department
):
    ann, bo = admins
    other = Department(code="DFE", name="Department for Education")
    db.session.add(other)
    db.session.commit()
    officer = make_user("compliance")  # reviews `department` (DCS)
    ann_client = signed_in(app, ann)
    ann_client.post(
        f"/admin/people/{officer.id}",
        data=person_form(officer, assigned=[str(department.id), str(other.id)]),
    )
    assert [d.code for d in reload(officer).assigned_departments] == ["DCS"]
    (request,) = db.session.scalars(select(AccessRequest))
    assert request.after_state == {"role": "compliance", "assigned_departments": ["DCS", "DFE"]}
    signed_in(app, bo).post(f"/admin/approvals/{request.id}/approve")
    assert sorted(d.code for d in reload(officer).assigned_departments) == ["DCS", "DFE"]
    # Removing a department is done at once.
    ann_client.post(f"/admin/people/{officer.id}", data=person_form(officer, assigned=[]))
    assert reload(officer).assigned_departments == []
    assert db.session.scalar(select(AccessRequest).where(AccessRequest.status == "pending")) is None


def test_a_request_is_not_applied_to_a_person_changed_since(app, admins, make_user):
    ann, bo = admins
    official = make_user("official")
    signed_in(app, ann).post(
        f"/admin/people/{official.id}", data=person_form(official, role="compliance")
    )
    (request,) = db.session.scalars(select(AccessRequest))
    reload(official).role = "auditor"  # changed meanwhile (for example by an old request)
    db.session.commit()
    with pytest.raises(approvals.ApprovalError, match="changed since"):
        approvals.approve(db.session, request, bo)
    db.session.rollback()
    assert reload(official).role == "auditor"


def test_a_new_privileged_person_has_no_access_until_approved(app, admins, department):
    ann, bo = admins
    ann_client = signed_in(app, ann)
    form = {"email": "new.admin@example.gov.uk", "full_name": "New Admin", "role": "admin",
            "department_id": "0"}  # fmt: skip
    assert ann_client.post("/admin/people/new", data=form).status_code == 302
    person = db.session.scalar(select(User).where(User.email == "new.admin@example.gov.uk"))
    assert not person.active and not person.is_active
    # No invitation either: nobody can set a password for an account that is not approved.
    assert emails_to(person.email, "auth.invitation") == []
    # The administrator who asked cannot switch the account on either.
    page = ann_client.post(
        f"/admin/people/{person.id}/active", data={"active": "yes"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "already waits for approval" in page and not reload(person).active
    (request,) = db.session.scalars(select(AccessRequest))
    assert request.kind == "new_person"
    signed_in(app, bo).post(f"/admin/approvals/{request.id}/approve")
    assert reload(person).active
    # Approved: the invitation goes out, and the person sets their own password and signs in.
    client = app.test_client()
    assert (
        set_password(
            client, last_link_to(person.email, "auth.invitation"), NEW_PASSWORD
        ).status_code
        == 302
    )
    assert sign_in(app.test_client(), person, NEW_PASSWORD).status_code == 302


def test_reactivating_a_privileged_person_needs_approval(app, admins, make_user):
    ann, bo = admins
    auditor = make_user("auditor")
    ann_client = signed_in(app, ann)
    ann_client.post(f"/admin/people/{auditor.id}/active", data={"active": "no"})
    assert not reload(auditor).active
    ann_client.post(f"/admin/people/{auditor.id}/active", data={"active": "yes"})
    assert not reload(auditor).active
    (request,) = db.session.scalars(select(AccessRequest))
    assert (request.kind, request.after_state) == ("reactivate", {"active": True})
    signed_in(app, bo).post(f"/admin/approvals/{request.id}/approve")
    assert reload(auditor).active


def test_a_demotion_is_immediate_audited_and_announced(app, admins, make_user, department):
    ann, bo = admins
    officer = make_user("compliance", full_name="Cy Compliance")
    response = signed_in(app, ann).post(
        f"/admin/people/{officer.id}",
        data=person_form(officer, role="official", department_id=str(department.id), assigned=[]),
    )
    assert response.status_code == 302
    demoted = reload(officer)
    assert (demoted.role, demoted.assigned_departments) == ("official", [])
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "admin.user_updated")
    ).all()[-1]
    details = json.loads(entry.details)
    assert details["before"]["role"] == "compliance" and details["after"]["role"] == "official"
    removed = [e for e in emails_of() if e.subject.startswith("Access removed")]
    assert {e.to for e in removed} == {ann.email, bo.email}
    assert "Cy Compliance" in removed[0].subject


ROSTER = (
    "email,full_name,role,department_code\n"
    "ok@example.gov.uk,Ok Official,official,DCS\n"
    "boss@example.gov.uk,Big Boss,admin,\n"
    "{compliance},Renamed Officer,official,DCS\n"
)


def test_a_roster_cannot_create_administrators_or_change_a_non_official(app, admins, make_user):
    ann, _ = admins
    officer = make_user("compliance", full_name="Cy Compliance")
    text = ROSTER.format(compliance=officer.email)
    plan = services.plan_roster(db.session, text, runtime.settings())
    assert [p.fields.email for p in plan.to_create] == ["ok@example.gov.uk"]
    assert [line for line, _ in plan.errors] == [3, 4]
    assert "officials only" in plan.errors[0][1] and "is a compliance officer" in plan.errors[1][1]
    # The web upload: preview, confirm; the good row kept, the others refused.
    client = signed_in(app, ann)
    preview = client.post(
        "/admin/people/roster",
        data={"file": (io.BytesIO(text.encode()), "roster.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    action = re.search(r'action="([^"]+/confirm)"', preview).group(1)
    signature = re.search(r'name="signature" value="([^"]+)"', preview).group(1)
    report = unescape(client.post(action, data={"signature": signature}).get_data(as_text=True))
    assert "1 created, 0 updated, 0 unchanged, 2 rejected" in report
    assert db.session.scalar(select(User).where(User.email == "boss@example.gov.uk")) is None
    kept = reload(officer)
    assert (kept.role, kept.full_name) == ("compliance", "Cy Compliance")


def test_the_api_roster_cannot_create_administrators_or_change_a_non_official(
    app, client, admins, make_user
):
    ann, bo = admins
    token = make_token(db.session, ann, "hr")[1]
    db.session.commit()
    body = {"officials": [
        {"email": "boss@example.gov.uk", "full_name": "Big Boss", "role": "admin"},
        {"email": bo.email, "full_name": "Bo Renamed", "role": "official",
         "department_code": "DCS"},
        {"email": "ok@example.gov.uk", "full_name": "Ok Official", "role": "official",
         "department_code": "DCS"},
    ]}  # fmt: skip
    response = client.post(
        "/api/v1/roster", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.json
    officials = response.json["officials"]
    assert (officials["created"], officials["updated"]) == (1, 0)
    assert [e["index"] for e in officials["errors"]] == [0, 1]
    assert "officials only" in officials["errors"][0]["message"]
    assert f"{bo.email} is an administrator" in officials["errors"][1]["message"]
    assert db.session.scalar(select(User).where(User.email == "boss@example.gov.uk")) is None
    kept = reload(bo)
    assert (kept.role, kept.full_name, kept.department_id) == ("admin", "Bo Admin", None)
