"""The JSON API: token auth on every endpoint, each role, each endpoint, JSON errors."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import select

from register.api.services import hash_token
from register.extensions import db
from register.models import ApiToken, Award, Department, User
from tests.api.helpers import make_token
from tests.completeness.mix import EXPECTED
from tests.conftest import configure, sign_in

AWARDS = Path(__file__).resolve().parents[2] / "register/demo/data/morning_lane_awards.json"


@pytest.fixture
def tokens(mix, make_user) -> dict[str, str]:
    """A token for one user of each role (the compliance officer is assigned to DCS)."""
    found = {}
    for role in ("official", "compliance", "auditor", "admin"):
        user = mix.people["a"] if role == "official" else make_user(role)
        found[role] = make_token(db.session, user, f"{role} token")[1]
    db.session.commit()
    return found


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


ENDPOINTS = [
    ("GET", "/api/v1/completeness?cycle=2026/27", {"compliance", "auditor", "admin"}),
    ("GET", "/api/v1/flags", {"compliance", "auditor"}),  # administrators: no flags
    ("POST", "/api/v1/roster", {"admin"}),
    ("POST", "/api/v1/awards", {"admin"}),
]


@pytest.mark.parametrize(("method", "url", "roles"), ENDPOINTS)
def test_every_endpoint_checks_token_and_role(client, tokens, method, url, roles):
    for headers in ({}, _auth("rgi_not-a-real-token"), {"Authorization": "Basic abc"}):
        response = client.open(url, method=method, headers=headers)
        assert response.status_code == 401, (url, headers)
        assert response.json["error"] == "unauthorized" and response.json["message"]
    for role, token in tokens.items():
        response = client.open(url, method=method, headers=_auth(token), json={})
        if role in roles:
            assert response.status_code in (200, 422), (url, role, response.json)
        else:
            assert response.status_code == 403, (url, role)
            assert response.json["error"] == "forbidden"


def test_session_cookie_is_not_enough(client, tokens, make_user):
    sign_in(client, make_user("admin"))
    assert client.get("/api/v1/flags").status_code == 401


def test_revoked_token_and_stored_hash(client, tokens):
    token = tokens["auditor"]
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    assert token not in {row.token_hash, row.prefix} and row.prefix == token[:12]
    assert client.get("/api/v1/flags", headers=_auth(token)).status_code == 200
    db.session.refresh(row)
    assert row.last_used_at is not None
    from register.clock import utcnow

    row.revoked_at = utcnow()
    db.session.commit()
    assert client.get("/api/v1/flags", headers=_auth(token)).status_code == 401


def test_completeness_counts(client, tokens, mix):
    body = client.get("/api/v1/completeness?cycle=2026/27", headers=_auth(tokens["auditor"])).json
    in_scope, filed, nil, late, overdue, not_due = EXPECTED["ALL"]
    assert body["total"]["in_scope"] == in_scope and body["total"]["filed"] == filed
    assert body["total"]["nil_returns"] == nil and body["total"]["filed_late"] == late
    assert body["total"]["overdue"] == overdue and body["total"]["not_yet_due"] == not_due
    assert [d["code"] for d in body["departments"]] == ["DCS", "DFE"]
    scoped = client.get("/api/v1/completeness?cycle=2026/27", headers=_auth(tokens["compliance"]))
    assert [d["code"] for d in scoped.json["departments"]] == ["DCS"]
    missing = client.get("/api/v1/completeness?cycle=1999", headers=_auth(tokens["auditor"]))
    assert missing.status_code == 404 and missing.json["error"] == "not_found"
    assert client.get("/api/v1/completeness", headers=_auth(tokens["auditor"])).status_code == 422


def test_roster_json_and_csv(client, tokens, mix):
    headers = _auth(tokens["admin"])
    body = {
        "departments": [
            {"code": "hmt", "name": "HM Treasury"},
            {"code": "DFE", "name": "Department for Education"},
        ],
        "officials": [
            {
                "email": "new.person@example.gov.uk",
                "full_name": "New Person",
                "role": "official",
                "department_code": "HMT",
                "is_senior": True,
                "joined_on": "2026-07-01",
            },
            {
                "email": "bad@example.gov.uk",
                "full_name": "Bad Row",
                "role": "official",
                "department_code": "NOPE",
            },
        ],
    }
    response = client.post("/api/v1/roster", json=body, headers=headers)
    assert response.status_code == 200, response.json
    assert response.json["departments"] == {"created": 1, "unchanged": 1, "errors": []}
    officials = response.json["officials"]
    assert officials["created"] == 1 and officials["errors"][0]["index"] == 1
    assert "NOPE" in officials["errors"][0]["message"]
    person = db.session.scalar(select(User).where(User.email == "new.person@example.gov.uk"))
    assert person.is_senior and person.department.code == "HMT"
    assert db.session.scalar(select(Department).where(Department.code == "HMT"))
    csv_body = (
        "email,full_name,role,department_code\nnew.person@example.gov.uk,New Name,official,HMT\n"
    )
    response = client.post(
        "/api/v1/roster", data=csv_body, headers={**headers, "Content-Type": "text/csv"}
    )
    assert response.status_code == 200 and response.json["officials"]["updated"] == 1
    bad = client.post(
        "/api/v1/roster", data="nonsense\n", headers={**headers, "Content-Type": "text/csv"}
    )
    assert bad.status_code == 422 and "missing columns" in bad.json["message"]
    assert client.post("/api/v1/roster", json=[1], headers=headers).status_code == 422


def test_roster_other_names_and_birth_dates(client, tokens, mix, app):
    headers = _auth(tokens["admin"])
    official = {"email": "ann@example.gov.uk", "full_name": "Ann Trowe", "role": "official",
                "department_code": "DCS", "other_names": ["Ann Smith", "A. M. Trowe"],
                "birth_month": 3, "birth_year": 1968}  # fmt: skip
    bad = {**official, "email": "bad@example.gov.uk", "other_names": "Smith", "birth_month": 13}
    response = client.post("/api/v1/roster", json={"officials": [official, bad]}, headers=headers)
    body = response.json["officials"]
    # Not collected (the default): birth dates ignored and said so; the bad name still rejected.
    assert (body["created"], body["ignored_columns"]) == (1, ["birth_month", "birth_year"])
    assert body["errors"] == [{"index": 1, "message": "other_names: Other name 'Smith' needs a "
                               "forename and a surname, for example Jane Smith"}]  # fmt: skip
    ann = db.session.scalar(select(User).where(User.email == "ann@example.gov.uk"))
    assert (ann.other_names, ann.birth_month, ann.birth_year) == (
        "Ann Smith\nA. M. Trowe", None, None)  # fmt: skip
    configure(app, COLLECT_BIRTH_DATES=True)
    response = client.post("/api/v1/roster", json={"officials": [official, bad]}, headers=headers)
    body = response.json["officials"]
    assert (body["updated"], body["ignored_columns"]) == (1, [])
    assert "birth_month: Month of birth must be a number from 1 to 12" in (
        body["errors"][0]["message"])  # fmt: skip
    db.session.refresh(ann)
    assert (ann.birth_month, ann.birth_year) == (3, 1968)
    # Officials without the person fields leave them as they are.
    plain = {k: v for k, v in official.items() if k not in ("other_names", "birth_month")}
    response = client.post("/api/v1/roster", json={"officials": [plain]}, headers=headers)
    assert response.json["officials"]["unchanged"] == 1
    db.session.refresh(ann)
    assert (ann.other_names, ann.birth_month) == ("Ann Smith\nA. M. Trowe", 3)
    schema = client.get("/api/v1/openapi.json").json["paths"]["/roster"]["post"]
    row = schema["requestBody"]["content"]["application/json"]["schema"]["properties"]
    fields = row["officials"]["items"]["properties"]
    assert {"other_names", "birth_month", "birth_year"} <= set(fields)
    assert fields["birth_month"]["maximum"] == 12


def test_awards_import_and_flags(client, tokens, mix):
    headers = _auth(tokens["admin"])
    data = {"file": (io.BytesIO(AWARDS.read_bytes()), "morning_lane_awards.json")}
    response = client.post(
        "/api/v1/awards", data=data, headers=headers, content_type="multipart/form-data"
    )
    assert response.status_code == 200, response.json
    assert response.json["imported"] >= 1 and response.json["failed"] is None
    again = client.post(
        "/api/v1/awards?filename=morning_lane_awards.json",
        data=AWARDS.read_bytes(),
        headers=headers,
    )
    assert again.json["imported"] == 0 and again.json["unchanged"] == response.json["imported"]
    assert db.session.query(Award).count() == response.json["imported"]
    broken = client.post("/api/v1/awards?filename=x.json", data=b"{not json", headers=headers)
    assert broken.status_code == 422 and broken.json["error"] == "invalid_file"
    # Official A declared Morning Lane Associates (a close associate's company): flagged.
    page = client.get("/api/v1/flags?per_page=1", headers=_auth(tokens["auditor"])).json
    assert page["total"] >= 1 and len(page["items"]) == 1
    assert page["items"][0]["official"]["email"] == "a@example.gov.uk"
    assert page["next_page"] == (2 if page["total"] > 1 else None)
    filtered = client.get("/api/v1/flags?department=DFE", headers=_auth(tokens["auditor"])).json
    assert filtered["total"] == 0
    assert (
        client.get("/api/v1/flags?per_page=500", headers=_auth(tokens["auditor"])).status_code
        == 422
    )
    assert (
        client.get("/api/v1/flags?min_score=x", headers=_auth(tokens["auditor"])).status_code == 422
    )


def test_upload_too_large(client, tokens, app):
    configure(app, WEB_IMPORT_MAX_BYTES=10)
    response = client.post(
        "/api/v1/awards?filename=a.json", data=b"{" * 100, headers=_auth(tokens["admin"])
    )
    assert response.status_code == 413 and response.json["message"]


def test_openapi_document(client):
    body = client.get("/api/v1/openapi.json").json
    assert body["openapi"].startswith("3.")
    assert set(body["paths"]) == {
        "/openapi.json",
        "/roster",
        "/awards",
        "/flags",
        "/cases",
        "/completeness",
        "/procurements",
        "/procurements/{procurement_id}/people",
        "/procurements/{procurement_id}/suppliers",
        "/procurements/{procurement_id}/assessment",
    }
