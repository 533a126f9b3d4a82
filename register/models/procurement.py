"""Procurements and their conflicts assessments (Procurement Act 2023, sections 81 to 83).

A procurement lists the people acting in relation to it (register users, or external people by
name) and the suppliers as they become known. The check compares every person with every
supplier; each actual or potential conflict is kept with the mitigation agreed for it. Each
person declares for the procurement and its listed suppliers. A conflicts assessment is an
immutable revision: the whole picture at one moment, with its digest and the audit chain's head.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from register.clock import utcnow
from register.models.awards import Award
from register.models.base import Base, UTCDateTime
from register.models.declarations import ImmutableRecordError
from register.models.people import Department, User

PLANNING = "planning"
TENDER_NOTICE = "tender_notice"
EVALUATION = "evaluation"
AWARD = "award"
CONTRACT = "contract"
STAGES = {
    PLANNING: "Planning",
    TENDER_NOTICE: "Tender notice published",
    EVALUATION: "Evaluation",
    AWARD: "Award",
    CONTRACT: "Contract",
}
STAGE_ORDER = list(STAGES)

PROCEDURES = {
    "open": "Open procedure",
    "competitive_flexible": "Competitive flexible procedure",
    "direct_award": "Direct award",
    "framework_call_off": "Call-off from a framework",
}

# Acting in relation to a procurement (s.81(3)): those who take or influence its decisions.
EVALUATOR = "evaluator"
DECISION_MAKER = "decision_maker"
ADVISER = "adviser"
INFLUENCER = "influencer"
CAPACITIES = {
    EVALUATOR: "Evaluation panel",
    DECISION_MAKER: "Decision maker",
    ADVISER: "Adviser",
    INFLUENCER: "Influences the decision",
}

RELATIONS = {
    "market_engagement": "took part in market engagement",
    "bidder": "is a bidder",
    "subcontractor": "is a subcontractor of a bidder",
}

ACTUAL = "actual"
POTENTIAL = "potential"

# Conflict kinds.
DECLARED_INTEREST = "declared_interest"
UNDECLARED_INTEREST = "undeclared_interest"
DECLARED_FOR_PROCUREMENT = "declared_for_procurement"
RELATIONSHIP = "relationship"
CONFLICT_KINDS = {
    DECLARED_INTEREST: "Declared interest",
    UNDECLARED_INTEREST: "Company records, not declared",
    DECLARED_FOR_PROCUREMENT: "Declared for this procurement",
    RELATIONSHIP: "Relationship with another person acting",
}

# Mitigations (s.82): what was agreed for a conflict.
REMOVAL = "removal"
RECUSAL = "recusal"
INFORMATION_BARRIER = "information_barrier"
SUPPLIER_EXCLUSION = "supplier_exclusion"
NO_ACTION = "no_action"
MITIGATIONS = {
    REMOVAL: "Removed from the procurement",
    RECUSAL: "Recused from decisions about this supplier",
    INFORMATION_BARRIER: "Information barrier",
    SUPPLIER_EXCLUSION: "Supplier excluded (s.82(2))",
    NO_ACTION: "No mitigation needed, with the reason recorded",
}
# Mitigations that keep a person away from decisions: they may not come back as a decision maker.
BARRING_MITIGATIONS = frozenset({REMOVAL, RECUSAL})

# A person's answer to the procurement's declaration request.
PENDING = "pending"
NO_CONFLICT = "no_conflict"
HAS_CONFLICT = "conflict"

PROCUREMENT_ATTESTATION = (
    "I declare that, for this procurement and the suppliers listed, what I have stated is "
    "complete and true, and I will declare any conflict of interest that arises while I act in "
    "relation to it (Procurement Act 2023, section 81)."
)


class Procurement(Base):
    __tablename__ = "procurement"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    reference: Mapped[str] = mapped_column(String(100), unique=True)
    ocid: Mapped[str | None] = mapped_column(String(200), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    estimated_value: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    procedure: Mapped[str] = mapped_column(String(40))
    stage: Mapped[str] = mapped_column(String(20), default=PLANNING, index=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When anything the assessment records last changed: a revision prepared before it is stale.
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    award_id: Mapped[int | None] = mapped_column(ForeignKey("award.id"), index=True)
    award_linked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    department: Mapped[Department] = relationship()
    lead: Mapped[User] = relationship()
    award: Mapped[Award | None] = relationship()
    people: Mapped[list[ProcurementPerson]] = relationship(
        back_populates="procurement", order_by="ProcurementPerson.id"
    )
    suppliers: Mapped[list[ProcurementSupplier]] = relationship(
        back_populates="procurement", order_by="ProcurementSupplier.id"
    )
    conflicts: Mapped[list[ProcurementConflict]] = relationship(
        back_populates="procurement", order_by="ProcurementConflict.id"
    )
    assessments: Mapped[list[ConflictsAssessment]] = relationship(
        back_populates="procurement", order_by="ConflictsAssessment.revision"
    )

    @property
    def stage_label(self) -> str:
        return STAGES.get(self.stage, self.stage)

    @property
    def procedure_label(self) -> str:
        return PROCEDURES.get(self.procedure, self.procedure)

    @property
    def latest_assessment(self) -> ConflictsAssessment | None:
        return self.assessments[-1] if self.assessments else None


class ProcurementPerson(Base):
    """Someone acting in relation to a procurement: a register user, or an external person."""

    __tablename__ = "procurement_person"

    id: Mapped[int] = mapped_column(primary_key=True)
    procurement_id: Mapped[int] = mapped_column(ForeignKey("procurement.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    capacity: Mapped[str] = mapped_column(String(30))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_reason: Mapped[str | None] = mapped_column(Text)

    procurement: Mapped[Procurement] = relationship(back_populates="people")
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    declarations: Mapped[list[ProcurementDeclaration]] = relationship(
        back_populates="person", order_by="ProcurementDeclaration.id"
    )

    @property
    def capacity_label(self) -> str:
        return CAPACITIES.get(self.capacity, self.capacity)

    @property
    def active(self) -> bool:
        return self.removed_at is None

    @property
    def latest_declaration(self) -> ProcurementDeclaration | None:
        return self.declarations[-1] if self.declarations else None


class ProcurementSupplier(Base):
    __tablename__ = "procurement_supplier"

    id: Mapped[int] = mapped_column(primary_key=True)
    procurement_id: Mapped[int] = mapped_column(ForeignKey("procurement.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    company_number: Mapped[str | None] = mapped_column(String(20), index=True)
    relation: Mapped[str] = mapped_column(String(30))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    excluded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    excluded_reason: Mapped[str | None] = mapped_column(Text)

    procurement: Mapped[Procurement] = relationship(back_populates="suppliers")

    @property
    def relation_label(self) -> str:
        return RELATIONS.get(self.relation, self.relation)


class ProcurementDeclaration(Base):
    """One request to a person to declare for the procurement and the suppliers listed then,
    and their answer with its attestation. Asked again when a supplier is added."""

    __tablename__ = "procurement_declaration"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("procurement_person.id"), index=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # External people answer through an emailed link; only its SHA-256 is kept.
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    suppliers: Mapped[str] = mapped_column(Text)  # JSON list of the supplier names asked about
    state: Mapped[str] = mapped_column(String(20), default=PENDING)
    details: Mapped[str | None] = mapped_column(Text)
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("procurement_supplier.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attestation_text: Mapped[str | None] = mapped_column(Text)
    attested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    attested_from_ip: Mapped[str | None] = mapped_column(String(64))
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    last_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[ProcurementPerson] = relationship(back_populates="declarations")
    supplier: Mapped[ProcurementSupplier | None] = relationship()


class ProcurementConflict(Base):
    """One actual or potential conflict found by the check or declared by the person."""

    __tablename__ = "procurement_conflict"
    __table_args__ = (UniqueConstraint("procurement_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    procurement_id: Mapped[int] = mapped_column(ForeignKey("procurement.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("procurement_person.id"), index=True)
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("procurement_supplier.id"))
    other_person_id: Mapped[int | None] = mapped_column(ForeignKey("procurement_person.id"))
    key: Mapped[str] = mapped_column(String(300))  # what found it, stable across re-checks
    kind: Mapped[str] = mapped_column(String(30))
    nature: Mapped[str] = mapped_column(String(20))  # actual or potential
    summary: Mapped[str] = mapped_column(Text)
    reasons: Mapped[str] = mapped_column(Text)  # JSON list of texts
    found_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # no longer found
    mitigation: Mapped[str | None] = mapped_column(String(30))
    mitigation_detail: Mapped[str | None] = mapped_column(Text)
    mitigated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    mitigated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    procurement: Mapped[Procurement] = relationship(back_populates="conflicts")
    person: Mapped[ProcurementPerson] = relationship(foreign_keys=[person_id])
    supplier: Mapped[ProcurementSupplier | None] = relationship()
    other_person: Mapped[ProcurementPerson | None] = relationship(foreign_keys=[other_person_id])
    mitigated_by: Mapped[User | None] = relationship()

    @property
    def kind_label(self) -> str:
        return CONFLICT_KINDS.get(self.kind, self.kind)

    @property
    def mitigation_label(self) -> str:
        return MITIGATIONS.get(self.mitigation or "", self.mitigation or "")


class ConflictsAssessment(Base):
    """One revision of a procurement's conflicts assessment: never changed once written."""

    __tablename__ = "conflicts_assessment"
    __table_args__ = (UniqueConstraint("procurement_id", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    procurement_id: Mapped[int] = mapped_column(ForeignKey("procurement.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(300))
    complete: Mapped[bool] = mapped_column(Boolean)
    content: Mapped[str] = mapped_column(Text)  # canonical JSON
    content_digest: Mapped[str] = mapped_column(String(64))
    audit_seq: Mapped[int] = mapped_column(Integer)
    audit_head_hash: Mapped[str] = mapped_column(String(64))
    prepared_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))  # None: automatic
    prepared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    procurement: Mapped[Procurement] = relationship(back_populates="assessments")
    prepared_by: Mapped[User | None] = relationship()


@event.listens_for(ConflictsAssessment, "before_update")
@event.listens_for(ConflictsAssessment, "before_delete")
def _assessments_are_immutable(mapper: object, connection: object, target: object) -> None:
    raise ImmutableRecordError("A conflicts assessment revision is never changed or deleted")
