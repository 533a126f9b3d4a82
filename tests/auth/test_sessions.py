"""Sessions end on the server: a copied session cookie stops working after sign-out, a password
change or reset, or deactivation; the migration gives existing users a session token each.
(Idle and absolute limits, a new key at each sign-in and the headers: test_server_sessions.py.)"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from register import create_app
from register.auth.passwords import hash_password
from register.extensions import db
from register.models import User
from tests.conftest import PASSWORD, sign_in

NEW_PASSWORD = "staple-orbit-lantern-42"
PAGE = "/declarations/"


def session_cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None, "the client has no session cookie"
    return cookie.value


def replay(app: Flask, cookie: str) -> Any:
    """A request from another browser holding a copy of `cookie`."""
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief.get(PAGE)


def assert_sent_to_sign_in(response: Any) -> None:
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/auth/sign-in"


def test_a_copied_cookie_works_while_the_session_lasts(app, client, make_user):
    sign_in(client, make_user("official"))
    assert replay(app, session_cookie(client)).status_code == 200


def test_a_copied_cookie_stops_working_after_sign_out(app, client, make_user):
    official = make_user("official")
    sign_in(client, official)
    assert client.get(PAGE).status_code == 200
    copied = session_cookie(client)
    assert client.post("/auth/sign-out").status_code == 302
    assert_sent_to_sign_in(replay(app, copied))
    assert sign_in(client, official).status_code == 302
    assert client.get(PAGE).status_code == 200
    assert_sent_to_sign_in(replay(app, copied)), "signing in again revived the old session"


def test_sign_out_ends_that_session_only(app, client, make_user):
    official = make_user("official")
    other = app.test_client()
    sign_in(client, official)
    sign_in(other, official)
    client.post("/auth/sign-out")
    assert_sent_to_sign_in(client.get(PAGE))
    assert other.get(PAGE).status_code == 200, "signing out at home signed them out at work"


def test_signing_in_elsewhere_keeps_existing_sessions(app, client, make_user):
    official = make_user("official")
    sign_in(client, official)
    sign_in(app.test_client(), official)
    assert client.get(PAGE).status_code == 200


def test_password_change_keeps_this_session_and_ends_the_others(app, client, make_user):
    official = make_user("official")
    other = app.test_client()
    sign_in(client, official)
    sign_in(other, official)
    before_change = session_cookie(client)
    response = client.post(
        "/auth/password",
        data={"current_password": PASSWORD, "new_password": NEW_PASSWORD,
              "confirm_password": NEW_PASSWORD},
    )  # fmt: skip
    assert response.status_code == 302
    assert client.get(PAGE).status_code == 200, "the user who changed it was signed out"
    assert session_cookie(client) != before_change
    assert_sent_to_sign_in(other.get(PAGE))
    assert_sent_to_sign_in(replay(app, before_change))


def test_any_password_change_gives_a_new_session_token(make_user):
    official = make_user("official")
    token = official.session_token
    official.password_hash = hash_password(NEW_PASSWORD)
    db.session.commit()
    assert official.session_token != token


def test_deactivation_ends_sessions_and_reactivation_does_not_revive_them(app, client, make_user):
    official = make_user("official")
    sign_in(client, official)
    copied = session_cookie(client)
    official.active = False
    db.session.commit()
    assert_sent_to_sign_in(client.get(PAGE))
    official.active = True
    db.session.commit()
    assert_sent_to_sign_in(replay(app, copied))


def test_an_inactive_users_session_is_refused(app, client, make_user):
    """Even with the token unchanged (deactivated by SQL, say), an inactive user is signed out."""
    official = make_user("official")
    sign_in(client, official)
    db.session.execute(text('UPDATE "user" SET active = false WHERE id = :id'), {"id": official.id})
    db.session.commit()
    assert_sent_to_sign_in(client.get(PAGE))


def test_every_user_has_a_different_token(make_user):
    users = [make_user("official"), make_user("compliance"), make_user("admin")]
    tokens = {user.session_token for user in users}
    assert len(tokens) == 3 and all(len(token) >= 43 for token in tokens)


# The migration ------------------------------------------------------------------------------


def insert_user_by_sql(n: int) -> None:
    """A user row written without the app (as a bulk load does): no session token given."""
    db.session.execute(
        text(
            'INSERT INTO "user" (email, full_name, role, is_senior, password_hash, active, '
            "failed_logins, created_at) VALUES (:email, 'Old User', 'official', false, 'x', "
            "true, 0, CURRENT_TIMESTAMP)"
        ),
        {"email": f"user{n}@example.gov.uk"},
    )
    db.session.commit()


def users_get_tokens_from_the_migration() -> None:
    """From 0007 with users, 0008 gives each a different random token of 64 hex digits, and so
    does the database to a user inserted later without one."""
    upgrade(revision="0007")
    for n in range(3):
        insert_user_by_sql(n)
    upgrade(revision="0008")
    insert_user_by_sql(3)
    tokens = db.session.scalars(select(User.session_token)).all()
    assert len(tokens) == 4 and len(set(tokens)) == 4
    assert all(re.fullmatch(r"[0-9a-f]{64}", token) for token in tokens), tokens


def test_migration_gives_existing_users_tokens_on_sqlite(tmp_path: Path) -> None:
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/m.sqlite"})
    with app.app_context():
        try:
            users_get_tokens_from_the_migration()
        finally:
            db.session.remove()
            db.engine.dispose()


@pytest.mark.postgres
def test_migration_gives_existing_users_tokens_on_postgres(pg_app: Flask) -> None:
    assert db.engine.dialect.name == "postgresql"
    db.session.remove()
    downgrade(revision="0007")
    users_get_tokens_from_the_migration()
