"""API tokens: created for a user, shown once, stored as a SHA-256 hash, acting with the user's
role; revoked by an administrator. Every change is audited."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from register.audit.log import record
from register.clock import utcnow
from register.models import ApiToken, User

TOKEN_PREFIX = "rgi_"  # noqa: S105 - a marker, not a secret  # nosec B105


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    session: Session,
    user: User,
    name: str,
    *,
    created_by: User | None = None,
    ip_address: str | None = None,
) -> tuple[ApiToken, str]:
    """Create a token for `user` (audited); returns the row and the token text (never stored)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id,
        name=name.strip()[:100],
        token_hash=hash_token(token),
        prefix=token[:12],
        created_by_id=created_by.id if created_by else None,
    )
    session.add(row)
    session.flush()
    record(
        session,
        "api.token_created",
        f"Created API token {row.prefix}… ({row.name}) for {user.email}",
        actor=created_by,
        object_type="api_token",
        object_id=row.id,
        ip_address=ip_address,
        details={"role": user.role},
    )
    return row, token


def revoke_token(
    session: Session, row: ApiToken, actor: User, *, ip_address: str | None = None
) -> bool:
    """Revoke a token (audited); returns whether it was still live."""
    if row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    record(
        session,
        "api.token_revoked",
        f"Revoked API token {row.prefix}… ({row.name})",
        actor=actor,
        object_type="api_token",
        object_id=row.id,
        ip_address=ip_address,
    )
    return True


def revoke_every_token(
    session: Session, user: User, *, actor: User | None, reason: str, ip_address: str | None = None
) -> int:
    """Revoke every live token of `user` (one audit entry naming them); returns how many.

    A new password or a reset must leave nothing signed in with the old credentials: a token
    copied by whoever knew the old password is worthless from now on."""
    live = session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ).all()
    if not live:
        return 0
    now = utcnow()
    for row in live:
        row.revoked_at = now
    record(
        session,
        "api.tokens_revoked",
        f"Revoked {len(live)} API token(s) of {user.email}: {reason}",
        actor=actor,
        object_type="user",
        object_id=user.id,
        ip_address=ip_address,
        details={"tokens": [f"{row.prefix}… ({row.name})" for row in live], "reason": reason},
    )
    return len(live)


def authenticate(session: Session, header: str | None) -> User | None:
    """The active user a `Bearer` token belongs to, or None; records when it was last used."""
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip().startswith(TOKEN_PREFIX):
        return None
    row = session.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == hash_token(token.strip()), ApiToken.revoked_at.is_(None)
        )
    )
    if row is None or not row.user.active:
        return None
    row.last_used_at = utcnow()
    return row.user
