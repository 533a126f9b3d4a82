"""An email holding a single-use link reaches the person over SMTP, then the outbox forgets it."""

from flask import current_app
from sqlalchemy import select

from register.auth.invitations import send_invitation, send_password_reset
from register.extensions import db
from register.models import OutboundEmail
from register.models.email import SENT
from register.notify.mail import MailSettings, send_pending
from register.notify.outbox import FORGOTTEN_BODY, queue_email
from tests.auth.links import link_in


def test_a_sent_link_is_not_kept_in_the_outbox(app, client, smtp_server, make_user):
    invited, resetting = make_user("official"), make_user("auditor")
    send_invitation(db.session, invited, actor=None)
    send_password_reset(db.session, resetting, actor=None)
    queue_email(db.session, "plain@example.gov.uk", "Plain", "An ordinary body", kind="test")
    db.session.commit()
    assert send_pending(db.session, MailSettings.from_config(current_app.config)).sent == 3
    received = {m["To"]: m.get_payload(decode=True).decode() for m in smtp_server.messages}
    paths = [link_in(received[person.email]) for person in (invited, resetting)]
    stored = {e.to: e for e in db.session.scalars(select(OutboundEmail))}
    assert all(e.status == SENT for e in stored.values())
    assert stored[invited.email].body == stored[resetting.email].body == FORGOTTEN_BODY
    assert stored["plain@example.gov.uk"].body == "An ordinary body"
    for path in paths:  # the links still work: only the database's copy is gone
        assert client.get(path).status_code == 200
