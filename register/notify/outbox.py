"""The outbox: emails are queued in the caller's transaction and sent later."""

from __future__ import annotations

from sqlalchemy.orm import Session

from register.clock import utcnow
from register.models.email import QUEUED, OutboundEmail


def queue_email(session: Session, to: str, subject: str, body: str, *, kind: str) -> OutboundEmail:
    """Queue one email in the caller's transaction: it commits or rolls back with the action."""
    now = utcnow()
    email = OutboundEmail(
        to=to,
        subject=subject[:300],
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
