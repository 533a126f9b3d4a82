"""Sign-in, throttling, session handling, sign-out, redirects, password change, cookie flags."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from argon2 import PasswordHasher
from flask import Flask
from sqlalchemy import select

from register import ConfigurationError, create_app
from register.admin.services import UserFields
from register.auth.passwords import check_password
from register.auth.services import GENERIC_ERROR
from register.config import DEFAULT_SECRET
from register.extensions import db
from register.models import AuditEntry, OutboundEmail, User
from tests.auth.signed_in import signed_in_as
from tests.conftest import PASSWORD, create_user_with_password, sign_in

NEW_PASSWORD = "staple-orbit-lantern-42"


def actions(*names: str) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            select(AuditEntry).where(AuditEntry.action.in_(names)).order_by(AuditEntry.seq)
        )
    )


def test_sign_in_succeeds_and_is_audited(client, make_user):
    official = make_user("official")
    response = sign_in(client, official)
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/"
    assert signed_in_as(client) == official.id
    assert client.get("/declarations/").status_code == 200
    entries = actions("auth.sign_in")
    assert [e.actor_id for e in entries] == [official.id]
    assert entries[0].ip_address == "127.0.0.1"


def test_email_is_case_insensitive(client, make_user):
    official = make_user("official", email="Mixed.Case@example.gov.uk")
    assert sign_in(client, "  mixed.case@EXAMPLE.gov.uk ").status_code == 302
    assert signed_in_as(client) == official.id


def test_wrong_password_and_unknown_email_give_the_same_generic_message(client, make_user):
    official = make_user("official")
    wrong = sign_in(client, official, "not-the-password-1")
    unknown = sign_in(client, "nobody@example.gov.uk", "not-the-password-1")
    for response in (wrong, unknown):
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert GENERIC_ERROR in page
        assert "govuk-error-summary" in page
        assert "not found" not in page.lower() and "unknown" not in page.lower()
    assert signed_in_as(client) is None
    failed = actions("auth.sign_in_failed")
    assert [e.actor_id for e in failed] == [official.id, None]
    assert failed[1].actor_label == "nobody@example.gov.uk"


def test_empty_form_shows_field_errors(client):
    page = client.post("/auth/sign-in", data={}).get_data(as_text=True)
    assert "Enter your email address" in page and "Enter your password" in page
    assert 'class="govuk-error-message"' in page


def test_inactive_user_cannot_sign_in(client, make_user):
    official = make_user("official")
    official.active = False
    db.session.commit()
    response = sign_in(client, official)
    assert response.status_code == 200 and GENERIC_ERROR in response.get_data(as_text=True)
    assert signed_in_as(client) is None


def test_sign_in_starts_a_fresh_session(client, make_user):
    """Nothing planted in the session before sign-in survives it, and the cookie changes."""
    official = make_user("official")
    client.get("/auth/sign-in")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    before = client.get_cookie("session").value
    sign_in(client, official)
    after = client.get_cookie("session").value
    assert after != before
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] != official.session_token  # a session's key, not the user's
    assert signed_in_as(client) == official.id


def test_sign_out_is_post_only_and_clears_the_session(client, make_user):
    official = make_user("official")
    sign_in(client, official)
    assert client.get("/auth/sign-out").status_code == 405
    assert signed_in_as(client) == official.id
    response = client.post("/auth/sign-out")
    assert response.status_code == 302 and urlsplit(response.location).path == "/auth/sign-in"
    with client.session_transaction() as session:
        assert "_user_id" not in session
    after = client.get("/declarations/")
    assert after.status_code == 302 and urlsplit(after.location).path == "/auth/sign-in"
    assert [e.actor_id for e in actions("auth.sign_out")] == [official.id]


@pytest.mark.parametrize(
    "target",
    ["//evil.com", "https://evil.com", "/\\evil.com", "\\\\evil.com", "http:/evil.com",
     "/\t/evil.com", "javascript:alert(1)", "evil.com"],
)  # fmt: skip
def test_next_never_leaves_the_site(client, make_user, target):
    official = make_user("official")
    response = client.post(
        "/auth/sign-in?next=" + quote(target), data={"email": official.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    location = urlsplit(response.location)
    assert not location.netloc and not location.scheme
    assert location.path == "/"


def test_next_to_a_page_on_this_site_is_followed(client, make_user):
    official = make_user("official")
    anonymous = client.get("/declarations/")
    assert anonymous.status_code == 302
    next_url = urlsplit(anonymous.location).query  # next=%2Fdeclarations%2F
    response = client.post(
        "/auth/sign-in?" + next_url, data={"email": official.email, "password": PASSWORD}
    )
    assert response.location == "/declarations/"


def change(client: Any, current: str, new: str, confirm: str | None = None) -> Any:
    return client.post(
        "/auth/password",
        data={"current_password": current, "new_password": new,
              "confirm_password": new if confirm is None else confirm},
    )  # fmt: skip


@pytest.mark.parametrize(
    ("current", "new", "confirm", "message", "field"),
    [
        ("wrong-current-pw-1", NEW_PASSWORD, None, "Your current password is not correct",
         "current_password"),
        (PASSWORD, "short-1", None, "Password must be at least 12 characters", "new_password"),
        (PASSWORD, "password1234", None, "Password is too easy to guess", "new_password"),
        (PASSWORD, NEW_PASSWORD, "something-else-42", "The passwords do not match",
         "confirm_password"),
    ],
)  # fmt: skip
def test_password_change_refusals(client, make_user, current, new, confirm, message, field):
    official = make_user("official")
    sign_in(client, official)
    response = change(client, current, new, confirm)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    assert f'id="{field}-error"' in page, "the message is not shown next to its field"
    assert "govuk-error-summary" in page and f'href="#{field}"' in page
    db.session.refresh(official)
    assert check_password(official.password_hash, PASSWORD)
    assert actions("auth.password_changed") == []


def test_password_change_succeeds_and_is_audited(client, make_user):
    official = make_user("official")
    sign_in(client, official)
    response = change(client, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 302
    db.session.refresh(official)
    assert check_password(official.password_hash, NEW_PASSWORD)
    assert [e.actor_id for e in actions("auth.password_changed")] == [official.id]
    # The person is told, in case it was not them (ASVS 2.2.3 and 2.5.5).
    (told,) = db.session.scalars(
        select(OutboundEmail).where(OutboundEmail.kind == "auth.password_changed")
    )
    assert told.to == official.email and "If you did not do this" in told.body
    client.post("/auth/sign-out")
    assert sign_in(client, official, PASSWORD).status_code == 200
    assert sign_in(client, official, NEW_PASSWORD).status_code == 302


def set_cookie_header(response: Any, name: str = "session") -> str:
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")]
    assert headers, "no session cookie was set"
    return headers[-1]


def test_session_cookie_is_httponly_and_samesite_lax(client, make_user):
    header = set_cookie_header(sign_in(client, make_user("official")))
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header
    assert "Secure" not in header  # testing and development run over plain HTTP


@pytest.fixture
def production_app(migrated_template: Path, tmp_path: Path) -> Any:
    path = tmp_path / "production.sqlite"
    shutil.copy(migrated_template, path)
    app = create_app("production", {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "x" * 64,
        "AUDIT_KEY": "k" * 64,
        "BASE_URL": "https://register.example.gov.uk", "WTF_CSRF_ENABLED": False,
        "MFA_REQUIRED_ROLES": "",  # the cookies, not the second step (tests/auth/test_two_factor)
    })  # fmt: skip
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_production_cookies_are_secure(production_app: Flask):
    user = create_user_with_password(
        db.session, UserFields("prod@example.gov.uk", "Prod User", "admin")
    )
    db.session.commit()
    assert isinstance(user, User)
    client = production_app.test_client()
    response = sign_in(client, user)
    assert response.status_code == 302
    header = set_cookie_header(response, "__Host-session")
    assert "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header
    # `__Host-`: a browser takes the cookie only if Secure, for Path=/ and without a Domain.
    assert "Path=/" in header and "Domain" not in header
    device = set_cookie_header(response, "__Host-register_device")
    assert "Secure" in device and "HttpOnly" in device and "Path=/" in device
    assert "Domain" not in device
    assert client.get("/admin/people").status_code == 200  # the browser sends it back
    assert production_app.config["REMEMBER_COOKIE_SECURE"] is True
    assert "Strict-Transport-Security" in response.headers


@pytest.mark.parametrize("secret", [DEFAULT_SECRET, "", None])
def test_production_refuses_the_default_secret_key(tmp_path, secret):
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app("production", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.sqlite",
                                   "SECRET_KEY": secret})  # fmt: skip


@pytest.mark.parametrize("length", [1, 16, 31])
def test_production_refuses_a_secret_key_shorter_than_32_bytes(tmp_path, length):
    with pytest.raises(ConfigurationError, match="at least 32 bytes"):
        create_app("production", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.sqlite",
                                   "SECRET_KEY": "x" * length, "AUDIT_KEY": "k" * 64,
                                   "BASE_URL": "https://register.example.gov.uk"})  # fmt: skip


def test_production_counts_the_secret_keys_bytes_not_characters(tmp_path):
    config = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.sqlite", "AUDIT_KEY": "k" * 64,
              "BASE_URL": "https://register.example.gov.uk"}  # fmt: skip
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app("production", {**config, "SECRET_KEY": "é" * 15})  # 30 bytes
    assert create_app("production", {**config, "SECRET_KEY": "é" * 16}).secret_key  # 32 bytes
    assert create_app("production", {**config, "SECRET_KEY": "x" * 32}).secret_key


def test_production_refuses_a_missing_database_url(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(ConfigurationError, match="DATABASE_URL"):
        create_app(
            "production",
            {"SQLALCHEMY_DATABASE_URI": None, "SECRET_KEY": "x" * 64, "AUDIT_KEY": "k" * 64},
        )


def test_development_accepts_the_defaults(tmp_path):
    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": None})
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")


def test_a_hash_made_with_older_parameters_is_renewed_at_sign_in(client, make_user):
    official = make_user("official")
    older = PasswordHasher(time_cost=3, memory_cost=2048, parallelism=2).hash(PASSWORD)
    official.password_hash = older
    db.session.commit()
    assert sign_in(client, official).status_code == 302
    db.session.refresh(official)
    assert official.password_hash != older and "m=2048,t=3,p=2" not in official.password_hash
    assert check_password(official.password_hash, PASSWORD)
    assert client.get("/declarations/").status_code == 200  # still signed in
