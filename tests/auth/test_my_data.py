"""A person downloads everything the register holds about them (what is withheld from them:
tests/ownership/test_personal_data.py)."""

from __future__ import annotations

import json

from sqlalchemy import select

from register.extensions import db
from register.models import AuditEntry
from register.review import services as review
from tests.conftest import sign_in
from tests.review.helpers import build_scene


def download(client) -> dict:
    response = client.get("/auth/my-data")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    return json.loads(response.get_data(as_text=True))


def test_an_official_gets_their_declarations_flags_decisions_and_actions(client, make_user,
                                                                         department):  # fmt: skip
    scene = build_scene(make_user, department)
    review.decide(db.session, scene.flag.id, scene.officer, "same_no_conflict",
                  "Resigned before the contract was let")  # fmt: skip
    db.session.commit()
    sign_in(client, scene.official)
    data = download(client)
    assert data["person"]["email"] == scene.official.email
    assert "password_hash" not in json.dumps(data) and "session_token" not in json.dumps(data)
    [declaration] = data["declarations"]
    assert declaration["cycle"] == scene.cycle.name
    assert declaration["versions"][0]["content"]["interests"][0]["organisation_name"]
    [flag] = [f for f in data["flags"] if f["kind"] == "declared"][:1]
    assert flag["decisions"][0]["reason"] == "Resigned before the contract was let"
    assert any(a["action"] == "auth.sign_in" for a in data["own_actions"])
    downloads = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "personal_data.downloaded")
    ).all()
    assert len(downloads) == 1 and downloads[0].actor_id == scene.official.id
