"""Invitations: a person created on the web, by a roster (web, API, command line) or by
`users create` sets their own password through a single-use link; administrators never do."""

from __future__ import annotations

import io
import logging
import re
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from register import clock
from register.auth import invitations
from register.auth.passwords import check_password
from register.extensions import db
from register.models import PasswordLink, User
from register.observability import JsonFormatter
from tests.api.helpers import make_token
from tests.auth.links import (
    audited,
    emails_to,
    last_link_to,
    link_in,
    move_clock_to,
    set_password,
)
from tests.conftest import PASSWORD, sign_in

NEW_PASSWORD = "quilt-harbour-meadow-71"
FORGED = "administrator-knows-this-1"


@pytest.fixture
def admin(make_user):
    return make_user("admin")


@pytest.fixture
def admin_client(app, admin):
    client = app.test_client()
    assert sign_in(client, admin).status_code == 302
    return client


def person_form(department, **fields):
    return {"email": "nia@example.gov.uk", "full_name": "Nia Newcomer", "role": "official",
            "department_id": str(department.id), **fields}  # fmt: skip


def user(email: str) -> User:
    db.session.expire_all()
    found = db.session.scalar(select(User).where(User.email == email))
    assert found is not None
    return found


def test_the_person_form_has_no_password_field(admin_client, make_user):
    new = admin_client.get("/admin/people/new").get_data(as_text=True)
    official = make_user("official")
    edit = admin_client.get(f"/admin/people/{official.id}").get_data(as_text=True)
    for page in (new, edit):
        assert 'type="password"' not in page and "Temporary password" not in page


def test_a_forged_password_field_is_ignored_on_create_and_edit(app, admin_client, department):
    created = admin_client.post("/admin/people/new", data=person_form(department, password=FORGED))
    assert created.status_code == 302
    nia = user("nia@example.gov.uk")
    assert not check_password(nia.password_hash, FORGED)
    assert sign_in(app.test_client(), nia, FORGED).status_code == 200  # refused

    official = user("nia@example.gov.uk")
    set_password(app.test_client(), last_link_to(official.email), NEW_PASSWORD)
    signed_in = app.test_client()
    assert sign_in(signed_in, official, NEW_PASSWORD).status_code == 302
    hash_before, token_before = (
        user(official.email).password_hash,
        user(official.email).session_token,
    )
    edited = admin_client.post(
        f"/admin/people/{official.id}",
        data=person_form(department, full_name="Nia Renamed", password=FORGED),
    )
    assert edited.status_code == 302
    after = user(official.email)
    assert after.full_name == "Nia Renamed"
    assert (after.password_hash, after.session_token) == (hash_before, token_before)
    assert signed_in.get("/").status_code in (200, 302)
    assert sign_in(app.test_client(), after, FORGED).status_code == 200
    assert sign_in(app.test_client(), after, NEW_PASSWORD).status_code == 302
    update = audited("admin.user_updated")[-1]
    assert "password_reset" not in (update.details or "")


def test_creating_a_person_on_the_web_emails_an_invitation(app, admin_client, admin, department):
    response = admin_client.post("/admin/people/new", data=person_form(department))
    assert response.status_code == 302
    page = unescape(admin_client.get("/admin/people").get_data(as_text=True))
    assert "An email invites them to set their own password" in page
    [email] = emails_to("nia@example.gov.uk", invitations.INVITATION_EMAIL)
    assert email.subject == "Set your password for the register"
    assert "http://127.0.0.1:5000/auth/set-password/" in email.body  # BASE_URL
    assert "The link works once and expires at" in email.body
    path = link_in(email.body)
    token = path.rsplit("/", 1)[1]
    [link] = db.session.scalars(select(PasswordLink))
    assert link.token_hash == invitations.hash_link_token(token) != token
    assert link.expires_at - link.created_at == timedelta(hours=72)
    assert link.created_by_id == admin.id and link.purpose == "invitation"
    stored = db.session.execute(text("SELECT token_hash FROM password_link")).scalars().all()
    assert token not in " ".join(stored)
    [entry] = audited("auth.invitation_sent")
    assert entry.actor_id == admin.id and entry.object_id == str(user(email.to).id)


def test_the_invited_person_sets_their_password_and_signs_in(app, admin_client, department):
    admin_client.post("/admin/people/new", data=person_form(department))
    path = last_link_to("nia@example.gov.uk")
    visitor = app.test_client()
    for _ in range(2):  # opening the link (a mail scanner, a second look) uses nothing
        shown = visitor.get(path)
        assert shown.status_code == 200
        assert "Set your password" in shown.get_data(as_text=True)
        assert shown.headers["Referrer-Policy"] == "no-referrer"
        assert "no-store" in shown.headers["Cache-Control"]
    mismatch = set_password(visitor, path, NEW_PASSWORD, "something-else-entirely-9")
    assert "The passwords do not match" in mismatch.get_data(as_text=True)
    weak = set_password(visitor, path, "short1")
    assert "at least 12 characters" in weak.get_data(as_text=True)
    done = set_password(visitor, path, NEW_PASSWORD)
    assert done.status_code == 302 and done.location.endswith("/auth/sign-in")
    assert done.headers["Referrer-Policy"] == "no-referrer"
    assert sign_in(app.test_client(), "nia@example.gov.uk", NEW_PASSWORD).status_code == 302
    [accepted] = audited("auth.invitation_accepted")
    assert accepted.actor_id == user("nia@example.gov.uk").id


def test_a_link_works_once(app, admin_client, department):
    admin_client.post("/admin/people/new", data=person_form(department))
    path = last_link_to("nia@example.gov.uk")
    assert set_password(app.test_client(), path, NEW_PASSWORD).status_code == 302
    again = set_password(app.test_client(), path, "another-password-entirely-3")
    assert again.status_code == 404
    assert "This link does not work any more" in again.get_data(as_text=True)
    assert again.headers["Referrer-Policy"] == "no-referrer"
    assert app.test_client().get(path).status_code == 404
    assert sign_in(app.test_client(), "nia@example.gov.uk", NEW_PASSWORD).status_code == 302


def test_a_link_loaded_before_another_request_used_it_still_fails(app, admin_client, department):
    """Two requests racing with one link: the second's conditional UPDATE finds it used although
    it had read the link as unused (tests/auth/test_password_reset.py races on PostgreSQL)."""
    admin_client.post("/admin/people/new", data=person_form(department))
    token = last_link_to("nia@example.gov.uk").rsplit("/", 1)[1]
    with Session(db.engine) as racing:
        stale = invitations.live_link(racing, token)  # this request has read it as unused
        other = app.test_client()
        assert set_password(other, f"/auth/set-password/{token}", NEW_PASSWORD).status_code == 302
        assert stale.used_at is None  # the racing session still holds the row as it read it
        with pytest.raises(invitations.LinkError):
            invitations.use_link(racing, token, "a-late-racing-password-8")
        racing.rollback()
    assert sign_in(app.test_client(), "nia@example.gov.uk", NEW_PASSWORD).status_code == 302


def test_an_invitation_expires_after_72_hours(app, admin_client, admin, department, monkeypatch):
    admin_client.post("/admin/people/new", data=person_form(department))
    path = last_link_to("nia@example.gov.uk")
    now = clock.utcnow()
    move_clock_to(monkeypatch, now + timedelta(hours=71, minutes=59))
    assert app.test_client().get(path).status_code == 200
    move_clock_to(monkeypatch, now + timedelta(hours=72, seconds=1))
    assert app.test_client().get(path).status_code == 404
    assert set_password(app.test_client(), path, NEW_PASSWORD).status_code == 404
    # Three days on, the administrator's session has long ended (SESSION_MAX_HOURS): sign in again.
    sign_in(admin_client, admin)
    page = unescape(admin_client.get("/admin/people").get_data(as_text=True))
    assert "Invitation expired" in page


def test_a_new_invitation_replaces_the_old_one_and_is_audited(app, admin_client, admin, department):
    admin_client.post("/admin/people/new", data=person_form(department))
    nia = user("nia@example.gov.uk")
    old = last_link_to(nia.email)
    person_page = admin_client.get(f"/admin/people/{nia.id}").get_data(as_text=True)
    assert "Invitation sent" in person_page and "Send a new invitation" in person_page
    response = admin_client.post(f"/admin/people/{nia.id}/invitation")
    assert response.status_code == 302
    new = last_link_to(nia.email)
    assert new != old and len(emails_to(nia.email)) == 2
    assert app.test_client().get(old).status_code == 404
    assert app.test_client().get(new).status_code == 200
    sent = audited("auth.invitation_sent")
    assert [e.actor_id for e in sent] == [admin.id, admin.id]
    set_password(app.test_client(), new, NEW_PASSWORD)
    page = unescape(admin_client.get(f"/admin/people/{nia.id}").get_data(as_text=True))
    assert "has set their own password" in page and "Send a new invitation" not in page
    refused = admin_client.post(f"/admin/people/{nia.id}/invitation", follow_redirects=True)
    assert "has set a password already" in unescape(refused.get_data(as_text=True))
    assert len(emails_to(nia.email, invitations.INVITATION_EMAIL)) == 2


def test_the_people_page_shows_who_has_set_a_password(app, admin_client, department, make_user):
    make_user("official", email="has.password@example.gov.uk", full_name="Has Password")
    admin_client.post("/admin/people/new", data=person_form(department))
    page = unescape(admin_client.get("/admin/people").get_data(as_text=True))
    state = r"(?:<strong[^>]*>)?(Password set|Invitation sent|Invitation expired)"
    rows = dict(
        re.findall(r">([^<>]+)</a></td>.*?<td class=\"govuk-table__cell\">" + state, page, re.S)
    )
    assert rows["Nia Newcomer"] == "Invitation sent"
    assert rows["Has Password"] == "Password set"


def test_the_web_roster_invites_each_person_it_creates(app, admin_client, make_user):
    existing = make_user("official", email="kept@example.gov.uk")
    roster = (
        "email,full_name,role,department_code\n"
        "ola@example.gov.uk,Ola Roster,official,DCS\n"
        f"{existing.email},Kept Renamed,official,DCS\n"
    )
    preview = admin_client.post(
        "/admin/people/roster",
        data={"file": (io.BytesIO(roster.encode()), "roster.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    action = re.search(r'action="(/admin/people/roster/\d+/confirm)"', preview).group(1)
    signature = re.search(r'name="signature" value="([0-9a-f]+)"', preview).group(1)
    assert admin_client.post(action, data={"signature": signature}).status_code == 200
    path = last_link_to("ola@example.gov.uk", invitations.INVITATION_EMAIL)
    assert emails_to(existing.email) == []  # an update invites nobody
    assert set_password(app.test_client(), path, NEW_PASSWORD).status_code == 302
    assert sign_in(app.test_client(), "ola@example.gov.uk", NEW_PASSWORD).status_code == 302


def test_the_api_roster_invites_each_person_it_creates(app, admin, department):
    _, token = make_token(db.session, admin, "hr")
    db.session.commit()
    response = app.test_client().post(
        "/api/v1/roster",
        json={"officials": [{"email": "api@example.gov.uk", "full_name": "Api Person",
                             "role": "official", "department_code": "DCS"}]},
        headers={"Authorization": f"Bearer {token}"},
    )  # fmt: skip
    assert response.status_code == 200 and response.json["officials"]["created"] == 1
    path = last_link_to("api@example.gov.uk", invitations.INVITATION_EMAIL)
    assert set_password(app.test_client(), path, NEW_PASSWORD).status_code == 302
    [sent] = audited("auth.invitation_sent")
    assert sent.actor_id == admin.id


def test_the_command_line_roster_invites_each_person_it_creates(app, runner, department, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "email,full_name,role,department_code\ncli@example.gov.uk,Cli R,official,DCS\n"
    )
    result = runner.invoke(args=["users", "import", str(roster)])
    assert result.exit_code == 0 and "1 created" in result.output, result.output
    assert last_link_to("cli@example.gov.uk", invitations.INVITATION_EMAIL)
    assert "set-password" not in runner.invoke(args=["users", "import", str(roster)]).output


def test_users_create_prints_a_working_link_and_emails_nothing(app, runner):
    result = runner.invoke(
        args=["users", "create", "--email", "first@example.gov.uk", "--name", "First Admin",
              "--role", "admin"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Created admin first@example.gov.uk" in result.output
    path = link_in(result.output)
    assert "http://127.0.0.1:5000/auth/set-password/" in result.output
    assert emails_to("first@example.gov.uk") == []
    [printed] = audited("auth.invitation_printed")
    assert printed.object_id == str(user("first@example.gov.uk").id)
    browser = app.test_client()
    assert browser.get(path).status_code == 200
    assert set_password(browser, path, NEW_PASSWORD).status_code == 302
    assert sign_in(browser, "first@example.gov.uk", NEW_PASSWORD).status_code == 302
    assert browser.get("/admin/people").status_code == 200


def test_a_deactivated_persons_link_does_not_work(app, admin_client, department):
    admin_client.post("/admin/people/new", data=person_form(department))
    path = last_link_to("nia@example.gov.uk")
    nia = user("nia@example.gov.uk")
    nia.active = False
    db.session.commit()
    assert app.test_client().get(path).status_code == 404
    assert set_password(app.test_client(), path, NEW_PASSWORD).status_code == 404


def test_unknown_links_get_the_same_page(app):
    response = app.test_client().get("/auth/set-password/not-a-real-token")
    assert response.status_code == 404
    assert "This link does not work any more" in response.get_data(as_text=True)
    assert "Ask for a new link" in response.get_data(as_text=True)


def test_setting_a_password_by_link_signs_out_whoever_was_signed_in(app, make_user, admin_client,
                                                                      department):  # fmt: skip
    admin_client.post("/admin/people/new", data=person_form(department))
    path = last_link_to("nia@example.gov.uk")
    shared = app.test_client()
    assert sign_in(shared, make_user("official"), PASSWORD).status_code == 302
    assert set_password(shared, path, NEW_PASSWORD).status_code == 302
    assert shared.get("/").status_code == 302  # to the sign-in page


def test_the_request_log_leaves_the_links_token_out(app, admin_client, department, caplog):
    admin_client.post("/admin/people/new", data=person_form(department))
    path = last_link_to("nia@example.gov.uk")
    token = path.rsplit("/", 1)[1]
    with caplog.at_level(logging.INFO, logger="register.requests"):
        app.test_client().get(path)
    logged = "".join(
        JsonFormatter().format(r) for r in caplog.records if r.name == "register.requests"
    )
    assert token not in logged and '"path": "/auth/set-password/[token]"' in logged
