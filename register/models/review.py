"""Management plans for managed conflicts, and the review queue's indexes."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from register.clock import utcnow
from register.models.base import Base, UTCDateTime
from register.models.flags import Decision, Flag
from register.models.people import User

PLAN_ACTIVE = "active"
PLAN_COMPLETED = "completed"
PLAN_LAPSED = "lapsed"
PLAN_STATUSES = {PLAN_ACTIVE: "Active", PLAN_COMPLETED: "Completed", PLAN_LAPSED: "Lapsed"}

CONSTRAINTS = {
    "recusal": "Recusal from procurement decisions involving the organisation",
    "no_contact": "No contact with the bid team",
    "divestment": "Divestment by a date",
    "panel_removal": "Removal from evaluation panels",
    "other": "Other (described below)",
}


class ManagementPlan(Base):
    """The agreed constraints for a managed conflict; changes are audited with before/after."""

    __tablename__ = "management_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    flag_id: Mapped[int] = mapped_column(ForeignKey("flag.id"), index=True)
    # The case the plan covers: every flag of it, and new awards while the plan is active.
    case_id: Mapped[int | None] = mapped_column(ForeignKey("compliance_case.id"), index=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision.id"))
    official_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    constraints: Mapped[str] = mapped_column(Text)  # comma-separated CONSTRAINTS keys
    details: Mapped[str] = mapped_column(Text, default="")
    divest_by: Mapped[date | None] = mapped_column(Date)
    review_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(20), default=PLAN_ACTIVE, index=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    flag: Mapped[Flag] = relationship()
    decision: Mapped[Decision] = relationship()
    official: Mapped[User] = relationship(foreign_keys=[official_id])
    owner: Mapped[User] = relationship(foreign_keys=[owner_id])

    @property
    def constraint_keys(self) -> list[str]:
        return [key for key in self.constraints.split(",") if key]

    @property
    def constraint_labels(self) -> list[str]:
        return [CONSTRAINTS.get(key, key) for key in self.constraint_keys]

    @property
    def status_label(self) -> str:
        return PLAN_STATUSES.get(self.status, self.status)


# Review queue and dashboard indexes on tables owned elsewhere (created by migration 0003).
Index("ix_flag_review_order", Flag.active, Flag.score, Flag.id)  # keyset walk, best first
Index("ix_flag_review_scope", Flag.department_id, Flag.status, Flag.active)  # counts per scope
Index("ix_decision_decided_at", Decision.decided_at)
