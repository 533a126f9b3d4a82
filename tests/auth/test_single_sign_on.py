"""Single sign-on settings, start-up checks, matching by verified email, and the sign-in page.

The whole flow against a real OpenID provider is in tests/browser/test_single_sign_on.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from register import ConfigurationError, check_single_sign_on, create_app, runtime
from register.auth.single_sign_on import (
    ANOTHER_IDENTITY,
    DEACTIVATED,
    UNKNOWN,
    UNVERIFIED,
    SingleSignOn,
    confirm_identity_with_single_sign_on,
    sign_in_with_single_sign_on,
    vouched_email,
)
from register.extensions import db
from register.models import AuditEntry
from tests.conftest import PASSWORD, configure, sign_in

ISSUER = "https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0"
SSO = {"OIDC_ISSUER": ISSUER, "OIDC_CLIENT_ID": "client-id", "OIDC_CLIENT_SECRET": "secret"}


# Start-up checks.


@pytest.mark.parametrize(
    "config",
    [
        {"OIDC_ISSUER": ISSUER},
        {"OIDC_ISSUER": ISSUER, "OIDC_CLIENT_ID": "client-id"},
        {"OIDC_CLIENT_ID": "client-id", "OIDC_CLIENT_SECRET": "secret"},
    ],
)
def test_a_half_configured_provider_is_refused(config: dict[str, str]) -> None:
    with pytest.raises(ConfigurationError, match="single sign-on needs"):
        check_single_sign_on(config, production=False)


def test_password_sign_in_cannot_be_switched_off_without_single_sign_on() -> None:
    with pytest.raises(ConfigurationError, match="PASSWORD_SIGN_IN=0 needs single sign-on"):
        check_single_sign_on({"PASSWORD_SIGN_IN": False}, production=False)
    check_single_sign_on({**SSO, "PASSWORD_SIGN_IN": False}, production=True)


@pytest.mark.parametrize(
    ("issuer", "production"),
    [
        ("http://login.example.org", False),  # http beyond loopback
        ("http://127.0.0.1:8080", True),  # loopback http: tests and development only
        ("ftp://login.example.org", False),
        ("https://login.example.org?tenant=1", False),
        ("login.example.org", False),
    ],
)
def test_an_issuer_that_is_not_https_is_refused(issuer: str, production: bool) -> None:
    with pytest.raises(ConfigurationError, match="must be the provider's https address"):
        check_single_sign_on({**SSO, "OIDC_ISSUER": issuer}, production=production)


@pytest.mark.parametrize(
    "issuer",
    [
        "https://login.microsoftonline.com/common/v2.0",
        "https://login.microsoftonline.com/organizations/v2.0",
        "https://login.microsoftonline.com/consumers/v2.0",
        "https://login.microsoftonline.com/{tenantid}/v2.0",
    ],
)
def test_an_entra_id_multi_tenant_issuer_is_refused(issuer: str) -> None:
    """Any organisation's accounts could sign in through these: the tenant must be named."""
    with pytest.raises(ConfigurationError, match="must name your Entra ID tenant"):
        check_single_sign_on({**SSO, "OIDC_ISSUER": issuer}, production=True)


@pytest.mark.parametrize(
    ("issuer", "production"),
    [(ISSUER, True), ("https://accounts.example.org", True), ("http://127.0.0.1:9000", False)],
)
def test_a_tenant_or_https_issuer_is_accepted(issuer: str, production: bool) -> None:
    check_single_sign_on({**SSO, "OIDC_ISSUER": issuer}, production=production)


def test_production_refuses_to_start_with_an_http_issuer(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="OIDC_ISSUER"):
        create_app("production", {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.sqlite", "SECRET_KEY": "x" * 64,
            "AUDIT_KEY": "k" * 64, "BASE_URL": "https://register.example.gov.uk",
            **SSO, "OIDC_ISSUER": "http://127.0.0.1:9000",
        })  # fmt: skip


def test_the_settings_carry_the_provider(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGISTER_INSTANCE", str(tmp_path))
    app = create_app(
        "testing",
        {
            **SSO,
            "OIDC_PROVIDER_NAME": "Microsoft",
            "OIDC_TRUSTED_EMAIL_CLAIM": "preferred_username",
        },
    )
    with app.app_context():
        settings = runtime.settings()
    assert settings.single_sign_on == SingleSignOn(
        issuer=ISSUER,
        client_id="client-id",
        client_secret="secret",
        provider_name="Microsoft",
        trusted_email_claim="preferred_username",
    )
    assert settings.single_sign_on.discovery_url == ISSUER + "/.well-known/openid-configuration"
    assert settings.single_sign_on.origin == "https://login.microsoftonline.com"
    assert settings.password_sign_in is True
    with app.app_context():
        configure(app, OIDC_ISSUER=None, OIDC_CLIENT_ID=None, OIDC_CLIENT_SECRET=None)
        assert runtime.settings().single_sign_on is None


# Which email the provider vouches for.


@pytest.mark.parametrize(
    ("claims", "trusted", "expected"),
    [
        ({"email": "a@example.gov.uk", "email_verified": True}, None, "a@example.gov.uk"),
        ({"email": " a@example.gov.uk ", "email_verified": True}, None, "a@example.gov.uk"),
        ({"email": "a@example.gov.uk", "email_verified": False}, None, None),
        ({"email": "a@example.gov.uk"}, None, None),  # Entra ID sends no email_verified
        ({"email": "a@example.gov.uk", "email_verified": "true"}, None, None),  # not the boolean
        ({"email": "not an address", "email_verified": True}, None, None),
        ({"preferred_username": "a@example.gov.uk"}, None, None),
        (
            {"preferred_username": "a@example.gov.uk", "email": "b@x.org"},
            "preferred_username",
            "a@example.gov.uk",
        ),  # fmt: skip
        ({"preferred_username": "a-person"}, "preferred_username", None),
        ({"email": "a@example.gov.uk", "email_verified": True}, "preferred_username", None),
    ],
)
def test_only_an_email_the_provider_vouches_for_is_used(
    claims: dict[str, Any], trusted: str | None, expected: str | None
) -> None:
    assert vouched_email(claims, trusted) == expected


# Matching claims to register accounts.


def _claims(email: str, *, verified: bool = True, subject: str = "subject-1") -> dict[str, Any]:
    return {"iss": ISSUER, "sub": subject, "email": email, "email_verified": verified}


def _last_audit(action: str) -> dict[str, Any]:
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq.desc())
    ).first()
    assert entry is not None, f"no {action} entry"
    return {"summary": entry.summary, "actor_id": entry.actor_id, **json.loads(entry.details)}


def test_the_account_with_the_verified_email_is_found_in_any_case(
    app: Flask, make_user: Any
) -> None:
    user = make_user(email="jo.bloggs@example.gov.uk")
    result = sign_in_with_single_sign_on(
        db.session, _claims("Jo.Bloggs@EXAMPLE.gov.uk"), trusted_email_claim=None, ip_address="::1"
    )
    assert result.user is user and result.refusal is None
    assert _last_audit("auth.sign_in") == {
        "summary": "jo.bloggs@example.gov.uk signed in with single sign-on",
        "actor_id": user.id,
        "method": "oidc",
        "issuer": ISSUER,
        "subject": "subject-1",
        "linked": True,
    }


@pytest.mark.parametrize(
    ("claims", "refusal"),
    [
        (_claims("nobody@example.gov.uk"), UNKNOWN),
        (_claims("jo.bloggs@example.gov.uk", verified=False), UNVERIFIED),
    ],
)
def test_an_unknown_or_unverified_email_is_refused_and_audited(
    app: Flask, make_user: Any, claims: dict[str, Any], refusal: str
) -> None:
    make_user(email="jo.bloggs@example.gov.uk")
    result = sign_in_with_single_sign_on(
        db.session, claims, trusted_email_claim=None, ip_address=None
    )
    assert result.user is None and result.refusal == refusal
    audited = _last_audit("auth.sso_refused")
    assert (audited["reason"], audited["issuer"], audited["subject"]) == (
        refusal,
        ISSUER,
        "subject-1",
    )


def test_a_deactivated_account_is_refused(app: Flask, make_user: Any) -> None:
    user = make_user(email="jo.bloggs@example.gov.uk")
    user.active = False
    db.session.commit()
    result = sign_in_with_single_sign_on(
        db.session, _claims("jo.bloggs@example.gov.uk"), trusted_email_claim=None, ip_address=None
    )
    assert (result.user, result.refusal) == (None, DEACTIVATED)
    assert _last_audit("auth.sso_refused")["reason"] == DEACTIVATED


def test_a_trusted_claim_is_used_only_when_configured(app: Flask, make_user: Any) -> None:
    """Entra ID: the tenant's sign-in name (preferred_username), without email_verified."""
    user = make_user(email="jo.bloggs@example.gov.uk")
    claims = {"iss": ISSUER, "sub": "s", "preferred_username": "JO.BLOGGS@example.gov.uk"}
    refused = sign_in_with_single_sign_on(
        db.session, claims, trusted_email_claim=None, ip_address=None
    )
    assert refused.refusal == UNVERIFIED
    found = sign_in_with_single_sign_on(
        db.session, claims, trusted_email_claim="preferred_username", ip_address=None
    )
    assert found.user is user


# The sign-in page and the password form.


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {**SSO, "OIDC_PROVIDER_NAME": "Microsoft"}


def test_the_sign_in_page_offers_single_sign_on_when_configured(client: FlaskClient) -> None:
    page = client.get("/auth/sign-in?next=/declarations/").get_data(as_text=True)
    assert "Sign in with Microsoft" in page
    assert 'href="/auth/sso/start?next=/declarations/"' in page
    assert 'name="password"' in page  # password sign-in stays on unless switched off


def test_without_single_sign_on_the_page_has_no_button(app: Flask, client: FlaskClient) -> None:
    configure(app, OIDC_ISSUER=None, OIDC_CLIENT_ID=None, OIDC_CLIENT_SECRET=None)
    page = client.get("/auth/sign-in").get_data(as_text=True)
    assert "Sign in with" not in page
    assert client.get("/auth/sso/start").location == "/auth/sign-in"


def test_with_password_sign_in_off_a_correct_password_is_refused(
    app: Flask, client: FlaskClient, make_user: Any
) -> None:
    user = make_user()
    configure(app, PASSWORD_SIGN_IN=False)
    page = client.get("/auth/sign-in").get_data(as_text=True)
    assert 'name="password"' not in page and "Sign in with Microsoft" in page
    response = sign_in(client, user, PASSWORD)
    assert response.status_code == 403
    assert "Password sign-in is switched off" in response.get_data(as_text=True)
    assert client.get("/declarations/").status_code == 302  # not signed in
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "auth.sign_in")) is None


def test_sign_out_may_be_sent_on_to_the_provider(client: FlaskClient) -> None:
    """The sign-out form is redirected to the provider's end-session page: CSP form-action."""
    policy = client.get("/auth/sign-in").headers["Content-Security-Policy"]
    assert "form-action 'self' https://login.microsoftonline.com;" in policy + ";"


def test_an_unreachable_provider_gets_a_clear_page(app: Flask, client: FlaskClient) -> None:
    configure(app, OIDC_ISSUER="http://127.0.0.1:9")  # nothing listens on the discard port
    response = client.get("/auth/sso/start")
    assert response.status_code == 503
    assert "Sign in with Microsoft is not available" in response.get_data(as_text=True)


def test_a_callback_without_a_sign_in_in_progress_is_refused(
    app: Flask, client: FlaskClient
) -> None:
    configure(app, OIDC_ISSUER="http://127.0.0.1:9")
    response = client.get("/auth/sso/callback?code=stolen&state=guessed")
    assert response.status_code == 400
    assert "Sign-in did not work" in response.get_data(as_text=True)
    assert _last_audit("auth.sso_failed")["method"] == "oidc"


# The identity linked to an account.


def test_the_first_sign_in_links_the_identity_and_another_subject_is_refused(
    app: Flask, make_user: Any
) -> None:
    user = make_user(email="jo.bloggs@example.gov.uk")
    first = sign_in_with_single_sign_on(
        db.session, _claims("jo.bloggs@example.gov.uk"), trusted_email_claim=None, ip_address=None
    )
    db.session.commit()
    assert first.user is user and (user.sso_issuer, user.sso_subject) == (ISSUER, "subject-1")
    assert _last_audit("auth.sign_in")["linked"] is True

    again = sign_in_with_single_sign_on(
        db.session, _claims("jo.bloggs@example.gov.uk"), trusted_email_claim=None, ip_address=None
    )
    assert again.user is user and "linked" not in _last_audit("auth.sign_in")

    # The provider gave the address to someone else: a new subject with the same email.
    taken_over = sign_in_with_single_sign_on(
        db.session,
        _claims("jo.bloggs@example.gov.uk", subject="subject-2"),
        trusted_email_claim=None,
        ip_address=None,
    )
    assert (taken_over.user, taken_over.refusal) == (None, ANOTHER_IDENTITY)
    assert _last_audit("auth.sso_refused")["subject"] == "subject-2"
    assert user.sso_subject == "subject-1"


def test_an_identity_linked_to_one_account_does_not_open_another(
    app: Flask, make_user: Any
) -> None:
    """The person's email changed at the provider to another register account's address."""
    make_user(email="jo.bloggs@example.gov.uk")
    make_user(email="jo.smith@example.gov.uk")
    sign_in_with_single_sign_on(
        db.session, _claims("jo.bloggs@example.gov.uk"), trusted_email_claim=None, ip_address=None
    )
    db.session.commit()
    renamed = sign_in_with_single_sign_on(
        db.session, _claims("jo.smith@example.gov.uk"), trusted_email_claim=None, ip_address=None
    )
    assert renamed.refusal == ANOTHER_IDENTITY


def test_unlinking_from_the_command_line_lets_the_next_identity_link(
    app: Flask, make_user: Any, runner: Any
) -> None:
    user = make_user(email="jo.bloggs@example.gov.uk")
    sign_in_with_single_sign_on(
        db.session, _claims("jo.bloggs@example.gov.uk"), trusted_email_claim=None, ip_address=None
    )
    db.session.commit()
    result = runner.invoke(args=["users", "unlink-sso", "JO.BLOGGS@example.gov.uk"])
    assert result.exit_code == 0, result.output
    assert "Unlinked the single sign-on identity of jo.bloggs@example.gov.uk" in result.output
    db.session.expire_all()
    assert user.sso_subject is None
    assert _last_audit("auth.sso_unlinked")["before"] == {"issuer": ISSUER, "subject": "subject-1"}
    relinked = sign_in_with_single_sign_on(
        db.session,
        _claims("jo.bloggs@example.gov.uk", subject="subject-2"),
        trusted_email_claim=None,
        ip_address=None,
    )
    assert relinked.user is user and user.sso_subject == "subject-2"
    again = runner.invoke(args=["users", "unlink-sso", "nobody@example.gov.uk"])
    assert again.exit_code == 1 and "No user with email" in again.output


# Proving it again before a privileged change (register.auth.fresh).


def test_a_new_sign_in_confirms_only_the_same_identity_just_now(app: Flask, make_user: Any) -> None:
    user = make_user(email="jo.bloggs@example.gov.uk")
    sign_in_with_single_sign_on(
        db.session, _claims("jo.bloggs@example.gov.uk"), trusted_email_claim=None, ip_address=None
    )
    now = 1_800_000_000

    def confirmed(claims: dict[str, Any]) -> bool:
        return confirm_identity_with_single_sign_on(
            db.session, user, claims, trusted_email_claim=None
        )

    fresh = {**_claims("jo.bloggs@example.gov.uk"), "iat": now, "auth_time": now - 5}
    assert confirmed(fresh)
    assert _last_audit("auth.identity_confirmed")["same_identity"] is True
    # The provider's older session, not a new sign-in: auth_time long before the token.
    assert not confirmed({**fresh, "auth_time": now - 3600})
    assert _last_audit("auth.identity_check_failed")["fresh_sign_in"] is False
    assert not confirmed({**fresh, "auth_time": None})
    # Someone else at the provider, or the same email under another identity.
    assert not confirmed({**fresh, "email": "someone.else@example.gov.uk"})
    assert not confirmed({**fresh, "sub": "subject-2"})
    assert _last_audit("auth.identity_check_failed")["same_identity"] is False
