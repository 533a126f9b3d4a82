"""Compliance cases: every flag about one official and one organisation, decided once.

A case groups the flags of one official about one organisation (same identifier, or the same
organisation by the engine's name comparison), declared and undeclared kept apart. It carries
the workflow (who it is assigned to, questions to the official, escalation, the decision), the
internal notes the official never sees, and the evidence. Its exposure (awards, values, dates)
is kept on the row, refreshed whenever its flags change, so the queue can sort and filter by it.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from register.clock import utcnow
from register.models.base import Base, UTCDateTime
from register.models.people import Department, User

CASE_OPEN = "open"
CASE_ASSIGNED = "assigned"
CASE_INFORMATION_REQUESTED = "information_requested"
CASE_ESCALATED = "escalated"
CASE_DECIDED = "decided"
CASE_REOPENED = "reopened"
CASE_STATES = {
    CASE_OPEN: "Open",
    CASE_ASSIGNED: "Assigned",
    CASE_INFORMATION_REQUESTED: "Information requested",
    CASE_ESCALATED: "Escalated",
    CASE_DECIDED: "Decided",
    CASE_REOPENED: "Reopened",
}
# The states in which a case waits for compliance (everything but decided).
WAITING_STATES = frozenset(CASE_STATES) - {CASE_DECIDED}
RISK_ORDER = {"high": 3, "medium": 2, "low": 1}


class Case(Base):
    """One official and one organisation: the flags about them, and the work on them."""

    __tablename__ = "compliance_case"

    id: Mapped[int] = mapped_column(primary_key=True)
    official_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # declared or undeclared (models.flags)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    organisation_name: Mapped[str] = mapped_column(String(500))
    # The organisation's identifier in one form ("GB-COH:07125387"), when a flag gave one.
    organisation_identifier: Mapped[str | None] = mapped_column(String(120), index=True)
    state: Mapped[str] = mapped_column(String(30), default=CASE_OPEN, index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    escalated_to_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The day the case's age counts from: when it opened, or when it last reopened.
    age_from: Mapped[date] = mapped_column(Date, index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(40))  # the current decision's
    reopened_reason: Mapped[str | None] = mapped_column(Text)
    # Exposure, over the case's active flags (refreshed with them).
    award_count: Mapped[int] = mapped_column(Integer, default=0)
    total_value: Mapped[Decimal] = mapped_column(Numeric(18, 2), default=Decimal(0), index=True)
    own_department_value: Mapped[Decimal] = mapped_column(Numeric(18, 2), default=Decimal(0))
    first_award_on: Mapped[date | None] = mapped_column(Date)
    last_award_on: Mapped[date | None] = mapped_column(Date)
    top_score: Mapped[float] = mapped_column(Float, default=0.0, index=True)
    risk_level: Mapped[str] = mapped_column(String(10), default="low", index=True)
    risk_rank: Mapped[int] = mapped_column(Integer, default=1)  # RISK_ORDER, for sorting
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    official: Mapped[User] = relationship(foreign_keys=[official_id])
    department: Mapped[Department | None] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    escalated_to: Mapped[User | None] = relationship(foreign_keys=[escalated_to_id])

    @property
    def state_label(self) -> str:
        return CASE_STATES.get(self.state, self.state)

    @property
    def waiting(self) -> bool:
        return self.state in WAITING_STATES


Index("ix_compliance_case_queue", Case.state, Case.risk_rank, Case.top_score, Case.id)
Index("ix_compliance_case_official_kind", Case.official_id, Case.kind)


class CaseNote(Base):
    """An internal note on a case: compliance and auditors read it, the official never does."""

    __tablename__ = "case_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("compliance_case.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship()


class CaseQuestion(Base):
    """A question compliance asked the official about a case, and the official's answer."""

    __tablename__ = "case_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("compliance_case.id"), index=True)
    asked_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    question: Mapped[str] = mapped_column(Text)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    case: Mapped[Case] = relationship()
    asked_by: Mapped[User] = relationship()


class CaseEvidence(Base):
    """A file attached to a case: kept in the evidence store under its SHA-256 digest."""

    __tablename__ = "case_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("compliance_case.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(200))
    # Whether the file concerns the official (their personal-data download includes it).
    concerns_official: Mapped[bool] = mapped_column(Boolean, default=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    uploaded_by: Mapped[User] = relationship()
