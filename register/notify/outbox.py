"""The outbox: emails are queued in the caller's transaction and sent later."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from register.clock import utcnow
from register.models.email import QUEUED, OutboundEmail

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
MAX_SUBJECT = 300
# Emails whose body holds a single-use set-password link (register.auth.invitations): once
# sent, the outbox forgets the body, so neither the database nor its backups keep a usable link.
INVITATION_EMAIL, RESET_EMAIL = "auth.invitation", "auth.password_reset"
ONE_TIME_LINK_KINDS = frozenset({INVITATION_EMAIL, RESET_EMAIL})
FORGOTTEN_BODY = "(Removed once sent: it held a single-use link.)"


def one_line_subject(subject: str) -> str:
    """A subject as one header line: line breaks and control characters (which would make the
    message impossible to send, or inject headers) become spaces."""
    return " ".join(_CONTROL.sub(" ", subject).split())[:MAX_SUBJECT] or "(no subject)"


def queue_email(session: Session, to: str, subject: str, body: str, *, kind: str) -> OutboundEmail:
    """Queue one email in the caller's transaction: it commits or rolls back with the action."""
    if _CONTROL.search(to) or "@" not in to:
        raise ValueError(f"not an email address: {to!r}")
    now = utcnow()
    email = OutboundEmail(
        to=to,
        subject=one_line_subject(subject),
        body=body,
        kind=kind,
        status=QUEUED,
        attempts=0,
        created_at=now,
        next_attempt_at=now,
    )
    session.add(email)
    session.flush()
    return email
