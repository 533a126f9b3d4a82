"""Reminders sent to officials who have not filed their declaration."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from register.clock import utcnow
from register.models.base import Base, UTCDateTime
from register.models.email import OutboundEmail
from register.models.people import User

MANUAL = "manual"
SCHEDULED = "scheduled"


class Reminder(Base):
    """A reminder sent to an official who has not filed; scheduled ones once per schedule point."""

    __tablename__ = "reminder"
    __table_args__ = (
        UniqueConstraint("cycle_id", "official_id", "schedule_point"),
        # At most one reminder per official, cycle and (UK) day, whoever or whatever sends it.
        UniqueConstraint("cycle_id", "official_id", "sent_on", name="uq_reminder_once_a_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("declaration_cycle.id"), index=True)
    official_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # MANUAL or SCHEDULED
    # "due-14", "due-3", "overdue-1", "overdue-2"...; NULL for manual reminders.
    schedule_point: Mapped[str | None] = mapped_column(String(20))
    email_to: Mapped[str] = mapped_column(String(254))
    outbound_email_id: Mapped[int | None] = mapped_column(ForeignKey("outbound_email.id"))
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # The UK day it was sent (NULL only for duplicates from before migration 0014).
    sent_on: Mapped[date | None] = mapped_column(Date)

    official: Mapped[User] = relationship(foreign_keys=[official_id])
    sent_by: Mapped[User | None] = relationship(foreign_keys=[sent_by_id])
    email: Mapped[OutboundEmail | None] = relationship()
