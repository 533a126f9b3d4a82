"""API tokens: made by their owner (or by an administrator for a service account), shown once,
stored as a SHA-256 hash, limited to scopes the owner's role allows, expiring within a year,
rate-limited per token in the database; every change and every read of personal data audited."""

from __future__ import annotations

import hashlib
import math
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import case, literal, select, update
from sqlalchemy.orm import Session

from register import access
from register.audit.log import record
from register.clock import local_midnight, today, utcnow
from register.models import ApiToken, User
from register.models.base import UTCDateTime
from register.models.people import ADMIN

TOKEN_PREFIX = "rgi_"  # noqa: S105 - a marker, not a secret  # nosec B105
MAX_LIFETIME_DAYS = 365
RATE_WINDOW = timedelta(minutes=1)


class TokenError(Exception):
    """A token that may not be made as asked; the message says why (and `field` where)."""

    def __init__(self, message: str, field: str = "name") -> None:
        super().__init__(message)
        self.field = field


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def latest_expiry() -> date:
    """The last day a token made today may be chosen to work until."""
    return today() + timedelta(days=MAX_LIFETIME_DAYS)


def may_mint_for(actor: User, owner: User) -> bool:
    """People make their own tokens; an administrator makes them for service accounts only,
    never for another person (who would then be impersonated by whoever holds the token)."""
    if owner.is_service_account:
        return actor.role == ADMIN and actor.id != owner.id
    return actor.id == owner.id


def create_token(
    session: Session,
    owner: User,
    name: str,
    *,
    scopes: Collection[str],
    expires_on: date | None,
    actor: User,
    ip_address: str | None = None,
) -> tuple[ApiToken, str]:
    """Create a token for `owner` (audited); returns the row and the token text, which is
    never stored. It works until the end of `expires_on` (UK time), at most a year away."""
    if not may_mint_for(actor, owner):
        raise TokenError(
            "Administrators make tokens only for service accounts; people make their own",
            "owner",
        )
    name = name.strip()
    if not name or len(name) > 100:
        raise TokenError("Enter a name for the token (100 characters or fewer)")
    allowed = access.api_scopes(owner)
    chosen = [scope for scope in allowed if scope in scopes]
    refused = sorted(set(scopes) - set(allowed))
    if refused:
        raise TokenError(
            f"A {owner.role_label.lower()} cannot have the scope {', '.join(refused)}", "scopes"
        )
    if not chosen:
        raise TokenError("Choose what the token may do", "scopes")
    if expires_on is None:
        raise TokenError("Enter the date the token stops working", "expires_on")
    if expires_on < today():
        raise TokenError("The expiry date must be today or later", "expires_on")
    if expires_on > latest_expiry():
        raise TokenError(
            f"A token can work for at most a year: choose {latest_expiry():%-d %B %Y} or earlier",
            "expires_on",
        )
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=owner.id,
        name=name,
        token_hash=hash_token(token),
        prefix=token[:12],
        scopes=" ".join(chosen),
        created_by_id=actor.id,
        expires_at=local_midnight(expires_on + timedelta(days=1)),
    )
    session.add(row)
    session.flush()
    record(
        session,
        "api.token_created",
        f"Created API token {row.prefix}… ({row.name}) for {owner.email}",
        actor=actor,
        object_type="api_token",
        object_id=row.id,
        ip_address=ip_address,
        details={
            "role": owner.role,
            "owner": owner.email,
            "service_account": owner.is_service_account,
            "scopes": chosen,
            "expires_at": row.expires_at.isoformat(),
        },
    )
    return row, token


def tokens_visible_to(session: Session, actor: User, *, service_accounts: bool) -> list[ApiToken]:
    """The tokens a page lists: the actor's own, or (administrators) the service accounts'."""
    statement = select(ApiToken).join(User, User.id == ApiToken.user_id)
    if service_accounts:
        if actor.role != ADMIN:
            return []
        statement = statement.where(User.is_service_account.is_(True))
    else:
        statement = statement.where(ApiToken.user_id == actor.id)
    return list(session.scalars(statement.order_by(ApiToken.created_at.desc(), ApiToken.id)))


def may_revoke(actor: User, row: ApiToken) -> bool:
    return row.user_id == actor.id or may_mint_for(actor, row.user)


def revoke_token(
    session: Session, row: ApiToken, actor: User, *, ip_address: str | None = None
) -> bool:
    """Revoke a token (audited); returns whether it was still live."""
    if not may_revoke(actor, row):
        raise TokenError("That is not your token", "owner")
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


def authenticate(session: Session, header: str | None) -> ApiToken | None:
    """The live token of a `Bearer` header whose owner is active, or None (no token, unknown,
    revoked, expired, or its owner deactivated)."""
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip().startswith(TOKEN_PREFIX):
        return None
    row = session.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == hash_token(token.strip()), ApiToken.revoked_at.is_(None)
        )
    )
    if row is None or row.expires_at <= utcnow() or not row.user.active:
        return None
    return row


def count_request(session: Session, row: ApiToken, *, per_minute: int) -> int | None:
    """Count one request of `row` in its current minute and record when it was last used;
    returns the seconds to wait when that makes more than `per_minute`, else None.

    One UPDATE reads and bumps the count (SET sees the row as it was), and it locks the row, so
    concurrent requests on any worker or server each see their own count."""
    now = utcnow()
    current = ApiToken.rate_window_start > now - RATE_WINDOW
    started, count = session.execute(
        update(ApiToken)
        .where(ApiToken.id == row.id)
        .values(
            rate_window_count=case((current, ApiToken.rate_window_count + 1), else_=1),
            rate_window_start=case(
                (current, ApiToken.rate_window_start), else_=literal(now, UTCDateTime)
            ),
            last_used_at=now,
        )
        .returning(ApiToken.rate_window_start, ApiToken.rate_window_count)
        .execution_options(synchronize_session=False)
    ).one()
    session.expire(row, ["rate_window_start", "rate_window_count", "last_used_at"])
    if count <= per_minute or started is None:
        return None
    return max(1, math.ceil((started + RATE_WINDOW - now).total_seconds()))


@dataclass(frozen=True)
class ApiRead:
    """What an API call read: the endpoint, the filters it was asked with, how many records."""

    endpoint: str
    filters: dict[str, Any]
    records: int


def record_api_read(
    session: Session, row: ApiToken, read: ApiRead, *, ip_address: str | None = None
) -> None:
    """Audit a read of personal data through the API, as the same export would be."""
    record(
        session,
        "api.read",
        f"API {read.endpoint}: {read.records} record(s) read with token {row.prefix}… ({row.name})",
        actor=row.user,
        object_type="api_token",
        object_id=row.id,
        ip_address=ip_address,
        details={
            "token": f"{row.prefix}… ({row.name})",
            "endpoint": read.endpoint,
            "filters": read.filters,
            "records": read.records,
        },
    )
