"""Absolute links for emails, built from the register's BASE_URL (no Flask).

An email is read outside the register, so its links must carry the site's address. The app's
database sessions carry BASE_URL in `Session.info` (register.extensions), so an email composed in
a request, a command or a cron job links to the same place.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

BASE_URL_KEY = "register.base_url"


def absolute_url(session: Session, path: str) -> str:
    """The address of `path` (for example /review/flags/7) on the register's site."""
    base = session.info.get(BASE_URL_KEY)
    if not base:
        raise LookupError("this database session does not know the register's BASE_URL")
    return f"{base.rstrip('/')}/{path.lstrip('/')}"
