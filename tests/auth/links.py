"""Helpers for the set-password link tests: read links from the outbox, move the clock."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from register import clock
from register.extensions import db
from register.models import AuditEntry, OutboundEmail

LINK = re.compile(r"https?://\S+/auth/set-password/[A-Za-z0-9_-]+")


def emails_to(address: str, kind: str | None = None) -> list[OutboundEmail]:
    db.session.expire_all()
    statement = select(OutboundEmail).where(OutboundEmail.to == address)
    if kind:
        statement = statement.where(OutboundEmail.kind == kind)
    return list(db.session.scalars(statement.order_by(OutboundEmail.id)))


def link_in(text: str) -> str:
    """The path of the one set-password link in an email body or terminal output."""
    found = LINK.findall(text)
    assert len(found) == 1, text
    return urlsplit(found[0]).path


def last_link_to(address: str, kind: str | None = None) -> str:
    sent = emails_to(address, kind)
    assert sent, f"no email to {address}"
    return link_in(sent[-1].body)


def audited(action: str) -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def set_password(client, path: str, password: str, confirm: str | None = None):  # type: ignore[no-untyped-def]
    return client.post(
        path, data={"new_password": password, "confirm_password": confirm or password}
    )


def move_clock_to(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    """Make it `moment` for the register's clock (register.clock.utcnow)."""
    monkeypatch.setattr(clock, "utcnow", lambda: moment)
