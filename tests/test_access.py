"""The access policy (register/access.py) on every door: web pages, exports and the API.

The two rules fixed when the policy moved into one module: administrators get no flags,
decisions or undeclared findings from any door, and a flag belongs to the department its official
is in now, so a transfer hands it to the new department's compliance officers.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from register import access
from register.admin.services import create_department
from register.clock import utcnow
from register.extensions import db
from register.models import (
    AuditEntry,
    Case,
    Decision,
    Declaration,
    Department,
    Flag,
    ManagementPlan,
    UndeclaredFinding,
    User,
)
from register.models.flags import UNDECLARED
from register.review.services import PlanFields, decide
from tests.api.helpers import make_token
from tests.conftest import sign_in
from tests.review.helpers import Scene, add_award, build_scene


@pytest.fixture
def scene(make_user: Any, department: Department) -> Scene:
    return build_scene(make_user, department)


def _undeclared_flag(scene: Scene, *, released: bool = False) -> Flag:
    """A possible undeclared interest of the scene's official, raised (like the scene's flag)
    while they were in the scene's department; never released unless asked."""
    department = db.session.get(Department, scene.flag.department_id)
    award = add_award(department, "Plover Ltd", "00442696", n=50)
    now = utcnow()
    flag = Flag(
        interest_lineage=f"undeclared-{scene.official.id}-00442696", source_key="officer",
        award_supplier_id=award.suppliers[0].id, kind=UNDECLARED, official_id=scene.official.id,
        department_id=scene.flag.department_id, award_id=award.id,
        organisation_name="PLOVER LTD", supplier_name="Plover Ltd", score=80.0,
        name_score=100.0, risk_level="high", reasons="[]", explanation="officer record",
        status="open", active=True, interest_digest="i", award_digest="a", created_at=now,
        updated_at=now,
    )  # fmt: skip
    db.session.add(flag)
    db.session.flush()
    db.session.add(
        UndeclaredFinding(
            flag_id=flag.id, company_number="00442696", company_name="PLOVER LTD",
            officer_name="TROWE, Isabelle", role="Director", appointed_on=date(2012, 5, 1),
            released_at=now if released else None,
            released_by_id=scene.officer.id if released else None,
        )
    )  # fmt: skip
    db.session.commit()
    return flag


def _token(user: User) -> dict[str, str]:
    token = make_token(db.session, user, f"{user.role} token")[1]
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def _csv(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


# Administrators ---------------------------------------------------------------------------------


def test_admin_gets_no_flags_from_the_flags_export(client: Any, scene: Scene) -> None:
    _undeclared_flag(scene)
    sign_in(client, scene.admin)
    for fmt in ("csv", "xlsx"):
        response = client.get("/exports/download", query_string={"kind": "flags", "format": fmt})
        assert response.status_code == 403, fmt
        assert "Morning Lane" not in response.get_data(as_text=True)
    page = client.get("/exports/").get_data(as_text=True)
    assert "Flags and decisions" not in page and 'value="flags"' not in page
    assert "Audit log" in page and "Completeness" in page  # the rest of their exports stay
    assert (
        db.session.scalars(select(AuditEntry).where(AuditEntry.action == "export.flags")).all()
        == []
    )
    # The export builder refuses them too, whichever door calls it.
    from register.exports import services as exports

    request = exports.ExportRequest("flags", "csv")
    with pytest.raises(PermissionError):
        exports.build(db.session, request, today=date.today(), joiner_days=28, reader=scene.admin)


def test_auditor_still_exports_every_flag(client: Any, scene: Scene) -> None:
    undeclared = _undeclared_flag(scene)
    sign_in(client, scene.auditor)
    response = client.get("/exports/download?kind=flags&format=csv")
    assert response.status_code == 200
    rows = _csv(response.get_data())
    assert {r["flag_id"] for r in rows} == {str(scene.flag.id), str(undeclared.id)}
    assert "Flags and decisions" in client.get("/exports/").get_data(as_text=True)


def test_admin_gets_no_flags_or_undeclared_findings_from_the_api(client: Any, scene: Scene) -> None:
    _undeclared_flag(scene)
    headers = _token(scene.admin)
    for query in ("", "?kind=undeclared", "?kind=declared", "?department=DCS"):
        response = client.get(f"/api/v1/flags{query}", headers=headers)
        assert response.status_code == 403, query
        assert response.json["error"] == "forbidden" and "items" not in response.json
    # Completeness stays theirs.
    assert client.get("/api/v1/completeness?cycle=2025/26", headers=headers).status_code == 200
    auditor = client.get("/api/v1/flags?kind=undeclared", headers=_token(scene.auditor)).json
    assert auditor["total"] == 1 and auditor["items"][0]["undeclared"]["company_number"]


def test_admin_sees_no_flags_on_an_award_page(client: Any, scene: Scene) -> None:
    sign_in(client, scene.admin)
    page = client.get(f"/awards/{scene.flag.award_id}")
    assert page.status_code == 200
    assert f"/review/flags/{scene.flag.id}" not in page.get_data(as_text=True)


# Transfers --------------------------------------------------------------------------------------


@pytest.fixture
def transferred(scene: Scene, make_user: Any) -> tuple[Scene, User]:
    """The scene's official moves to the Treasury after their flag was raised; a Treasury
    compliance officer arrives. The flag still records the old department."""
    treasury = create_department(db.session, "HMT", "Treasury", None)
    new_officer = make_user("compliance", full_name="Tara Treasury")
    new_officer.assigned_departments = [treasury]
    scene.official.department_id = treasury.id
    db.session.commit()
    assert scene.flag.department_id != treasury.id  # the premise: the stored one is the old one
    return scene, new_officer


def test_after_a_transfer_the_new_department_reads_and_decides_the_flag(
    client: Any, transferred: tuple[Scene, User]
) -> None:
    scene, new_officer = transferred
    flag_id = scene.flag.id
    sign_in(client, new_officer)
    page = client.get(f"/review/flags/{flag_id}")
    assert page.status_code == 200 and "Record decision" in page.get_data(as_text=True)
    assert f"/review/flags/{flag_id}" in client.get("/review/").get_data(as_text=True)
    treasury = new_officer.assigned_departments[0].id
    filtered = client.get(f"/review/?department={treasury}").get_data(as_text=True)
    assert f"/review/flags/{flag_id}" in filtered
    assert "Treasury" in client.get("/review/dashboard").get_data(as_text=True)
    response = client.post(
        f"/review/flags/{flag_id}/decide",
        data={"outcome": "same_no_conflict", "reason": "Interest ended before the award"},
    )
    assert response.status_code == 302
    decision = db.session.scalar(select(Decision).where(Decision.flag_id == flag_id))
    assert decision is not None and decision.decided_by_id == new_officer.id
    api = client.get("/api/v1/flags", headers=_token(new_officer)).json
    assert [item["id"] for item in api["items"]] == [flag_id]
    assert api["items"][0]["department"] == "HMT"
    assert (
        client.get("/api/v1/flags?department=HMT", headers=_token(new_officer)).json["total"] == 1
    )


def test_after_a_transfer_the_old_department_gets_404(
    client: Any, transferred: tuple[Scene, User]
) -> None:
    scene, _ = transferred
    flag_id = scene.flag.id
    sign_in(client, scene.officer)  # assigned to the official's old department
    assert client.get(f"/review/flags/{flag_id}").status_code == 404
    response = client.post(
        f"/review/flags/{flag_id}/decide",
        data={"outcome": "not_same_organisation", "reason": "Different company"},
    )
    assert response.status_code == 404
    assert db.session.scalars(select(Decision)).all() == []
    assert f"/review/flags/{flag_id}" not in client.get("/review/").get_data(as_text=True)
    api = client.get("/api/v1/flags", headers=_token(scene.officer)).json
    assert api["total"] == 0 and api["items"] == []
    version = f"/declarations/{scene.declaration.id}/versions/1"
    assert client.get(version).status_code == 404


def test_after_a_transfer_the_plan_and_the_release_follow_the_official(
    client: Any, transferred: tuple[Scene, User]
) -> None:
    scene, new_officer = transferred
    undeclared = _undeclared_flag(scene)
    fields = PlanFields(["recusal"], "", new_officer.id, date(2030, 1, 1))
    decision = decide(db.session, scene.flag.id, new_officer, "conflict_managed", "Managed",
                      plan=fields)  # fmt: skip
    db.session.commit()
    plan = db.session.scalar(
        select(ManagementPlan).where(ManagementPlan.decision_id == decision.id)
    )
    sign_in(client, scene.officer)
    assert client.get(f"/review/plans/{plan.id}").status_code == 404
    assert client.post(f"/ownership/flags/{undeclared.id}/release").status_code == 404
    client.post("/auth/sign-out")
    sign_in(client, new_officer)
    assert client.get(f"/review/plans/{plan.id}").status_code == 200
    assert client.post(f"/ownership/flags/{undeclared.id}/release").status_code == 302
    finding = db.session.scalar(
        select(UndeclaredFinding).where(UndeclaredFinding.flag_id == undeclared.id)
    )
    assert finding.released_by_id == new_officer.id


# Predicates and scopes agree ---------------------------------------------------------------------


def test_every_predicate_agrees_with_its_scope(scene: Scene, make_user: Any) -> None:
    _undeclared_flag(scene)
    stranger = make_user("official")
    outsider = make_user("compliance")
    outsider.assigned_departments = []
    db.session.commit()
    users = [scene.official, stranger, scene.officer, scene.other_officer, outsider,
             scene.auditor, scene.admin]  # fmt: skip
    flags = db.session.scalars(select(Flag)).all()
    declarations = db.session.scalars(select(Declaration)).all()
    assert len(flags) == 2 and declarations
    for user in users:
        in_scope = set(db.session.scalars(select(Flag.id).where(access.flag_scope(user))))
        assert in_scope == {f.id for f in flags if access.can_read_flag(user, f)}, user
        readable = set(
            db.session.scalars(select(Declaration.id).where(access.declaration_scope(user)))
        )
        assert readable == {d.id for d in declarations if access.can_read_declaration(user, d)}
        for flag in flags:
            if access.can_decide_flag(user, flag):
                assert access.can_read_flag(user, flag) and user.role == "compliance"
    # The table in register/access.py, spelled out.
    declared, undeclared = sorted(flags, key=lambda f: f.kind)
    assert access.can_read_flag(scene.official, declared)
    assert not access.can_read_flag(scene.official, undeclared)  # only as a released prompt
    assert not access.can_read_flag(stranger, declared)
    assert all(access.can_read_flag(scene.auditor, f) for f in flags)
    assert not any(access.can_decide_flag(scene.auditor, f) for f in flags)
    assert not any(access.can_read_flag(scene.admin, f) for f in flags)
    assert all(access.can_decide_flag(scene.officer, f) for f in flags)
    assert not any(access.can_read_flag(outsider, f) for f in flags)
    assert access.export_kinds(scene.admin) == {"completeness", "declarations", "audit"}
    assert access.export_kinds(scene.auditor) == {
        "completeness", "declarations", "flags", "cases", "audit"
    }  # fmt: skip
    case = db.session.get(Case, scene.flag.case_id)
    assert access.can_read_case(scene.auditor, case)
    assert not access.can_work_case(scene.auditor, case)
    assert access.can_work_case(scene.officer, case)
    assert not any(access.can_read_case(u, case) for u in (scene.admin, scene.official, outsider))
    assert not access.export_kinds(scene.officer) and not access.export_kinds(scene.official)


# Blueprints fail closed -------------------------------------------------------------------------

# Sign-in itself (with its two-factor step), the public register, the token API, and the
# declaration an external person makes through their emailed link (the link is the credential).
OPEN_BLUEPRINTS = {"auth", "two_factor", "public", "api", "procurement_link"}


def test_every_role_only_blueprint_guards_itself(app: Flask) -> None:
    unguarded = sorted(
        name
        for name, blueprint in app.blueprints.items()
        if name not in OPEN_BLUEPRINTS and not hasattr(blueprint, "allowed_roles")
    )
    assert not unguarded, f"blueprints without web.guard_blueprint: {unguarded}"


def test_a_route_without_its_decorator_fails_closed(
    app: Flask, client: Any, make_user: Any
) -> None:
    """A view added to a guarded blueprint without `roles_required` answers 403 to everyone,
    even to the blueprint's own role; one added to the API without `token_required` 401."""
    app.add_url_rule("/admin/forgotten", "admin.forgotten", lambda: "people data")
    app.add_url_rule("/review/forgotten", "review.forgotten", lambda: "every flag")
    app.add_url_rule("/api/v1/forgotten", "api.forgotten", lambda: {"flags": "all"})
    anonymous = app.test_client()
    assert anonymous.get("/admin/forgotten").status_code == 302  # to the sign-in page
    for role in ("official", "compliance", "auditor", "admin"):
        user = make_user(role)
        signed_in = app.test_client()
        sign_in(signed_in, user)
        for url in ("/admin/forgotten", "/review/forgotten"):
            response = signed_in.get(url)
            assert response.status_code == 403, (role, url)
        response = client.get("/api/v1/forgotten", headers=_token(user))
        assert response.status_code == 401 and "flags" not in response.json, role
