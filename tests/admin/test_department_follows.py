"""Department follows the official (issue 12, item 9): when an administrator moves an official
(person form or roster), their open flags move with them; the new department's compliance
officers see them on every door (flag page, queue, dashboard, API, the auditor's flags export)
and the old department's no longer can, undeclared findings included."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from register.admin.services import create_department
from register.extensions import db
from register.models import AuditEntry, Flag, User
from register.models.flags import DECIDED
from register.notify.messages import notify_new_high_risk
from register.review.services import decide
from tests.conftest import sign_in
from tests.test_access import _csv, _token, _undeclared_flag, scene  # noqa: F401 - fixture


@pytest.fixture
def treasury(scene, make_user) -> tuple[Any, User]:  # noqa: F811 - the scene fixture
    hmt = create_department(db.session, "HMT", "HM Treasury", None)
    officer = make_user("compliance", full_name="Tara Treasury", email="tara@example.gov.uk")
    officer.assigned_departments = [hmt]
    db.session.commit()
    return hmt, officer


def move_by_person_form(app, scene, hmt) -> None:  # noqa: F811
    client = app.test_client()
    sign_in(client, scene.admin)
    official = scene.official
    response = client.post(
        f"/admin/people/{official.id}",
        data={
            "email": official.email,
            "full_name": official.full_name,
            "role": "official",
            "department_id": str(hmt.id),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


def move_by_roster(runner, scene, hmt, tmp_path) -> None:  # noqa: F811
    path = tmp_path / "roster.csv"
    path.write_text(
        f"email,full_name,role,department_code\n{scene.official.email},,,HMT\n", encoding="utf-8"
    )
    result = runner.invoke(args=["users", "import", str(path)])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("door", ["person form", "roster"])
def test_open_flags_follow_the_official_on_every_door(
    app,
    client,
    runner,
    scene,  # noqa: F811
    treasury,
    tmp_path,
    door,
):
    hmt, tara = treasury
    old_department = scene.flag.department_id
    flag_id = scene.flag.id
    undeclared = _undeclared_flag(scene)
    if door == "person form":
        move_by_person_form(app, scene, hmt)
    else:
        move_by_roster(runner, scene, hmt, tmp_path)
    db.session.expire_all()
    flag = db.session.get(Flag, flag_id)
    assert flag.department_id == hmt.id  # the open flag moved with the official
    entry = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "admin.user_updated")
        .order_by(AuditEntry.seq.desc())
    ).first()
    details = json.loads(entry.details)
    moved = details.get("open_flags_moved")
    assert moved and moved >= 1
    before_after = details.get("changes", {}).get("department") or [
        details["before"]["department"],
        details["after"]["department"],
    ]
    assert before_after == ["DCS", "HMT"] and old_department != hmt.id

    # The new department's officer: flag page, queue, dashboard, API.
    sign_in(client, tara)
    assert client.get(f"/review/flags/{flag_id}").status_code == 200
    assert f"/review/flags/{flag_id}" in client.get("/review/").get_data(as_text=True)
    assert "HM Treasury" in client.get("/review/dashboard").get_data(as_text=True)
    api = client.get("/api/v1/flags", headers=_token(tara)).json
    assert flag_id in [item["id"] for item in api["items"]]
    assert {item["department"] for item in api["items"]} == {"HMT"}
    if db.session.get(Flag, undeclared.id).active:  # still a possible undeclared interest
        assert client.get(f"/review/flags/{undeclared.id}").status_code == 200
    client.post("/auth/sign-out")

    # The old department's officer: nothing.
    sign_in(client, scene.officer)
    assert client.get(f"/review/flags/{flag_id}").status_code == 404
    assert client.get(f"/review/flags/{undeclared.id}").status_code == 404
    assert f"/review/flags/{flag_id}" not in client.get("/review/").get_data(as_text=True)
    assert client.get("/api/v1/flags", headers=_token(scene.officer)).json["total"] == 0
    client.post("/auth/sign-out")

    # The auditor's flags export names the department the official is in now.
    sign_in(client, scene.auditor)
    rows = _csv(client.get("/exports/download?kind=flags&format=csv").data)
    departments = {row[next(k for k in row if "department" in k.lower())] for row in rows}
    assert departments == {"HMT"}

    # An alert about the flag now goes to the new department's officers, not the old one's.
    emails = notify_new_high_risk(db.session, [flag_id], mailbox="compliance@example.gov.uk")
    recipients = {email.to for email in emails}
    assert tara.email in recipients and scene.officer.email not in recipients


def test_a_decided_flag_keeps_the_department_it_was_decided_in(app, scene, treasury):  # noqa: F811
    hmt, _ = treasury
    decide(db.session, scene.flag.id, scene.officer, "not_same_organisation", "Another company")
    db.session.commit()
    old = scene.flag.department_id
    move_by_person_form(app, scene, hmt)
    db.session.expire_all()
    flag = db.session.get(Flag, scene.flag.id)
    assert flag.status == DECIDED and flag.department_id == old
