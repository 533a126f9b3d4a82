"""Sign-in throttles and server-side sessions: in the database, so every worker and server
sees the same counts and can end the same sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from register.clock import utcnow
from register.models.base import Base, UTCDateTime
from register.models.people import User

# What a throttle counts failures of (register.auth.throttle).
ACCOUNT_AT_ADDRESS = "account_address"  # one account from one client address
ADDRESS = "address"  # every account from one client address
ACCOUNT = "account"  # one account from every client without its device cookie
DEVICE = "device"  # one account from one browser holding its device cookie
THROTTLE_SCOPES = (ACCOUNT_AT_ADDRESS, ADDRESS, ACCOUNT, DEVICE)


class SignInThrottle(Base):
    """Failed attempts counted under one key; past the free ones, attempts wait until
    `blocked_until`. Keys are empty strings, never NULL, so the unique constraint holds."""

    __tablename__ = "sign_in_throttle"
    __table_args__ = (
        UniqueConstraint("scope", "account", "address", "device", name="uq_sign_in_throttle_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(20))
    # The email as typed, lower-cased: unknown emails are throttled like real ones, so the
    # delays do not tell which exist.
    account: Mapped[str] = mapped_column(String(254), index=True, default="")
    address: Mapped[str] = mapped_column(String(64), default="")
    device: Mapped[str] = mapped_column(String(64), default="")
    failures: Mapped[int] = mapped_column(Integer, default=0)
    first_failure_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the owner was last told their account is being attacked (account rows only).
    owner_warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class UserSession(Base):
    """One signed-in browser. The cookie holds a random key; only its SHA-256 is stored. The
    session is valid while the user's credential generation (`User.session_token`) is the one
    it was started with, it has not ended, and it is within its idle and absolute limits."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    generation: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(20))  # how the identity was proved: "password"...
    ip_address: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(20))

    user: Mapped[User] = relationship()
