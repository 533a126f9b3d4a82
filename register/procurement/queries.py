"""What the procurement pages show, read in one place (templates never query)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from register import access
from register.models import (
    Award,
    AwardSupplier,
    ConflictsAssessment,
    Procurement,
    ProcurementConflict,
    ProcurementPerson,
    ProcurementSupplier,
    User,
)
from register.models.procurement import STAGE_ORDER, STAGES
from register.procurement import services


@dataclass
class ProcurementRow:
    procurement: Procurement
    current: bool
    outstanding: int
    active_conflicts: int


@dataclass
class ProcurementView:
    procurement: Procurement
    people: list[ProcurementPerson]
    suppliers: list[ProcurementSupplier]
    conflicts: list[ProcurementConflict]
    assessments: list[ConflictsAssessment]
    outstanding: list[str]
    current: bool
    next_stages: list[tuple[str, str, str | None]]  # stage, label, why it is refused
    award: Award | None
    award_suppliers: list[str] = field(default_factory=list)


def procurement_list(session: Session, user: User) -> list[ProcurementRow]:
    rows = session.scalars(
        select(Procurement)
        .where(access.procurement_scope(user))
        .order_by(Procurement.created_at.desc(), Procurement.id.desc())
    )
    return [
        ProcurementRow(
            p,
            services.is_current(p),
            len(services.outstanding(p)),
            sum(1 for c in p.conflicts if c.active),
        )
        for p in rows
    ]


def next_stages(procurement: Procurement) -> list[tuple[str, str, str | None]]:
    """The stages after the current one: each with its label and why it is refused now."""
    here = STAGE_ORDER.index(procurement.stage)
    return [
        (stage, STAGES[stage], services.stage_problem(procurement, stage))
        for stage in STAGE_ORDER[here + 1 :]
    ]


def procurement_view(session: Session, procurement: Procurement) -> ProcurementView:
    award = procurement.award
    award_suppliers = (
        list(session.scalars(select(AwardSupplier.name).where(AwardSupplier.award_id == award.id)))
        if award is not None
        else []
    )
    return ProcurementView(
        procurement=procurement,
        people=list(procurement.people),
        suppliers=list(procurement.suppliers),
        conflicts=list(procurement.conflicts),
        assessments=list(reversed(procurement.assessments)),
        outstanding=services.outstanding(procurement),
        current=services.is_current(procurement),
        next_stages=next_stages(procurement),
        award=award,
        award_suppliers=award_suppliers,
    )


@dataclass(frozen=True)
class AwardAssessment:
    """What a procurement's assessment said about an award's supplier (for a flag's page)."""

    procurement: Procurement
    revision: ConflictsAssessment | None
    supplier_listed: bool
    conflicts: list[dict[str, object]]


def assessment_for_flag(
    session: Session, award_id: int, supplier_name: str
) -> AwardAssessment | None:
    """The conflicts assessment behind an award, and its conflicts about that supplier."""
    procurement = services.assessment_for_award(session, award_id)
    if procurement is None:
        return None
    listed = services.supplier_in_assessment(procurement, supplier_name)
    revision = procurement.latest_assessment
    conflicts: list[dict[str, object]] = []
    if revision is not None and listed is not None:
        from register.procurement.assessment import content_of

        conflicts = [c for c in content_of(revision)["conflicts"] if c["supplier"] == listed.name]
    return AwardAssessment(procurement, revision, listed is not None, conflicts)
