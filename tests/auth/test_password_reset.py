"""'Forgot your password?': one answer for every address, a single-use link for an hour, a
limit on how many emails an address gets, and a reset that ends every session and API token."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from register import clock
from register.admin.services import UserFields
from register.auth import invitations
from register.extensions import db
from register.models import ApiToken, OutboundEmail, PasswordLink
from tests.api.helpers import make_token
from tests.auth.links import audited, emails_to, last_link_to, move_clock_to, set_password
from tests.conftest import PASSWORD, create_user_with_password, sign_in

NEW_PASSWORD = "lantern-copper-violet-58"


def ask(client, email: str):  # type: ignore[no-untyped-def]
    return client.post("/auth/forgot-password", data={"email": email})


def reset_emails(address: str) -> list[OutboundEmail]:
    return emails_to(address, invitations.RESET_EMAIL)


def test_the_sign_in_page_links_to_forgot_password(client):
    page = client.get("/auth/sign-in").get_data(as_text=True)
    assert 'href="/auth/forgot-password">Forgot your password?' in page
    assert client.get("/auth/forgot-password").status_code == 200


def test_the_same_answer_for_real_unknown_deactivated_and_throttled_addresses(client, make_user):
    real = make_user("official", email="real@example.gov.uk")
    make_user("official", email="gone@example.gov.uk").active = False
    db.session.commit()
    answers = {}
    for email in (
        "real@example.gov.uk",
        "nobody@example.gov.uk",
        "gone@example.gov.uk",
        "real@example.gov.uk",
    ):  # fmt: skip  (the last one is throttled)
        response = ask(client, email)
        body = response.get_data(as_text=True).replace(email, "ADDRESS")
        answers.setdefault(email, []).append((response.status_code, body))
    all_answers = [answer for found in answers.values() for answer in found]
    assert len(set(all_answers)) == 1, "the answers differ"
    assert all_answers[0][0] == 200 and "Check your email" in all_answers[0][1]
    assert len(reset_emails(real.email)) == 1
    assert reset_emails("gone@example.gov.uk") == []
    assert reset_emails("nobody@example.gov.uk") == []
    reasons = [e.summary for e in audited("auth.password_reset_refused")]
    assert any("no account has the email 'nobody@example.gov.uk'" in r for r in reasons)
    assert any("deactivated" in r for r in reasons)
    assert any("less than 5 minutes ago" in r for r in reasons)


def test_a_form_error_says_what_to_fix(client):
    page = ask(client, "not an address").get_data(as_text=True)
    assert "Error: Reset your password" in page
    assert "Enter an email address in the correct format" in page


def test_reset_link_sets_a_new_password_once(app, client, make_user):
    official = make_user("official")
    ask(client, official.email.upper())  # the address is matched whatever its case
    [email] = reset_emails(official.email)
    assert "http://127.0.0.1:5000/auth/set-password/" in email.body
    path = last_link_to(official.email)
    shown = app.test_client().get(path)
    assert "Choose a new password" in shown.get_data(as_text=True)
    assert shown.headers["Referrer-Policy"] == "no-referrer"
    assert set_password(app.test_client(), path, NEW_PASSWORD).status_code == 302
    assert set_password(app.test_client(), path, "yet-another-password-4").status_code == 404
    assert sign_in(app.test_client(), official, PASSWORD).status_code == 200  # refused
    assert sign_in(app.test_client(), official, NEW_PASSWORD).status_code == 302
    [entry] = audited("auth.password_reset")
    assert entry.actor_id == official.id
    [told] = emails_to(official.email, invitations.PASSWORD_SET_EMAIL)  # ASVS 2.5.5
    assert "If you did not do this, tell your register administrator" in told.body
    assert "/auth/set-password/" not in told.body


def test_a_reset_link_expires_after_an_hour(app, client, make_user, monkeypatch):
    official = make_user("official")
    ask(client, official.email)
    path = last_link_to(official.email)
    [link] = db.session.scalars(select(PasswordLink))
    assert link.expires_at - link.created_at == timedelta(hours=1)
    now = clock.utcnow()
    move_clock_to(monkeypatch, now + timedelta(minutes=59))
    assert app.test_client().get(path).status_code == 200
    move_clock_to(monkeypatch, now + timedelta(hours=1, seconds=1))
    assert app.test_client().get(path).status_code == 404
    assert set_password(app.test_client(), path, NEW_PASSWORD).status_code == 404


def test_reset_emails_are_limited_per_address(app, client, make_user, monkeypatch):
    official = make_user("official")
    start = clock.utcnow()
    for minutes in (0, 1, 4):
        move_clock_to(monkeypatch, start + timedelta(minutes=minutes))
        assert ask(client, official.email).status_code == 200
    assert len(reset_emails(official.email)) == 1
    sent_at = [5, 10, 15, 20]  # one every five minutes: four more, then the day's limit of five
    for minutes in [*sent_at, 25, 30, 60 * 23]:
        move_clock_to(monkeypatch, start + timedelta(minutes=minutes, seconds=1))
        ask(client, official.email)
    assert len(reset_emails(official.email)) == invitations.RESET_EMAILS_PER_DAY
    move_clock_to(monkeypatch, start + timedelta(days=1, minutes=1))
    ask(client, official.email)
    assert len(reset_emails(official.email)) == invitations.RESET_EMAILS_PER_DAY + 1


def test_a_newer_reset_link_replaces_the_older_one(app, client, make_user, monkeypatch):
    official = make_user("official")
    ask(client, official.email)
    first = last_link_to(official.email)
    move_clock_to(monkeypatch, clock.utcnow() + timedelta(minutes=6))
    ask(client, official.email)
    second = last_link_to(official.email)
    assert first != second
    assert app.test_client().get(first).status_code == 404
    assert app.test_client().get(second).status_code == 200


def test_using_a_reset_link_ends_a_pending_invitation(app, client, make_user):
    official = make_user("official")
    invitations.send_invitation(db.session, official, actor=None)
    db.session.commit()
    invitation = last_link_to(official.email, invitations.INVITATION_EMAIL)
    ask(client, official.email)
    assert set_password(app.test_client(), last_link_to(official.email), NEW_PASSWORD).status_code
    assert app.test_client().get(invitation).status_code == 404


def test_a_reset_ends_every_session_and_revokes_every_api_token(app, make_user):
    auditor = make_user("auditor")
    old_browser = app.test_client()
    assert sign_in(old_browser, auditor).status_code == 302
    assert old_browser.get("/audit/").status_code == 200
    _, token = make_token(db.session, auditor, "reporting")
    db.session.commit()
    api = app.test_client()
    query = "/api/v1/completeness?cycle=none"
    headers = {"Authorization": f"Bearer {token}"}
    assert api.get(query, headers=headers).status_code != 401

    ask(app.test_client(), auditor.email)
    assert set_password(app.test_client(), last_link_to(auditor.email), NEW_PASSWORD).status_code
    gone = old_browser.get("/audit/")
    assert gone.status_code == 302 and "/auth/sign-in" in gone.location
    assert api.get(query, headers=headers).status_code == 401
    db.session.expire_all()
    assert db.session.scalar(select(ApiToken.revoked_at)) is not None
    [entry] = audited("auth.password_reset")
    assert '"api_tokens_revoked": 1' in (entry.details or "")


def test_racing_requests_with_one_link_set_one_password(pg_app):
    """Two requests use one link at the same moment on PostgreSQL: the conditional UPDATE lets
    exactly one of them through; the other waits for its row lock, then finds the link used."""
    official = create_user_with_password(
        db.session, UserFields("race@example.gov.uk", "Ray Race", "auditor")
    )
    db.session.commit()
    invitations.send_password_reset(db.session, official, actor=None)
    db.session.commit()
    token = last_link_to(official.email).rsplit("/", 1)[1]
    engine, info = db.engine, dict(db.session.info)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def race(password: str) -> None:
        with Session(engine, info=info) as session:
            invitations.live_link(session, token)
            barrier.wait()
            try:
                invitations.use_link(session, token, password)
                session.commit()
                outcomes.append(password)
            except invitations.LinkError:
                session.rollback()
                outcomes.append("refused")

    threads = [
        threading.Thread(target=race, args=(p,))
        for p in ("first-racing-password-1", "second-racing-password-2")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes).count("refused") == 1 and len(outcomes) == 2
    [winner] = [o for o in outcomes if o != "refused"]
    db.session.expire_all()
    assert sign_in(pg_app.test_client(), official.email, winner).status_code == 302
    used = db.session.scalar(select(func.count()).where(PasswordLink.used_at.is_not(None)))
    assert used == 1
