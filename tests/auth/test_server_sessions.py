"""Server-side sessions: a new key at every sign-in, idle and absolute limits enforced on the
server against a replayed cookie, last-seen written at most once a minute, no remember-me or
long-lived cookie, and `Cache-Control: no-store` on what a signed-in person sees and downloads."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient
from flask_login.utils import encode_cookie
from sqlalchemy import select

from register.auth.sessions import key_hash
from register.extensions import db
from register.models import UserSession
from tests.conftest import sign_in

PAGE = "/declarations/"


def session_key(client: FlaskClient) -> str:
    with client.session_transaction() as session:
        key = session["_user_id"]
    assert isinstance(key, str)
    return key


def server_session(client: FlaskClient) -> UserSession:
    found = db.session.scalar(
        select(UserSession).where(UserSession.key_hash == key_hash(session_key(client)))
    )
    assert found is not None
    db.session.refresh(found)
    return found


def replay(app: Flask, cookie: str) -> Any:
    """A request from another browser holding a copy of the session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief.get(PAGE)


def sent_to_sign_in(response: Any) -> bool:
    return response.status_code == 302 and urlsplit(response.location).path == "/auth/sign-in"


def test_every_sign_in_gets_a_new_session_key(app, client, make_user):
    official = make_user("official")
    sign_in(client, official)
    first = session_key(client)
    client.post("/auth/sign-out")
    sign_in(client, official)
    second = session_key(client)
    other = app.test_client()
    sign_in(other, official)
    keys = {first, second, session_key(other)}
    assert len(keys) == 3 and official.session_token not in keys
    rows = db.session.scalars(select(UserSession).where(UserSession.user_id == official.id)).all()
    assert sorted(r.key_hash for r in rows) == sorted(key_hash(k) for k in keys)
    assert all(k not in {r.key_hash for r in rows} for k in keys)  # only hashes are stored
    assert [r.end_reason for r in rows if r.ended_at] == ["signed_out"]


def test_an_idle_session_ends_on_the_server(app, client, make_user, clock):
    sign_in(client, make_user("official"))
    cookie = client.get_cookie("session").value
    clock.advance(minutes=29)
    assert client.get(PAGE).status_code == 200  # in use: the idle time starts again
    clock.advance(minutes=29)
    assert replay(app, cookie).status_code == 200
    clock.advance(minutes=30)
    assert sent_to_sign_in(replay(app, cookie)), "a cookie replayed after 30 idle minutes"
    assert sent_to_sign_in(client.get(PAGE))
    assert server_session(client).end_reason == "idle"
    clock.advance(minutes=1)
    assert sent_to_sign_in(client.get(PAGE)), "an ended session came back"


def test_a_session_ends_after_its_lifetime_however_busy(app, client, make_user, clock):
    sign_in(client, make_user("official"))
    cookie = client.get_cookie("session").value
    for _ in range(35):  # a request every 20 minutes for 11 h 40 min
        clock.advance(minutes=20)
        assert client.get(PAGE).status_code == 200
    clock.advance(minutes=20)  # 12 hours after signing in
    assert sent_to_sign_in(client.get(PAGE))
    assert sent_to_sign_in(replay(app, cookie))
    assert server_session(client).end_reason == "expired"


def test_the_limits_come_from_the_settings(app, client, make_user, clock):
    from tests.conftest import configure

    configure(app, SESSION_IDLE_MINUTES=5, SESSION_MAX_HOURS=1)
    sign_in(client, make_user("official"))
    clock.advance(minutes=4)
    assert client.get(PAGE).status_code == 200
    clock.advance(minutes=6)
    assert sent_to_sign_in(client.get(PAGE))


def test_last_seen_is_written_at_most_once_a_minute(client, make_user, clock):
    sign_in(client, make_user("official"))
    started = server_session(client).last_seen_at
    clock.advance(seconds=30)
    client.get(PAGE)
    assert server_session(client).last_seen_at == started
    clock.advance(seconds=31)
    client.get(PAGE)
    assert server_session(client).last_seen_at == clock.now


def test_the_session_cookie_is_not_long_lived_nor_refreshed(client, make_user):
    response = sign_in(client, make_user("official"))
    [header] = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")]
    assert "Expires" not in header and "Max-Age" not in header  # ends with the browser
    client.get(PAGE)  # the first page with a form keeps its CSRF token in the session
    assert not [
        h for h in client.get(PAGE).headers.getlist("Set-Cookie") if h.startswith("session=")
    ], "the session cookie is sent again with every response"
    assert not [h for h in response.headers.getlist("Set-Cookie") if "remember" in h]


def test_a_remember_me_cookie_signs_nobody_in(app, make_user):
    official = make_user("official")
    browser = app.test_client()
    browser.set_cookie("remember_token", encode_cookie(official.get_id()))
    assert sent_to_sign_in(browser.get(PAGE))


def test_signed_in_pages_and_downloads_are_not_stored(app, client, make_user):
    anonymous = client.get("/auth/sign-in")
    assert "no-store" not in anonymous.headers.get("Cache-Control", "")
    sign_in(client, make_user("official"))
    for url in (PAGE, "/auth/password", "/auth/my-data"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store", url
    styles = client.get("/static/css/register.css")
    assert "no-store" not in styles.headers.get("Cache-Control", "")


def test_api_answers_are_not_stored(app):
    response = app.test_client().get("/api/v1/flags")
    assert response.status_code == 401
    assert response.headers["Cache-Control"] == "no-store"


def test_signing_out_without_a_session_key_ends_every_session(app, client, make_user):
    """What a sign-out that knows no session (another door's) does: end them all."""
    from register.auth.services import sign_out

    official = make_user("official")
    sign_in(client, official)
    other = app.test_client()
    sign_in(other, official)
    sign_out(db.session, official)
    db.session.commit()
    assert sent_to_sign_in(client.get(PAGE)) and sent_to_sign_in(other.get(PAGE))
