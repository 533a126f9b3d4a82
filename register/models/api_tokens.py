"""API tokens: stored as hashes, each acting with its owner's role, within its scopes."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from register.clock import local_date, utcnow
from register.models.base import Base, UTCDateTime
from register.models.people import User


class ApiToken(Base):
    """A per-user API token; only its SHA-256 is stored. It may do what its scopes name and its
    owner's role allows (register.access.API_SCOPES), until it expires or is revoked."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))  # shown in lists to tell tokens apart
    scopes: Mapped[str] = mapped_column(String(200), default="")  # space-separated
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The rate limit's fixed window, kept in the database so it holds across every worker and
    # server: when the current minute began and how many requests it has seen.
    rate_window_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rate_window_count: Mapped[int] = mapped_column(Integer, default=0)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()

    @property
    def last_day(self) -> date:
        """The last UK day the token works (it expires at the midnight that ends it)."""
        return local_date(self.expires_at - timedelta(microseconds=1))
