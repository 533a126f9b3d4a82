"""Re-authentication before privileged changes (register.auth.fresh.recent_sign_in_required)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from register.extensions import db
from register.models import ApiToken, AuditEntry, User
from tests.api.helpers import token_form
from tests.auth.two_factor_helpers import (
    MovingClock,
    code_at,
    set_up_on,
)
from tests.conftest import PASSWORD, configure, sign_in

CONFIRM = "/auth/confirm-identity"
NEW_PASSWORD = "staple-orbit-lantern-42"


def path_of(response: Any) -> str:
    assert response.status_code == 302, response.status_code
    return urlsplit(response.location).path


def audited(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_a_get_page_asks_again_after_the_limit_and_comes_back(client, make_user, moving_clock):
    official = make_user("official")
    sign_in(client, official)
    assert client.get("/auth/two-factor/set-up").status_code == 200
    moving_clock.advance(minutes=9, seconds=50)
    assert client.get("/auth/two-factor/set-up").status_code == 200, "asked before 10 minutes"
    moving_clock.advance(seconds=11)
    asked = client.get("/auth/two-factor/set-up")
    assert path_of(asked) == CONFIRM
    back_to = parse_qs(urlsplit(asked.location).query)["next"][0]
    assert back_to.startswith("/auth/two-factor/set-up")
    page = client.get(asked.location)
    assert page.status_code == 200 and "Confirm it is you" in page.get_data(as_text=True)
    wrong = client.post(asked.location, data={"identity_check": "1", "identity_password": "nope"})
    assert wrong.status_code == 400 and "<title>Error:" in wrong.get_data(as_text=True)
    right = client.post(asked.location, data={"identity_check": "1", "identity_password": PASSWORD})
    assert path_of(right) == "/auth/two-factor/set-up"
    assert client.get("/auth/two-factor/set-up").status_code == 200
    assert [e.actor_id for e in audited("auth.identity_confirmed")] == [official.id]


def test_the_limit_is_a_setting(app, client, make_user, moving_clock):
    configure(app, RECENT_SIGN_IN_MINUTES=2)
    sign_in(client, make_user("official"))
    moving_clock.advance(minutes=2, seconds=1)
    assert path_of(client.get("/auth/two-factor/set-up")) == CONFIRM


def test_a_stale_post_is_checked_in_place_and_then_goes_through(
    app, client, make_user, department, moving_clock
):
    """The administrator's person form: what was typed comes back in the identity check (no
    password), and a right answer saves it without typing it again."""
    official = make_user("official")
    sign_in(client, make_user("admin"))
    moving_clock.advance(minutes=11)
    form = {"email": official.email, "full_name": "Renamed Person", "role": "official",
            "department_id": str(department.id), "password": ""}  # fmt: skip
    asked = client.post(f"/admin/people/{official.id}", data=form)
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Confirm it is you" in page
    assert 'name="full_name" value="Renamed Person"' in page
    assert 'name="password"' not in page
    db.session.expire_all()
    assert db.session.get(User, official.id).full_name != "Renamed Person"
    answered = client.post(
        f"/admin/people/{official.id}",
        data={**form, "identity_check": "1", "identity_password": PASSWORD},
    )
    assert path_of(answered) == "/admin/people"
    db.session.expire_all()
    assert db.session.get(User, official.id).full_name == "Renamed Person"


def test_password_change_and_token_creation_ask_again(client, make_user, moving_clock):
    admin = make_user("admin")
    sign_in(client, admin)
    moving_clock.advance(minutes=11)
    assert client.get("/auth/password").status_code == 200  # reading the form is not a change
    changed = client.post(
        "/auth/password",
        data={"current_password": PASSWORD, "new_password": NEW_PASSWORD,
              "confirm_password": NEW_PASSWORD},
    )  # fmt: skip
    assert "Confirm it is you" in changed.get_data(as_text=True)
    form = token_form("ci", ["roster:write", "awards:write"])
    token = client.post("/account/api-tokens/", data=form)
    assert "Confirm it is you" in token.get_data(as_text=True)
    assert db.session.scalars(select(ApiToken)).all() == []
    form.update({"identity_check": "1", "identity_password": PASSWORD})
    made = client.post("/account/api-tokens/", data=form)
    assert made.status_code == 200
    (row,) = db.session.scalars(select(ApiToken)).all()
    assert sorted(row.scopes.split()) == [
        "awards:write",
        "roster:write",
    ]  # the form survived the check


def test_the_identity_check_needs_the_code_when_enrolled(client, make_user, moving_clock):
    official = make_user("official")
    sign_in(client, official)
    secret, _, _ = set_up_on(client, "/auth/two-factor/set-up", moving_clock)
    moving_clock.advance(minutes=11)
    url = "/auth/two-factor/recovery-codes"
    asked = client.post(url)
    assert 'name="identity_code"' in asked.get_data(as_text=True)
    without_code = client.post(url, data={"identity_check": "1", "identity_password": PASSWORD})
    assert without_code.status_code == 400
    with_code = client.post(
        url,
        data={"identity_check": "1", "identity_password": PASSWORD,
              "identity_code": code_at(secret, moving_clock.moment)},
    )  # fmt: skip
    assert with_code.status_code == 200
    assert with_code.get_data(as_text=True).count("<li><code>") == 10


def test_wrong_answers_to_the_identity_check_end_the_session(
    app, client, make_user, moving_clock: MovingClock
):
    configure(app, MFA_MAX_ATTEMPTS=2)
    official = make_user("official")
    sign_in(client, official)
    moving_clock.advance(minutes=11)
    data = {"identity_check": "1", "identity_password": "wrong-password-1"}
    assert client.post("/auth/two-factor/turn-off", data=data).status_code == 400
    ended = client.post("/auth/two-factor/turn-off", data=data)
    assert path_of(ended) == "/auth/sign-in"
    assert path_of(client.get("/declarations/")) == "/auth/sign-in"
    failures = audited("auth.two_factor_failed")
    assert [e.summary.endswith("the attempt has ended") for e in failures] == [False, True]
