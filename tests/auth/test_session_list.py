"""The "Your sessions" page: a person sees every browser signed in to their account and signs
any other one out (ASVS 3.3.4), after proving who they are if that was a while ago."""

from __future__ import annotations

from html import unescape

from sqlalchemy import select

from register.extensions import db
from register.models import AuditEntry, UserSession
from tests.auth.signed_in import signed_in_as
from tests.conftest import PASSWORD, sign_in


def _page(client) -> str:  # type: ignore[no-untyped-def]
    response = client.get("/auth/sessions")
    assert response.status_code == 200
    return unescape(response.get_data(as_text=True))


def test_the_page_lists_every_live_session_and_marks_this_browser(app, make_user):
    official, other = make_user("official"), make_user("official")
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, official)
    sign_in(phone, official)
    sign_in(app.test_client(), other)  # someone else's session is never shown
    page = _page(laptop)
    assert page.count("This browser") == 1
    assert page.count('name="session_id"') == 1  # the phone, with its own button
    assert "Sign out every other session" in page


def test_signing_out_another_session_ends_it_on_the_server(app, make_user):
    official = make_user("official")
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, official)
    sign_in(phone, official)
    phone_session = db.session.scalars(select(UserSession).order_by(UserSession.id.desc())).first()
    assert phone_session is not None and signed_in_as(phone) == official.id
    response = laptop.post("/auth/sessions/end", data={"session_id": str(phone_session.id)})
    assert response.status_code == 302
    assert signed_in_as(phone) is None and signed_in_as(laptop) == official.id
    assert phone.get("/declarations/").status_code == 302  # sent to sign in
    (entry,) = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "auth.sessions_ended")
    )
    assert entry.actor_id == official.id and '"ended": 1' in (entry.details or "")


def test_every_other_session_ends_and_this_one_stays(app, make_user):
    official = make_user("official")
    here, *elsewhere = [app.test_client() for _ in range(3)]
    for client in (here, *elsewhere):
        sign_in(client, official)
    here.post("/auth/sessions/end", data={})
    assert signed_in_as(here) == official.id
    assert [signed_in_as(client) for client in elsewhere] == [None, None]


def test_nobody_signs_out_another_persons_session(app, make_user):
    official, other = make_user("official"), make_user("official")
    mine, theirs = app.test_client(), app.test_client()
    sign_in(mine, official)
    sign_in(theirs, other)
    their_session = db.session.scalar(select(UserSession).where(UserSession.user_id == other.id))
    assert their_session is not None
    mine.post("/auth/sessions/end", data={"session_id": str(their_session.id)})
    assert signed_in_as(theirs) == other.id


def test_after_a_while_the_person_proves_who_they_are_first(app, make_user, moving_clock):
    official = make_user("official")
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, official)
    sign_in(phone, official)
    moving_clock.advance(minutes=11)
    asked = laptop.post("/auth/sessions/end", data={})
    assert "Confirm it is you" in asked.get_data(as_text=True)
    assert signed_in_as(phone) == official.id
    laptop.post("/auth/sessions/end", data={"identity_check": "1", "identity_password": PASSWORD})
    assert signed_in_as(phone) is None
