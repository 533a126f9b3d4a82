"""Who a test client is signed in as, read from the server-side session its cookie names."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from register.auth.sessions import key_hash
from register.extensions import db
from register.models import UserSession


def signed_in_as(client: Any) -> int | None:
    """The id of the user of the live server-side session whose key the client's cookie holds."""
    with client.session_transaction() as session:
        key = session.get("_user_id")
    if not key:
        return None
    return db.session.scalar(
        select(UserSession.user_id).where(
            UserSession.key_hash == key_hash(key), UserSession.ended_at.is_(None)
        )
    )
