"""What every entry point (view, API call, command) shares: the running app's settings and the
one helper that owns its transaction.

Services flush and write their audit entries; they never commit. The entry point wraps its work
in `transaction()`, which commits when the block finishes and rolls back when it raises, so a
failed request or command never leaves half its changes behind.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app
from sqlalchemy.orm import Session

from register import access, clock
from register.audit import log as audit_log
from register.extensions import db
from register.ingest import streams
from register.settings import Settings

SETTINGS_KEY = "register.settings"


def init_app(app: Flask) -> None:
    """Build the settings once from the app's configuration, and set the display clock."""
    settings = Settings.from_config(app.config)
    app.extensions[SETTINGS_KEY] = settings
    clock.use_display_zone(settings.display_timezone)
    audit_log.use_key(settings.audit_key)
    access.use_procurement_lead_roles(settings.procurement_lead_roles)
    streams.use_limits(settings.ingest_limits)


def settings() -> Settings:
    """The running app's settings."""
    found: Settings = current_app.extensions[SETTINGS_KEY]
    return found


def session() -> Session:
    """The request's (or command's) database session, typed as the services take it."""
    return db.session()


@contextmanager
def transaction() -> Iterator[Session]:
    """The entry point's unit of work: commit when the block succeeds, roll back if it raises."""
    current = session()
    try:
        yield current
    except BaseException:
        current.rollback()
        raise
    current.commit()
