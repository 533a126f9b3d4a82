"""Sign-in throttling: increasing delays per account and address, per address and per account,
kept in the database; the owner keeps signing in from their own browser while strangers hammer
the account; one answer for unknown, wrong and throttled; the owner is told once per window;
change-password guesses count; an administrator can unlock."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from register.auth import throttle
from register.auth.services import CURRENT_REFUSED, GENERIC_ERROR
from register.extensions import db
from register.models import AuditEntry, OutboundEmail, SignInThrottle, User
from register.models.sign_in import ACCOUNT, ACCOUNT_AT_ADDRESS
from tests.conftest import PASSWORD, make_app, sign_in

WRONG = "not-the-password-1"
NEW_PASSWORD = "staple-orbit-lantern-42"
PAGE = "/declarations/"


def browser(app: Flask, address: str) -> FlaskClient:
    """A browser at client address `address`."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def signed_in(client: FlaskClient) -> bool:
    return client.get(PAGE).status_code == 200


def actions(name: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == name)))


def attack_emails() -> list[OutboundEmail]:
    return list(
        db.session.scalars(
            select(OutboundEmail).where(OutboundEmail.kind == "auth.account_attacked")
        )
    )


def answer(response: Any) -> tuple[int, str]:
    """What the sign-in page tells the person: its status and its error summary."""
    page = response.get_data(as_text=True)
    start = page.index('class="govuk-error-summary')
    return response.status_code, page[start : page.index("</div>", start)]


def test_a_throttled_attempt_is_refused_without_checking_and_looks_like_a_wrong_password(
    app, make_user
):
    official = make_user("official")
    client = browser(app, "203.0.113.5")
    for _ in range(5):  # the fifth failure from this address starts the wait
        wrong = sign_in(client, official, WRONG)
    refused = sign_in(client, official, PASSWORD)
    unknown = sign_in(browser(app, "203.0.113.6"), "nobody@example.gov.uk", WRONG)
    assert answer(refused) == answer(wrong) == answer(unknown)
    assert refused.status_code == 200 and GENERIC_ERROR in refused.get_data(as_text=True)
    assert "locked" not in refused.get_data(as_text=True).lower()
    assert not signed_in(client)
    [entry] = actions("auth.sign_in_throttled")
    assert entry.actor_id == official.id and entry.ip_address == "203.0.113.5"
    assert len(actions("auth.sign_in_failed")) == 6  # five wrong here, one unknown elsewhere


def test_unknown_emails_are_throttled_like_real_ones(app, make_user):
    """The delays themselves do not tell which emails have accounts."""
    client = browser(app, "203.0.113.5")
    for _ in range(5):
        sign_in(client, "nobody@example.gov.uk", WRONG)
    sign_in(client, "nobody@example.gov.uk", WRONG)
    [entry] = actions("auth.sign_in_throttled")
    assert entry.actor_id is None and entry.actor_label == "nobody@example.gov.uk"


def test_delays_double_and_end(app, make_user, clock):
    official = make_user("official")
    client = browser(app, "203.0.113.5")
    for _ in range(5):
        sign_in(client, official, WRONG)
    clock.advance(seconds=29)
    assert sign_in(client, official, PASSWORD).status_code == 200  # still waiting: 30 s
    clock.advance(seconds=2)
    sign_in(client, official, WRONG)  # the sixth failure: 60 s now
    clock.advance(seconds=59)
    assert sign_in(client, official, PASSWORD).status_code == 200
    assert not signed_in(client)
    clock.advance(seconds=2)
    assert sign_in(client, official, PASSWORD).status_code == 302
    # A correct password clears this address's count for the account.
    row = db.session.scalar(
        select(SignInThrottle).where(SignInThrottle.scope == ACCOUNT_AT_ADDRESS)
    )
    assert row is None


def test_the_longest_delay_is_capped(app):
    policy = app.extensions["register.settings"].sign_in_throttle
    delays = [policy.delay(ACCOUNT_AT_ADDRESS, n) for n in range(1, 60)]
    assert delays[:4] == [None] * 4
    assert delays[4].total_seconds() == 30 and delays[5].total_seconds() == 60
    assert max(delays[4:]) == policy.max_delay == delays[-1]


def test_strangers_cannot_lock_the_owner_out(app, make_user):
    """Guesses spread over many addresses slow down the account for strangers, but the owner's
    own browser, which has signed in before, still signs in; so does a browser at the
    attackers' own address, if it is the owner's."""
    official = make_user("official")
    own_browser = browser(app, "198.51.100.7")
    assert sign_in(own_browser, official).status_code == 302  # yesterday: a device cookie
    own_browser.post("/auth/sign-out")
    for n in range(40):
        sign_in(browser(app, f"203.0.113.{n}"), official, WRONG)
    stranger = browser(app, "192.0.2.1")
    assert sign_in(stranger, official, PASSWORD).status_code == 200, "no account-wide throttle"
    assert not signed_in(stranger)
    assert sign_in(own_browser, official).status_code == 302, "the owner was locked out"
    assert signed_in(own_browser)
    own_browser.post("/auth/sign-out")
    own_browser.environ_base["REMOTE_ADDR"] = "203.0.113.1"  # behind the attackers' address
    assert sign_in(own_browser, official).status_code == 302


def test_a_device_cookie_is_its_own_throttle_and_cannot_be_forged(app, make_user):
    official = make_user("official")
    own_browser = browser(app, "198.51.100.7")
    sign_in(own_browser, official)
    own_browser.post("/auth/sign-out")
    for n in range(12):
        sign_in(browser(app, f"203.0.113.{n}"), official, WRONG)
    forger = browser(app, "192.0.2.1")
    forger.set_cookie("register_device", f'[{official.id}, "made-up"]')
    assert sign_in(forger, official, PASSWORD).status_code == 200
    # Guesses from the owner's browser count against that browser alone.
    for _ in range(5):
        sign_in(own_browser, official, WRONG)
    assert sign_in(own_browser, official).status_code == 200
    other_account = make_user("official")
    assert sign_in(own_browser, other_account).status_code == 302  # not that account's cookie


def test_an_address_trying_many_accounts_is_slowed_down(app, make_user):
    official = make_user("official")
    sprayer = browser(app, "203.0.113.9")
    for n in range(20):
        sign_in(sprayer, f"person{n}@example.gov.uk", WRONG)
    assert sign_in(sprayer, official).status_code == 200
    assert not signed_in(sprayer)
    assert sign_in(browser(app, "198.51.100.7"), official).status_code == 302


def test_the_owner_is_told_once_per_window(app, make_user, clock):
    official = make_user("official")
    for n in range(30):
        sign_in(browser(app, f"203.0.113.{n % 3}"), official, WRONG)
        clock.advance(seconds=1)
    [email] = attack_emails()
    assert email.to == official.email
    assert "tried to sign in to your account" in email.body
    assert "https://" in email.body or "http://" in email.body
    assert len(actions("auth.account_attacked")) == 1
    clock.advance(hours=25)  # the counts are forgotten; a new attack is a new window
    for _ in range(6):
        sign_in(browser(app, "203.0.113.1"), official, WRONG)
    assert len(attack_emails()) == 2
    for _ in range(6):
        sign_in(browser(app, "203.0.113.2"), "nobody@example.gov.uk", WRONG)
    assert len(attack_emails()) == 2  # nobody to tell


def change(client: FlaskClient, current: str) -> Any:
    return client.post(
        "/auth/password",
        data={"current_password": current, "new_password": NEW_PASSWORD,
              "confirm_password": NEW_PASSWORD},
    )  # fmt: skip


def test_guesses_of_the_current_password_count(app, make_user):
    official = make_user("official")
    owner = browser(app, "198.51.100.7")
    sign_in(owner, official)
    # With a copy of the owner's session cookie, from the same address (Flask-Login's strong
    # session protection ends a session that moves to another address).
    thief = browser(app, "198.51.100.7")
    thief.set_cookie("session", owner.get_cookie("session").value)
    for _ in range(5):
        assert change(thief, WRONG).status_code == 200
    refused = change(thief, PASSWORD)
    assert refused.status_code == 200 and CURRENT_REFUSED in refused.get_data(as_text=True)
    db.session.refresh(official)
    assert actions("auth.password_changed") == []
    assert len(actions("auth.current_password_failed")) == 5
    assert len(actions("auth.current_password_throttled")) == 1
    assert len(attack_emails()) == 1
    # They count for sign-in too: the account is slowed down from that address, but not for
    # the owner's own browser.
    assert sign_in(browser(app, "198.51.100.7"), official).status_code == 200
    owner.post("/auth/sign-out")
    assert sign_in(owner, official).status_code == 302


def test_an_administrator_unlocks_an_account(app, make_user):
    official = make_user("official")
    admin = browser(app, "198.51.100.1")
    sign_in(admin, make_user("admin"))
    client = browser(app, "203.0.113.5")
    for n in range(12):
        sign_in(browser(app, f"203.0.113.{n}"), official, WRONG)
    assert throttle.is_throttled(db.session, official)
    assert "Sign-in delayed" in admin.get("/admin/people").get_data(as_text=True)
    page = admin.get(f"/admin/people/{official.id}").get_data(as_text=True)
    assert "Sign-in delayed" in page and "Unlock account" in page
    response = admin.post(f"/admin/people/{official.id}/unlock")
    assert response.status_code == 302
    assert not throttle.is_throttled(db.session, official)
    [entry] = actions("admin.user_unlocked")
    details = json.loads(entry.details)
    assert {t["scope"] for t in details["before"]["throttles"]} >= {ACCOUNT, ACCOUNT_AT_ADDRESS}
    assert details["after"] == {"throttles": []}
    assert entry.object_id == str(official.id)
    assert sign_in(client, official).status_code == 302


def test_the_counts_hold_across_workers(app, make_user, tmp_path):
    """Two app processes on one database (two workers, or two servers) share the counts."""
    official = make_user("official")
    other_worker = make_app(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path)
    for n in range(5):
        worker = app if n % 2 else other_worker
        sign_in(browser(worker, "203.0.113.5"), official, WRONG)
    db.session.remove()
    for worker in (app, other_worker):
        assert sign_in(browser(worker, "203.0.113.5"), official).status_code == 200
    assert (
        db.session.scalar(
            select(SignInThrottle.failures).where(
                SignInThrottle.scope == ACCOUNT_AT_ADDRESS,
                SignInThrottle.account == official.email.lower(),
            )
        )
        == 5
    )
    assert isinstance(db.session.get(User, official.id), User)


# The migration ------------------------------------------------------------------------------


def locks_become_throttles_and_back() -> None:
    """From 0015, a running lock becomes the account's throttle until the same time (an expired
    one is dropped); the downgrade puts it back as a lock."""
    from datetime import timedelta

    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from register.clock import utcnow

    upgrade(revision="0015")
    until = utcnow() + timedelta(minutes=10)
    for email, failures, locked in (
        ("Locked@example.gov.uk", 5, until),
        ("free@example.gov.uk", 2, utcnow() - timedelta(hours=1)),
    ):
        db.session.execute(text(
            'INSERT INTO "user" (email, full_name, role, is_senior, password_hash, active, '
            "failed_logins, locked_until, session_token, created_at) VALUES (:email, 'Old', "
            "'official', false, 'x', true, :failures, :locked, :token, CURRENT_TIMESTAMP)"),
            {"email": email, "failures": failures, "locked": locked, "token": email})  # fmt: skip
    db.session.commit()
    upgrade(revision="0016")
    [row] = db.session.scalars(select(SignInThrottle)).all()
    assert (row.scope, row.account, row.failures) == (ACCOUNT, "locked@example.gov.uk", 5)
    assert abs((row.blocked_until - until).total_seconds()) < 1
    db.session.commit()
    downgrade(revision="0015")
    locks = db.session.execute(
        text('SELECT email, failed_logins, locked_until FROM "user" ORDER BY email')
    ).all()
    assert [(email, failures) for email, failures, _ in locks] == [
        ("Locked@example.gov.uk", 5), ("free@example.gov.uk", 0)
    ]  # fmt: skip
    assert locks[0][2] is not None and locks[1][2] is None
    db.session.commit()
    upgrade(revision="heads")


def test_migration_turns_locks_into_throttles_on_sqlite(tmp_path) -> None:
    from register import create_app

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/m.sqlite"})
    with app.app_context():
        try:
            locks_become_throttles_and_back()
        finally:
            db.session.remove()
            db.engine.dispose()


@pytest.mark.postgres
def test_migration_turns_locks_into_throttles_on_postgres(pg_app: Flask) -> None:
    from flask_migrate import downgrade

    db.session.remove()
    downgrade(revision="0015")  # a fresh schema: no users yet
    locks_become_throttles_and_back()
