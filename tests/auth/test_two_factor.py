"""Two-factor authentication: set-up, the sign-in's second step, replay, recovery codes, roles
that require it, the bound on wrong codes, and an administrator's reset."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from register import create_app
from register.auth.passwords import check_password
from register.extensions import db
from register.models import AuditEntry, OutboundEmail, RecoveryCode, TwoFactor, User
from register.settings import Settings
from tests.auth.signed_in import signed_in_as
from tests.auth.two_factor_helpers import (
    MovingClock,
    code_at,
    secret_on,
    set_up_on,
)
from tests.conftest import PASSWORD, configure, sign_in

SET_UP = "/auth/two-factor/set-up"
REQUIRED_SET_UP = "/auth/two-factor/required-set-up"
CODE = "/auth/two-factor/code"
PAGE = "/declarations/"


def actions(*names: str) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            select(AuditEntry).where(AuditEntry.action.in_(names)).order_by(AuditEntry.seq)
        )
    )


def details(entry: AuditEntry) -> Any:
    return json.loads(entry.details)


def path_of(response: Any) -> str:
    assert response.status_code == 302, response.status_code
    return urlsplit(response.location).path


def enrolled_official(client: Any, make_user: Any, clock: MovingClock) -> tuple[User, str, list]:
    """An official who set up two-factor authentication from their account, then signed out."""
    official = make_user("official")
    sign_in(client, official)
    secret, codes, _ = set_up_on(client, SET_UP, clock)
    client.post("/auth/sign-out")
    return official, secret, codes


def test_set_up_needs_a_valid_code_and_shows_ten_codes_once(client, make_user, moving_clock):
    official = make_user("official")
    sign_in(client, official)
    page = client.get(SET_UP)
    html = page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    assert '<svg role="img"' in html and "<title>QR code for your authenticator app</title>" in html
    assert "<img" not in html.split('class="register-qr"')[1].split("</div>")[0]
    secret = secret_on(html)
    assert secret_on(client.get(SET_UP).get_data(as_text=True)) == secret  # kept on reload

    wrong = client.post(SET_UP, data={"code": "000000" if code_at(secret, moving_clock.moment)
                                      != "000000" else "111111"})  # fmt: skip
    assert wrong.status_code == 400
    assert "Enter a correct code" in wrong.get_data(as_text=True)
    assert "<title>Error:" in wrong.get_data(as_text=True)
    assert db.session.get(TwoFactor, official.id).confirmed_at is None

    shown = client.post(SET_UP, data={"code": code_at(secret, moving_clock.moment)})
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
    assert shown.get_data(as_text=True).count("<li><code>") == 10
    db.session.expire_all()
    state = db.session.get(TwoFactor, official.id)
    assert state.enrolled
    stored = db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == official.id))
    hashes = [row.code_hash for row in stored]
    assert len(hashes) == 10 and all(h.startswith("$argon2") for h in hashes)
    assert [e.action for e in actions("auth.two_factor_enrolled")] == ["auth.two_factor_enrolled"]
    emails = db.session.scalars(select(OutboundEmail).where(OutboundEmail.to == official.email))
    assert [e.kind for e in emails] == ["auth.two_factor"]
    # Once on, the set-up page does not show the secret again.
    assert path_of(client.get(SET_UP)) == "/auth/two-factor"


def test_sign_in_requires_the_code_once_enrolled(client, make_user, moving_clock):
    official, secret, _ = enrolled_official(client, make_user, moving_clock)
    response = sign_in(client, official)
    assert path_of(response) == CODE
    assert signed_in_as(client) is None, "the password alone signed the person in"
    assert path_of(client.get(PAGE)) == "/auth/sign-in", "the pending sign-in reached a page"
    with client.session_transaction() as session:
        assert set(session.get("two_factor_pending", {})) == {"user_id", "password_verified_at"}
    assert client.get(CODE).status_code == 200
    done = client.post(CODE, data={"code": code_at(secret, moving_clock.moment)})
    assert path_of(done) == "/"
    assert signed_in_as(client) == official.id
    assert client.get(PAGE).status_code == 200
    assert [e.actor_id for e in actions("auth.sign_in_totp")] == [official.id]


def test_next_is_kept_through_the_code_step(client, make_user, moving_clock):
    official, secret, _ = enrolled_official(client, make_user, moving_clock)
    response = client.post(
        "/auth/sign-in?next=/declarations/", data={"email": official.email, "password": PASSWORD}
    )
    assert urlsplit(response.location).query == "next=/declarations/"
    done = client.post(response.location, data={"code": code_at(secret, moving_clock.moment)})
    assert path_of(done) == "/declarations/"


def test_a_code_is_accepted_once(client, make_user, moving_clock):
    official, secret, _ = enrolled_official(client, make_user, moving_clock)
    code = code_at(secret, moving_clock.moment)
    sign_in(client, official)
    assert path_of(client.post(CODE, data={"code": code})) == "/"
    client.post("/auth/sign-out")
    sign_in(client, official)
    replayed = client.post(CODE, data={"code": code})
    assert replayed.status_code == 400
    assert "already been used" in replayed.get_data(as_text=True)
    assert signed_in_as(client) is None
    assert "A reused code" in actions("auth.two_factor_failed")[-1].summary
    told = db.session.scalars(
        select(OutboundEmail.subject).where(OutboundEmail.to == official.email)
    )
    assert "A used sign-in code was entered again" in list(told)
    # The previous step's code is older than the one used: refused too.
    earlier = code_at(secret, moving_clock.moment - timedelta(seconds=30))
    assert client.post(CODE, data={"code": earlier}).status_code == 400
    moving_clock.advance(seconds=30)
    fresh_code = client.post(CODE, data={"code": code_at(secret, moving_clock.moment)})
    assert path_of(fresh_code) == "/"


def test_a_recovery_code_works_once(client, make_user, moving_clock):
    official, _, codes = enrolled_official(client, make_user, moving_clock)
    sign_in(client, official)
    assert path_of(client.post(CODE, data={"code": codes[0].upper()})) == "/"
    assert signed_in_as(client) == official.id
    entry = actions("auth.sign_in_recovery_code")[-1]
    assert details(entry)["recovery_codes_left"] == 9
    client.post("/auth/sign-out")
    sign_in(client, official)
    again = client.post(CODE, data={"code": codes[0]})
    assert again.status_code == 400 and signed_in_as(client) is None
    assert path_of(client.post(CODE, data={"code": codes[1].replace("-", " ")})) == "/"


def test_new_recovery_codes_replace_the_old(client, make_user, moving_clock):
    official, _, old_codes = enrolled_official(client, make_user, moving_clock)
    sign_in(client, official)
    client.post(CODE, data={"code": old_codes[0]})
    shown = client.post("/auth/two-factor/recovery-codes")
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
    new_codes = [c.split("</code>")[0] for c in shown.get_data(as_text=True).split("<code>")[1:]]
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    entry = actions("auth.recovery_codes_regenerated")[-1]
    assert details(entry) == {"before": {"unused_codes": 9}, "after": {"unused_codes": 10}}
    client.post("/auth/sign-out")
    sign_in(client, official)
    assert client.post(CODE, data={"code": old_codes[1]}).status_code == 400
    assert path_of(client.post(CODE, data={"code": new_codes[0]})) == "/"


def test_wrong_codes_end_the_pending_sign_in(app, client, make_user, moving_clock):
    official, secret, _ = enrolled_official(client, make_user, moving_clock)
    configure(app, MFA_MAX_ATTEMPTS=3)
    sign_in(client, official)
    copied = client.get_cookie("session").value  # the pending sign-in, before any wrong code
    right = code_at(secret, moving_clock.moment)
    wrong = "000000" if right != "000000" else "111111"
    assert client.post(CODE, data={"code": wrong}).status_code == 400
    assert client.post(CODE, data={"code": wrong}).status_code == 400
    assert path_of(client.post(CODE, data={"code": wrong})) == "/auth/sign-in"
    failed = actions("auth.two_factor_failed")
    assert [details(e)["failed_attempts"] for e in failed] == [1, 2, 3]
    assert details(failed[-1])["ended"] is True
    assert path_of(client.post(CODE, data={"code": right})) == "/auth/sign-in"
    # An earlier copy of the session cookie does not bring the attempt back: the count is in
    # the database, not in the cookie.
    client.set_cookie("session", copied)
    assert path_of(client.post(CODE, data={"code": right})) == "/auth/sign-in"
    assert signed_in_as(client) is None
    # A new password sign-in starts a new attempt.
    sign_in(client, official)
    assert path_of(client.post(CODE, data={"code": right})) == "/"


def test_the_pending_sign_in_expires(client, make_user, moving_clock):
    official, secret, _ = enrolled_official(client, make_user, moving_clock)
    sign_in(client, official)
    moving_clock.advance(minutes=5, seconds=1)
    late = client.post(CODE, data={"code": code_at(secret, moving_clock.moment)})
    assert path_of(late) == "/auth/sign-in" and signed_in_as(client) is None


def test_a_required_role_cannot_skip_set_up(app, client, make_user, moving_clock):
    configure(app, MFA_REQUIRED_ROLES="admin,auditor")
    admin = make_user("admin")
    response = sign_in(client, admin)
    assert path_of(response) == REQUIRED_SET_UP
    assert signed_in_as(client) is None
    for page in ("/admin/people", "/", "/auth/two-factor", "/auth/password"):
        assert path_of(client.get(page)) == "/auth/sign-in", page
    assert client.get(CODE).status_code == 302  # no code step before the set-up
    assert "Your role requires two-factor authentication" in client.get(REQUIRED_SET_UP).get_data(
        as_text=True
    )
    _, _, shown = set_up_on(client, REQUIRED_SET_UP, moving_clock)
    assert signed_in_as(client) == admin.id
    assert "I have saved my recovery codes" in shown.get_data(as_text=True)
    assert client.get("/admin/people").status_code == 200
    client.post("/auth/sign-out")
    assert path_of(sign_in(client, admin)) == CODE  # from now on, the code


def test_the_setting_says_which_roles(app, client, make_user):
    configure(app, MFA_REQUIRED_ROLES="auditor")
    assert path_of(sign_in(app.test_client(), make_user("auditor"))) == REQUIRED_SET_UP
    assert path_of(sign_in(app.test_client(), make_user("admin"))) == "/"
    assert path_of(sign_in(app.test_client(), make_user("official"))) == "/"


def test_role_defaults_and_unknown_roles(monkeypatch, tmp_path):
    monkeypatch.delenv("MFA_REQUIRED_ROLES", raising=False)
    monkeypatch.setenv("REGISTER_INSTANCE", str(tmp_path))
    production = {"SECRET_KEY": "x" * 40, "AUDIT_KEY": "y" * 40, "BASE_URL": "https://r.example",
                  "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@localhost/x"}  # fmt: skip
    settings = create_app("production", production).extensions["register.settings"]
    assert settings.mfa_required_roles == {"admin", "compliance", "auditor", "procurement"}
    assert create_app("development").extensions["register.settings"].mfa_off_notice
    testing = create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert testing.extensions["register.settings"].mfa_required_roles == frozenset()
    config = dict(testing.config, MFA_REQUIRED_ROLES="admin,administrator")
    with pytest.raises(ValueError, match="administrator"):
        Settings.from_config(config)


def test_the_sign_in_page_says_when_it_is_off_in_development(app, client):
    configure(app, MFA_OFF_NOTICE=True)
    assert "two-factor authentication is not required" in client.get("/auth/sign-in").get_data(
        as_text=True
    )
    configure(app, MFA_OFF_NOTICE=True, MFA_REQUIRED_ROLES="admin")
    assert "not required" not in client.get("/auth/sign-in").get_data(as_text=True)


def test_a_signed_in_person_whose_role_now_requires_it_sets_it_up_first(
    app, client, make_user, moving_clock
):
    admin = make_user("admin")
    sign_in(client, admin)
    assert client.get("/admin/people").status_code == 200
    configure(app, MFA_REQUIRED_ROLES="admin")
    assert path_of(client.get("/admin/people")) == SET_UP
    set_up_on(client, SET_UP, moving_clock)
    assert client.get("/admin/people").status_code == 200


def test_turning_it_off_where_the_role_allows(app, client, make_user, moving_clock):
    official, secret, _ = enrolled_official(client, make_user, moving_clock)
    sign_in(client, official)
    client.post(CODE, data={"code": code_at(secret, moving_clock.moment)})
    configure(app, MFA_REQUIRED_ROLES="official")
    refused = client.post("/auth/two-factor/turn-off", follow_redirects=True)
    assert "cannot be turned off" in refused.get_data(as_text=True)
    assert db.session.get(TwoFactor, official.id).enrolled
    configure(app, MFA_REQUIRED_ROLES="")
    assert path_of(client.post("/auth/two-factor/turn-off")) == "/auth/two-factor"
    db.session.expire_all()
    assert not db.session.get(TwoFactor, official.id).enrolled
    assert not db.session.scalars(select(RecoveryCode)).all()
    entry = actions("auth.two_factor_turned_off")[-1]
    assert details(entry)["before"]["enrolled"] and not details(entry)["after"]["enrolled"]
    client.post("/auth/sign-out")
    assert path_of(sign_in(client, official)) == "/"


def test_an_administrator_resets_a_lost_phone(app, client, make_user, moving_clock):
    official, secret, _ = enrolled_official(client, make_user, moving_clock)
    sign_in(client, official)
    client.post(CODE, data={"code": code_at(secret, moving_clock.moment)})
    admin_client = app.test_client()
    admin = make_user("admin")
    sign_in(admin_client, admin)
    person_page = admin_client.get(f"/admin/people/{official.id}").get_data(as_text=True)
    assert "Reset two-factor authentication" in person_page
    done = admin_client.post(f"/admin/people/{official.id}/two-factor/reset")
    assert path_of(done) == f"/admin/people/{official.id}"
    db.session.expire_all()
    assert not db.session.get(TwoFactor, official.id).enrolled
    entry = actions("auth.two_factor_reset")[-1]
    assert entry.actor_id == admin.id and entry.object_id == str(official.id)
    assert details(entry)["before"] == {"enrolled": True, "unused_codes": 10}
    assert details(entry)["after"] == {"enrolled": False, "unused_codes": 0}
    email = db.session.scalars(
        select(OutboundEmail).where(OutboundEmail.to == official.email).order_by(OutboundEmail.id)
    ).all()[-1]
    assert "reset the two-factor authentication" in email.body and admin.full_name in email.body
    assert path_of(client.get(PAGE)) == "/auth/sign-in", "the person's sessions did not end"
    assert path_of(sign_in(client, official)) == "/"
    # An administrator cannot reset their own.
    own = admin_client.post(f"/admin/people/{admin.id}/two-factor/reset", follow_redirects=True)
    assert "cannot reset your own" in own.get_data(as_text=True)


def test_recovery_codes_and_secret_are_not_stored_in_clear(client, make_user, moving_clock):
    official, _, codes = enrolled_official(client, make_user, moving_clock)
    for row in db.session.scalars(select(RecoveryCode)):
        assert codes[0] not in row.code_hash and codes[0].replace("-", "") not in row.code_hash
        assert not check_password(row.code_hash, codes[0])  # stored without the dashes
    assert any(check_password(row.code_hash, codes[0].replace("-", ""))
               for row in db.session.scalars(select(RecoveryCode)))  # fmt: skip
