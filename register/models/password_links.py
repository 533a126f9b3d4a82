"""Single-use links that let a person set their own password (an invitation or a reset)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from register.clock import utcnow
from register.models.base import Base, UTCDateTime
from register.models.people import User

INVITATION = "invitation"
RESET = "reset"


class PasswordLink(Base):
    """A set-password link sent by email (or printed for the first administrator).

    Only the SHA-256 of its random token is stored. It works once (`used_at`), until
    `expires_at`, and not after a newer link of the same purpose replaced it (`revoked_at`)."""

    __tablename__ = "password_link"
    __table_args__ = (Index("ix_password_link_user_purpose", "user_id", "purpose", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(20))  # INVITATION or RESET
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
