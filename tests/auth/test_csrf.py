"""With CSRF protection on, a POST without the token is refused with 400 and saves nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from register.extensions import db
from register.models import AuditEntry, DeclarationVersion, Interest
from tests.conftest import PASSWORD, csrf_token
from tests.declarations.helpers import directorship, open_cycle


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"WTF_CSRF_ENABLED": True}


def count(model: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def signed_in(client: Any) -> bool:
    with client.session_transaction() as session:
        return "_user_id" in session


def sign_in_with_token(client: Any, email: str) -> None:
    token = csrf_token(client, "/auth/sign-in")
    response = client.post(
        "/auth/sign-in", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


def test_sign_in_needs_the_token(client, make_user):
    official = make_user("official")
    entries = count(AuditEntry)
    response = client.post("/auth/sign-in", data={"email": official.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "nothing was saved" in response.get_data(as_text=True)
    assert not signed_in(client)
    assert count(AuditEntry) == entries  # not even a failed-sign-in entry
    client.get("/auth/sign-in")  # a session, but a wrong token
    bad = client.post("/auth/sign-in", data={"email": official.email, "password": PASSWORD,
                                             "csrf_token": "forged"})  # fmt: skip
    assert bad.status_code == 400 and not signed_in(client)
    sign_in_with_token(client, official.email)
    assert signed_in(client)


def test_declaration_posts_need_the_token(client, make_user, department):
    official = make_user("official")
    cycle = open_cycle([department])
    sign_in_with_token(client, official.email)

    assert client.post(f"/declarations/cycles/{cycle.id}/start").status_code == 400
    token = csrf_token(client, "/declarations/")
    response = client.post(f"/declarations/cycles/{cycle.id}/start", data={"csrf_token": token})
    assert response.status_code == 302
    url = response.location

    assert client.post(f"{url}/interests/new/directorship", data=directorship()).status_code == 400
    assert count(Interest) == 0
    data = directorship()
    data["csrf_token"] = csrf_token(client, f"{url}/interests/new/directorship")
    assert client.post(f"{url}/interests/new/directorship", data=data).status_code == 302
    assert count(Interest) == 1

    assert client.post(f"{url}/review", data={"attest": "y"}).status_code == 400
    assert count(DeclarationVersion) == 0
    token = csrf_token(client, f"{url}/review")
    assert (
        client.post(f"{url}/review", data={"attest": "y", "csrf_token": token}).status_code == 302
    )
    assert count(DeclarationVersion) == 1


def test_sign_out_needs_the_token(client, make_user):
    official = make_user("official")
    sign_in_with_token(client, official.email)
    assert client.post("/auth/sign-out").status_code == 400
    assert signed_in(client)
    token = csrf_token(client, "/declarations/")  # the sign-out button's form in the header
    assert client.post("/auth/sign-out", data={"csrf_token": token}).status_code == 302
    assert not signed_in(client)
