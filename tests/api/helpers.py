"""API tokens for tests, made through register.api.services.create_token as their owners make
them."""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta

from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from register import access
from register.api.services import create_token
from register.clock import today
from register.models import ApiToken, User
from register.models.people import AUDITOR
from tests.conftest import date_fields


def make_token(
    session: Session,
    user: User,
    name: str = "test",
    *,
    scopes: Collection[str] | None = None,
    days: int = 30,
    actor: User | None = None,
) -> tuple[ApiToken, str]:
    """A token of `user` with `scopes` (every scope its role allows by default), working for
    `days`; made by `actor` (a service account's administrator), else by `user` themselves.

    A role no scope allows (an official) gets the token it made while it was an auditor, as a
    person demoted since would still hold: the API must refuse it on the role."""
    role = user.role
    if not access.api_scopes(user):
        user.role = AUDITOR
    try:
        return create_token(
            session,
            user,
            name,
            scopes=access.api_scopes(user) if scopes is None else scopes,
            expires_on=today() + timedelta(days=days),
            actor=actor or user,
        )
    finally:
        user.role = role


def token_form(name: str, scopes: list[str], days: int | None = 30) -> MultiDict[str, str]:
    """The fields of the token form (a name, scopes, an expiry `days` from today)."""
    fields = [("name", name), *(("scopes", s) for s in scopes)]
    if days is not None:
        day = today() + timedelta(days=days)
        fields += date_fields("expires_on", day.day, day.month, day.year)
    return MultiDict(fields)
