"""Server-side sessions: each sign-in starts one, with a new random key in the cookie.

The cookie is only a pointer. A session is accepted while it has not ended, its user is
active and still on the credential generation it started with (`User.session_token`, which a
new password or a deactivation rotates: every session of the person ends), it was used within
the idle timeout and started within the absolute lifetime. All of it is checked here, on the
server, so a replayed cookie past any limit is refused whatever the browser does with it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from register import clock
from register.models import User, UserSession

# Last-seen is written at most this often per session: not a database write per request.
LAST_SEEN_RESOLUTION = timedelta(minutes=1)

SIGNED_OUT = "signed_out"
IDLE = "idle"
EXPIRED = "expired"


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta
    lifetime: timedelta


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def start_session(
    session: Session, user: User, *, method: str, ip_address: str | None = None
) -> str:
    """Start a session of `user` and return its key (for the cookie; never stored)."""
    key = secrets.token_urlsafe(32)
    now = clock.utcnow()
    session.add(
        UserSession(
            user_id=user.id,
            key_hash=key_hash(key),
            generation=user.session_token,
            method=method,
            ip_address=ip_address,
            started_at=now,
            last_seen_at=now,
        )
    )
    session.flush()
    return key


def session_user(session: Session, key: str, policy: SessionPolicy) -> User | None:
    """The user of the live session with `key`, or None. A session found past its idle or
    absolute limit is ended; last-seen moves on at most once a minute. Flushes only."""
    found = session.execute(
        select(UserSession, User)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.key_hash == key_hash(key), UserSession.ended_at.is_(None))
    ).first()
    if found is None:
        return None
    user_session, user = found
    if user_session.generation != user.session_token or not user.is_active:
        return None
    now = clock.utcnow()
    reason = _past_limit(user_session, policy, now)
    if reason is not None:
        user_session.ended_at, user_session.end_reason = now, reason
        session.flush()
        return None
    if now - user_session.last_seen_at >= LAST_SEEN_RESOLUTION:
        user_session.last_seen_at = now
        session.flush()
    return user


def _past_limit(user_session: UserSession, policy: SessionPolicy, now: datetime) -> str | None:
    if now - user_session.started_at >= policy.lifetime:
        return EXPIRED
    # Last-seen may lag by up to LAST_SEEN_RESOLUTION; the idle limit is counted from it.
    if now - user_session.last_seen_at >= policy.idle:
        return IDLE
    return None


def end_session(session: Session, key: str, *, reason: str = SIGNED_OUT) -> None:
    """End the session with `key` (sign-out): its cookie is worthless from now on."""
    session.execute(
        update(UserSession)
        .where(UserSession.key_hash == key_hash(key), UserSession.ended_at.is_(None))
        .values(ended_at=clock.utcnow(), end_reason=reason)
    )
