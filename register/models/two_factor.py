"""Two-factor authentication: a person's authenticator (TOTP) and their recovery codes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from register.clock import utcnow
from register.models.base import Base, UTCDateTime


class TwoFactor(Base):
    """One row a person, made when they first meet a second step (set-up, code or identity
    check): their TOTP secret once they start setting it up, and the counts that must hold
    across every worker and server (the last time step accepted, wrong answers to the
    challenge that is open)."""

    __tablename__ = "two_factor"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    # Base32, as authenticator apps take it; None until the person starts setting one up.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    # None while the set-up waits for its first valid code.
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The last 30-second step whose code was accepted: that code and earlier ones are refused.
    last_used_step: Mapped[int | None] = mapped_column(BigInteger)
    # The password-verified time of the pending sign-in these failures count for.
    challenge_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def enrolled(self) -> bool:
        return self.totp_secret is not None and self.confirmed_at is not None


class RecoveryCode(Base):
    """A single-use recovery code, stored as an Argon2 hash (its own salt), never in clear."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
