"""Flags raised by the matching engine, and the compliance decisions on them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    event,
    func,
    inspect,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from register.clock import utcnow
from register.models.awards import Award, AwardSupplier
from register.models.base import Base, UTCDateTime
from register.models.cases import Case
from register.models.declarations import ImmutableRecordError, Interest
from register.models.people import User

OPEN = "open"
DECIDED = "decided"
REOPENED = "reopened"
# Escalated: waiting for the person it was escalated to (Flag.escalated_to_id); only a final
# decision (any other outcome) ends it.
ESCALATED_STATUS = "escalated"
# Covered: a new award under a case decided as a managed conflict whose plan still applies
# (register.cases); the case's decision covers it, and it waits for nobody.
COVERED = "covered"


DECLARED = "declared"
UNDECLARED = "undeclared"
# A flag's (and a case's) risk levels, highest first, as filters offer them.
RISK_LEVELS = [("high", "High"), ("medium", "Medium"), ("low", "Low")]


class Flag(Base):
    """A possible conflict: one declared organisation against one award supplier.

    Identity is (interest lineage, source key, award supplier), so re-runs update a flag in place
    and a decision is never duplicated or lost. An "undeclared" flag (register.ownership) has no
    interest: its lineage names the official and the company whose officer they appear to be.
    """

    __tablename__ = "flag"
    __table_args__ = (UniqueConstraint("interest_lineage", "source_key", "award_supplier_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    interest_lineage: Mapped[str] = mapped_column(String(32))
    source_key: Mapped[str] = mapped_column(String(40))
    award_supplier_id: Mapped[int] = mapped_column(ForeignKey("award_supplier.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default=DECLARED, server_default=DECLARED)
    interest_id: Mapped[int | None] = mapped_column(ForeignKey("interest.id"), index=True)
    declaration_version_id: Mapped[int | None] = mapped_column(ForeignKey("declaration_version.id"))
    official_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("award.id"), index=True)
    organisation_name: Mapped[str] = mapped_column(String(500))
    supplier_name: Mapped[str] = mapped_column(String(500))
    award_value: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    score: Mapped[float] = mapped_column(Float, index=True)
    name_score: Mapped[float] = mapped_column(Float)
    risk_level: Mapped[str] = mapped_column(String(10), index=True)
    reasons: Mapped[str] = mapped_column(Text)  # JSON list of {code, text, weight}
    explanation: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=OPEN, index=True)
    # False when a later screening no longer finds the match (kept for the record).
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    interest_digest: Mapped[str] = mapped_column(String(64))
    award_digest: Mapped[str] = mapped_column(String(64))
    reopened_reason: Mapped[str | None] = mapped_column(Text)
    # Who an escalated flag waits for; cleared by the final decision.
    escalated_to_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    # The compliance case it belongs to (register.cases files every flag in one).
    case_id: Mapped[int | None] = mapped_column(ForeignKey("compliance_case.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case | None] = relationship()
    interest: Mapped[Interest | None] = relationship()
    award: Mapped[Award] = relationship()
    award_supplier: Mapped[AwardSupplier] = relationship()
    official: Mapped[User] = relationship(foreign_keys=[official_id])
    escalated_to: Mapped[User | None] = relationship(foreign_keys=[escalated_to_id])
    decisions: Mapped[list[Decision]] = relationship(back_populates="flag", order_by="Decision.id")

    @property
    def current_decision(self) -> Decision | None:
        return next((d for d in reversed(self.decisions) if d.superseded_by_id is None), None)


Index("ix_flag_queue", Flag.status, Flag.active, Flag.score)
# The flag page's related flags match names case aside (migration 0007).
for _column in (Flag.supplier_name, Flag.organisation_name):
    Index(f"ix_flag_{_column.key}_lower", func.lower(_column))

NOT_SAME = "not_same_organisation"
SAME_NO_CONFLICT = "same_no_conflict"
MANAGED = "conflict_managed"
ESCALATED = "escalated"
OUTCOMES = {
    NOT_SAME: "Not the same organisation",
    SAME_NO_CONFLICT: "Same organisation, no conflict",
    MANAGED: "Conflict, managed",
    ESCALATED: "Escalated",
}
DECLARED_OTHER_NAME = "declared_other_name"
NOT_SAME_PERSON = "not_same_person"
REFERRED = "undeclared_referred"
UNDECLARED_OUTCOMES = {
    DECLARED_OTHER_NAME: "Declared under another name",
    NOT_SAME_PERSON: "Not the same person",
    REFERRED: "Undeclared: referred",
}
ALL_OUTCOMES = OUTCOMES | UNDECLARED_OUTCOMES
# What bulk dismissal of a clear false positive records, by kind of flag.
DISMISSALS = {DECLARED: NOT_SAME, UNDECLARED: NOT_SAME_PERSON}


def outcomes_for(kind: str) -> dict[str, str]:
    """The decisions open to a flag of this kind."""
    return UNDECLARED_OUTCOMES if kind == UNDECLARED else OUTCOMES


class Decision(Base):
    """A compliance decision; never edited: a new decision supersedes it and both are kept."""

    __tablename__ = "decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    flag_id: Mapped[int] = mapped_column(ForeignKey("flag.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    interest_digest: Mapped[str] = mapped_column(String(64))  # what was decided on
    award_digest: Mapped[str] = mapped_column(String(64))
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("decision.id"))
    escalated_to_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))  # escalations

    flag: Mapped[Flag] = relationship(back_populates="decisions")
    decided_by: Mapped[User] = relationship(foreign_keys=[decided_by_id])
    escalated_to: Mapped[User | None] = relationship(foreign_keys=[escalated_to_id])

    @property
    def outcome_label(self) -> str:
        return ALL_OUTCOMES.get(self.outcome, self.outcome)


def _stored_supersession(connection: Any, target: Decision) -> int | None:
    """What the database holds (the attribute's history is empty once the object expired)."""
    return connection.scalar(select(Decision.superseded_by_id).where(Decision.id == target.id))


@event.listens_for(Decision, "before_update")
def _refuse_decision_edit(mapper: object, connection: Any, target: Decision) -> None:
    """A decision is never edited: only its first supersession may be recorded on it."""
    state = inspect(target)
    for attribute in state.mapper.column_attrs:
        history = state.attrs[attribute.key].history
        if not history.has_changes():
            continue
        if attribute.key == "superseded_by_id" and not _stored_supersession(connection, target):
            continue
        raise ImmutableRecordError(f"decision {target.id} cannot be changed ({attribute.key})")


@event.listens_for(Decision, "before_delete")
def _refuse_decision_delete(mapper: object, connection: object, target: Decision) -> None:
    raise ImmutableRecordError(f"decision {target.id} cannot be deleted")
