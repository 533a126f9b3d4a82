"""API tokens (issue 13, item 7): made by their owner, or by an administrator for a service
account only; scopes enforced per endpoint; a required expiry of at most a year; a rate limit
per token kept in the database; every read of personal data audited."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from html import unescape
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from register.api import services
from register.clock import today, utcnow
from register.extensions import db
from register.models import ApiToken, AuditEntry, User
from tests.api.helpers import make_token, token_form
from tests.conftest import configure, sign_in


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def shown_token(page: str) -> str:
    return page.split('<code id="new-token">')[1].split("</code>")[0]


@pytest.fixture
def service_account(make_user: Any) -> User:
    return make_user("admin", full_name="HR feed", is_service_account=True)


def test_a_person_makes_sees_once_and_revokes_their_own_token(app: Flask, client, make_user):
    auditor = make_user("auditor")
    sign_in(client, auditor)
    page = client.get("/account/api-tokens/").get_data(as_text=True)
    assert "flags:read" in page and "roster:write" not in page  # only what the role allows
    made = client.post("/account/api-tokens/", data=token_form("BI feed", ["flags:read"]))
    token = shown_token(made.get_data(as_text=True))
    assert token.startswith("rgi_")
    assert app.test_client().get("/api/v1/flags", headers=auth(token)).status_code == 200
    assert token not in client.get("/account/api-tokens/").get_data(as_text=True)  # shown once
    row = db.session.scalar(select(ApiToken))
    assert row.token_hash == services.hash_token(token) and row.created_by_id == auditor.id
    assert row.scope_list == ["flags:read"]
    client.post("/account/api-tokens/revoke", data={"token_id": row.id})
    assert app.test_client().get("/api/v1/flags", headers=auth(token)).status_code == 401
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"api.token_created", "api.token_revoked"} <= actions


def test_officials_have_no_token_page(client, make_user):
    sign_in(client, make_user("official"))
    assert client.get("/account/api-tokens/").status_code == 403


def test_nobody_revokes_or_sees_another_persons_token(app: Flask, client, make_user):
    auditor, other = make_user("auditor"), make_user("auditor")
    row, _ = make_token(db.session, other, "theirs")
    db.session.commit()
    sign_in(client, auditor)
    assert "theirs" not in client.get("/account/api-tokens/").get_data(as_text=True)
    assert client.post("/account/api-tokens/revoke", data={"token_id": row.id}).status_code == 404
    db.session.refresh(row)
    assert row.revoked_at is None


def test_administrators_cannot_mint_or_see_tokens_of_people(app: Flask, client, make_user):
    admin, auditor = make_user("admin"), make_user("auditor")
    theirs, _ = make_token(db.session, auditor, "auditor's own")
    db.session.commit()
    with pytest.raises(services.TokenError, match="only for service accounts"):
        services.create_token(
            db.session, auditor, "x", scopes=["flags:read"],
            expires_on=today() + timedelta(days=30), actor=admin,
        )  # fmt: skip
    sign_in(client, admin)
    page = client.get("/admin/api-tokens/").get_data(as_text=True)
    assert "auditor's own" not in page and auditor.email not in page
    response = client.post(
        "/admin/api-tokens/",
        data=MultiDict(
            [
                ("owner_id", str(auditor.id)),
                *token_form("BI feed", ["flags:read"]).items(multi=True),
            ]
        ),
    )
    assert response.status_code == 400 and 'id="new-token"' not in response.get_data(True)
    assert client.post(f"/admin/api-tokens/{theirs.id}/revoke").status_code == 404
    assert db.session.scalar(select(ApiToken).where(ApiToken.name == "BI feed")) is None


def test_administrators_mint_tokens_for_service_accounts(
    app: Flask, client, make_user, service_account
):
    admin = make_user("admin")
    sign_in(client, admin)
    page = client.post(
        "/admin/api-tokens/",
        data=MultiDict(
            [
                ("owner_id", str(service_account.id)),
                *token_form("HR", ["roster:write"]).items(multi=True),
            ]
        ),
    ).get_data(as_text=True)
    token = shown_token(page)
    body = {"officials": [{"email": "n@example.gov.uk", "full_name": "New Official",
                           "role": "official", "department_code": "DCS"}]}  # fmt: skip
    created = app.test_client().post("/api/v1/roster", json=body, headers=auth(token))
    assert created.status_code == 200 and created.json["officials"]["created"] == 1
    listed = client.get("/admin/api-tokens/").get_data(as_text=True)
    assert "HR feed" in listed and token not in listed
    # A service account never has a web session, whatever its password.
    web = app.test_client()
    sign_in(web, service_account)
    assert web.get("/account/api-tokens/").status_code == 302  # to the sign-in page


def test_each_endpoint_requires_its_scope(app: Flask, make_user):
    auditor, admin = make_user("auditor"), make_user("admin")
    counts_only = make_token(db.session, auditor, "counts", scopes=["completeness:read"])[1]
    admin_counts = make_token(db.session, admin, "counts", scopes=["completeness:read"])[1]
    db.session.commit()
    client = app.test_client()
    refused = client.get("/api/v1/flags", headers=auth(counts_only))
    assert refused.status_code == 403
    assert refused.json["message"] == "This token does not have the flags:read scope"
    assert client.get("/api/v1/completeness?cycle=x", headers=auth(counts_only)).status_code == 404
    for url in ("/api/v1/roster", "/api/v1/awards"):
        assert client.post(url, json={}, headers=auth(admin_counts)).status_code == 403
    # Only scopes the owner's role allows can be asked for.
    with pytest.raises(services.TokenError, match="cannot have the scope roster:write"):
        services.create_token(
            db.session, auditor, "x", scopes=["roster:write"],
            expires_on=today() + timedelta(days=1), actor=auditor,
        )  # fmt: skip
    with pytest.raises(services.TokenError, match="Choose what the token may do"):
        services.create_token(
            db.session, auditor, "x", scopes=[], expires_on=today(), actor=auditor
        )
    # A token outlives no demotion: its owner's role now decides.
    flags_token = make_token(db.session, auditor, "flags", scopes=["flags:read"])[1]
    auditor.role = "official"
    db.session.commit()
    demoted = client.get("/api/v1/flags", headers=auth(flags_token))
    assert demoted.status_code == 403
    assert "official cannot use flags:read" in demoted.json["message"]


def test_an_expiry_is_required_at_most_a_year_away(app: Flask, client, make_user):
    auditor = make_user("auditor")
    for expires_on, message in (
        (None, "Enter the date the token stops working"),
        (today() + timedelta(days=366), "at most a year"),
        (today() - timedelta(days=1), "today or later"),
    ):
        with pytest.raises(services.TokenError, match=message):
            services.create_token(
                db.session, auditor, "x", scopes=["flags:read"], expires_on=expires_on,
                actor=auditor,
            )  # fmt: skip
    row, _ = services.create_token(
        db.session, auditor, "a year", scopes=["flags:read"],
        expires_on=services.latest_expiry(), actor=auditor,
    )  # fmt: skip
    assert row.expires_at - utcnow() <= timedelta(days=367)
    db.session.commit()
    sign_in(client, auditor)
    missing = client.post("/account/api-tokens/", data=token_form("no date", ["flags:read"], None))
    page = unescape(missing.get_data(as_text=True))
    assert missing.status_code == 400 and "<title>Error: " in page
    assert "Enter the date the token stops working" in page and 'value="no date"' in page
    too_late = client.post("/account/api-tokens/", data=token_form("late", ["flags:read"], 400))
    assert too_late.status_code == 400 and "at most a year" in unescape(too_late.get_data(True))


def test_an_expired_token_is_refused(app: Flask, make_user):
    row, token = make_token(db.session, make_user("auditor"), "old")
    db.session.commit()
    client = app.test_client()
    assert client.get("/api/v1/flags", headers=auth(token)).status_code == 200
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = client.get("/api/v1/flags", headers=auth(token))
    assert response.status_code == 401 and response.json["error"] == "unauthorized"


def test_the_rate_limit_answers_429_with_retry_after(app: Flask, make_user):
    configure(app, API_REQUESTS_PER_MINUTE=3)
    auditor = make_user("auditor")
    row, token = make_token(db.session, auditor, "busy")
    _, other = make_token(db.session, auditor, "quiet")
    db.session.commit()
    client = app.test_client()
    assert [client.get("/api/v1/flags", headers=auth(token)).status_code for _ in range(3)] == [
        200, 200, 200,
    ]  # fmt: skip
    limited = client.get("/api/v1/flags", headers=auth(token))
    assert limited.status_code == 429 and limited.json["error"] == "rate_limited"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert client.get("/api/v1/flags", headers=auth(other)).status_code == 200  # per token
    db.session.refresh(row)
    assert row.rate_window_count == 4  # counted in the database, not in this process
    row.rate_window_start = utcnow() - timedelta(seconds=61)  # the minute is over
    db.session.commit()
    assert client.get("/api/v1/flags", headers=auth(token)).status_code == 200


def test_api_reads_are_audited_with_token_endpoint_filters_and_count(app: Flask, mix, make_user):
    auditor = make_user("auditor")
    row, token = make_token(db.session, auditor, "report")
    db.session.commit()
    client = app.test_client()
    flags = client.get("/api/v1/flags?status=open&per_page=5", headers=auth(token))
    counts = client.get("/api/v1/completeness?cycle=2026/27", headers=auth(token))
    assert flags.status_code == counts.status_code == 200
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "api.read").order_by(AuditEntry.seq)
    ).all()
    assert [json.loads(e.details)["endpoint"] for e in entries] == [
        "api.flags",
        "api.completeness",
    ]
    read_flags, read_counts = (json.loads(e.details) for e in entries)
    assert read_flags["filters"] == {"status": "open", "per_page": "5"}
    assert read_flags["records"] == len(flags.json["items"])
    assert read_flags["token"].startswith(row.prefix)
    assert read_counts["filters"] == {"cycle": "2026/27"}
    assert read_counts["records"] == len(counts.json["departments"]) == 2
    assert all(e.actor_id == auditor.id and e.object_id == str(row.id) for e in entries)


def test_the_openapi_document_names_scopes_and_the_rate_limit(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    scopes = {
        (path, method): operation.get("x-required-scope")
        for path, operations in paths.items()
        for method, operation in operations.items()
    }
    assert scopes == {
        ("/openapi.json", "get"): None,
        ("/roster", "post"): "roster:write",
        ("/awards", "post"): "awards:write",
        ("/flags", "get"): "flags:read",
        ("/cases", "get"): "flags:read",
        ("/completeness", "get"): "completeness:read",
        ("/procurements", "post"): "procurements:write",
        ("/procurements/{procurement_id}/people", "post"): "procurements:write",
        ("/procurements/{procurement_id}/suppliers", "post"): "procurements:write",
        ("/procurements/{procurement_id}/assessment", "get"): "procurements:read",
    }
    limited = paths["/flags"]["get"]["responses"]["429"]
    assert "Retry-After" in limited["headers"]


def test_token_pages_show_what_each_token_may_do(client, make_user):
    admin = make_user("admin")
    make_token(db.session, admin, "nightly", scopes=["completeness:read"])
    db.session.commit()
    sign_in(client, admin)
    page = client.get("/account/api-tokens/").get_data(as_text=True)
    row = re.search(r"<td class=\"govuk-table__cell\">nightly</td>.*?</tr>", page, re.S)
    assert row and "completeness:read" in row.group(0)
    assert "service accounts&#39; tokens" in page or "service accounts' tokens" in page
