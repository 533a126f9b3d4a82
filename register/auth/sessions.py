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
from register.audit.log import record
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


def live_sessions(session: Session, user: User, policy: SessionPolicy) -> list[UserSession]:
    """The person's sessions that would still be accepted now, most recently used first."""
    now = clock.utcnow()
    rows = session.scalars(
        select(UserSession)
        .where(
            UserSession.user_id == user.id,
            UserSession.ended_at.is_(None),
            UserSession.generation == user.session_token,
        )
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
    ).all()
    return [row for row in rows if _past_limit(row, policy, now) is None]


def end_own_sessions(
    session: Session,
    user: User,
    *,
    current_key: str,
    session_id: int | None,
    ip_address: str | None = None,
) -> int:
    """End one of the person's other sessions (`session_id`), or every other one (None), from
    the "Your sessions" page (audited). The session the request comes from is never ended here:
    that is what signing out does. Returns how many ended."""
    statement = (
        update(UserSession)
        .where(
            UserSession.user_id == user.id,
            UserSession.ended_at.is_(None),
            UserSession.key_hash != key_hash(current_key),
        )
        .values(ended_at=clock.utcnow(), end_reason=SIGNED_OUT)
    )
    if session_id is not None:
        statement = statement.where(UserSession.id == session_id)
    ended = int(session.execute(statement).rowcount or 0)  # type: ignore[attr-defined]
    record(
        session,
        "auth.sessions_ended",
        f"{user.email} signed out {ended} other session(s)",
        actor=user,
        object_type="user",
        object_id=user.id,
        ip_address=ip_address,
        details={"ended": ended, "which": "one" if session_id is not None else "every other"},
    )
    return ended
