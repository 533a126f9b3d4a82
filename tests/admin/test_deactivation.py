"""Administrators deactivate and reactivate accounts: a deactivated person cannot sign in and
their sessions end; everything is audited; an administrator cannot lock themselves out."""

from __future__ import annotations

from sqlalchemy import select

from register.extensions import db
from register.models import AuditEntry
from tests.conftest import sign_in


def test_deactivated_account_cannot_sign_in_and_its_sessions_end(app, client, make_user):
    admin, official = make_user("admin"), make_user("official")
    theirs = app.test_client()
    sign_in(theirs, official)
    assert theirs.get("/declarations/").status_code == 200
    sign_in(client, admin)
    page = client.get(f"/admin/people/{official.id}").get_data(as_text=True)
    assert "Deactivate account" in page

    response = client.post(f"/admin/people/{official.id}/active", data={"active": "no"})
    assert response.status_code == 302
    db.session.refresh(official)
    assert not official.active
    assert "/auth/sign-in" in theirs.get("/declarations/").headers["Location"]
    again = app.test_client()
    assert sign_in(again, official).status_code == 200  # the form again, with an error
    assert "Deactivated" in client.get("/admin/people").get_data(as_text=True)

    client.post(f"/admin/people/{official.id}/active", data={"active": "yes"})
    db.session.refresh(official)
    assert official.active
    assert sign_in(again, official).status_code == 302
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.object_id == str(official.id))
    ).all()
    assert [a for a in actions if a.startswith("admin.user_") and a.endswith("activated")] == [
        "admin.user_deactivated",
        "admin.user_reactivated",
    ]


def test_an_administrator_cannot_deactivate_themselves(client, make_user):
    admin = make_user("admin")
    sign_in(client, admin)
    response = client.post(f"/admin/people/{admin.id}/active", data={"active": "no"},
                           follow_redirects=True)  # fmt: skip
    assert "You cannot deactivate your own account" in response.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.active


def test_only_administrators_may_change_an_account(client, make_user):
    official = make_user("official")
    for role in ("official", "compliance", "auditor"):
        other = make_user(role)
        sign_in(client, other)
        response = client.post(f"/admin/people/{official.id}/active", data={"active": "no"})
        assert response.status_code in (403, 404), role
        client.post("/auth/sign-out")
    db.session.refresh(official)
    assert official.active
