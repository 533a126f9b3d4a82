"""What the case queue and the case page show: read-only, scoped by the access policy."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from register.access import can_read_case, case_scope, officials_in
from register.cases.filing import latest_plan
from register.models import (
    AuditEntry,
    Award,
    Case,
    CaseEvidence,
    CaseNote,
    CaseQuestion,
    Decision,
    Declaration,
    DeclarationVersion,
    Flag,
    Interest,
    ManagementPlan,
    User,
)
from register.models.cases import CASE_DECIDED, WAITING_STATES
from register.models.flags import ALL_OUTCOMES
from register.working_days import Ageing, add_working_days, ageing, overdue_if_opened_before

PAGE_SIZE = 50


@dataclass(frozen=True)
class CaseFilters:
    department_id: int | None = None
    state: str | None = None  # None: every state waiting for compliance
    risk_level: str | None = None
    assignee: str | None = None  # "me", "none", or a user id
    min_value: Decimal | None = None
    min_age: int | None = None  # open for at least this many working days
    overdue: bool = False


def _conditions(
    user: User, filters: CaseFilters, today: date, target: int
) -> list[ColumnElement[bool]]:
    conditions = [case_scope(user)]
    if filters.state:
        conditions.append(Case.state == filters.state)
    else:
        conditions.append(Case.state.in_(sorted(WAITING_STATES)))
    if filters.department_id:
        conditions.append(Case.official_id.in_(officials_in([filters.department_id])))
    if filters.risk_level:
        conditions.append(Case.risk_level == filters.risk_level)
    if filters.assignee == "me":
        conditions.append(Case.assignee_id == user.id)
    elif filters.assignee == "none":
        conditions.append(Case.assignee_id.is_(None))
    elif filters.assignee and filters.assignee.isdigit():
        conditions.append(Case.assignee_id == int(filters.assignee))
    if filters.min_value is not None:
        conditions.append(Case.total_value >= filters.min_value)
    if filters.min_age:
        conditions.append(Case.age_from <= add_working_days(today, -filters.min_age))
    if filters.overdue:
        conditions.append(Case.state.in_(sorted(WAITING_STATES)))
        conditions.append(Case.age_from < overdue_if_opened_before(today, target))
    return conditions


@dataclass
class QueueRow:
    case: Case
    ageing: Ageing | None  # None once decided
    flags: int


@dataclass
class CaseQueue:
    rows: list[QueueRow]
    total: int
    total_value: Decimal
    overdue: int
    page: int
    pages: int


def case_queue(
    session: Session, user: User, filters: CaseFilters, today: date, target: int, page: int = 1
) -> CaseQueue:
    """The cases `user` may read that match `filters`, highest risk first, then the largest
    exposure, then the oldest."""
    conditions = _conditions(user, filters, today, target)
    total, value, overdue = case_totals(session, user, today, target, filters)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    cases = list(
        session.scalars(
            select(Case)
            .where(*conditions)
            .options(joinedload(Case.official), joinedload(Case.assignee))
            .order_by(
                Case.risk_rank.desc(),
                Case.top_score.desc(),
                Case.total_value.desc(),
                Case.age_from,
                Case.id,
            )
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        )
    )
    counts = dict(
        session.execute(
            select(Flag.case_id, func.count(Flag.id))
            .where(Flag.case_id.in_([c.id for c in cases]), Flag.active.is_(True))
            .group_by(Flag.case_id)
        ).all()
    )
    rows = [
        QueueRow(case, case_ageing(case, today, target), counts.get(case.id, 0)) for case in cases
    ]
    return CaseQueue(rows, total, value, overdue, page, pages)


def case_totals(
    session: Session,
    user: User,
    today: date,
    target: int,
    filters: CaseFilters | None = None,
) -> tuple[int, Decimal, int]:
    """How many cases match `filters` (by default: every case waiting for compliance), the total
    value of their awards, and how many waiting ones are past their target: the queue's figures,
    and the dashboard's without loading a page of cases."""
    conditions = _conditions(user, filters or CaseFilters(), today, target)
    total, value = session.execute(
        select(func.count(Case.id), func.coalesce(func.sum(Case.total_value), 0)).where(*conditions)
    ).one()
    return total, Decimal(value), overdue_count(session, user, today, target, filters)


def overdue_count(
    session: Session,
    user: User,
    today: date,
    target: int,
    filters: CaseFilters | None = None,
) -> int:
    """Cases waiting for compliance past their target (for the queue and the dashboard)."""
    base = filters or CaseFilters()
    conditions = _conditions(
        user,
        CaseFilters(
            department_id=base.department_id,
            risk_level=base.risk_level,
            assignee=base.assignee,
            min_value=base.min_value,
            overdue=True,
        ),
        today,
        target,
    )
    return session.scalar(select(func.count(Case.id)).where(*conditions)) or 0


def case_ageing(case: Case, today: date, target: int) -> Ageing | None:
    return None if case.state == CASE_DECIDED else ageing(case.age_from, today, target)


@dataclass
class TimelineEntry:
    when: datetime | date
    what: str
    internal: bool = False  # compliance and auditors only


@dataclass
class CaseView:
    case: Case
    ageing: Ageing | None
    flags: list[Flag]
    reasons: dict[int, list[dict[str, Any]]]
    interests: list[Interest]
    awards: list[Award]
    decisions: list[Decision]
    plan: ManagementPlan | None
    questions: list[CaseQuestion]
    notes: list[CaseNote]
    evidence: list[CaseEvidence]
    timeline: list[TimelineEntry] = field(default_factory=list)

    @property
    def own_department_share(self) -> float | None:
        total = self.case.total_value
        return float(self.case.own_department_value / total) if total else None


def case_view(session: Session, case: Case, reader: User, today: date, target: int) -> CaseView:
    """Everything the case page shows; internal notes only to those who may read the case."""
    if not can_read_case(reader, case):
        raise PermissionError("case outside the reader's scope")
    flags = list(
        session.scalars(
            select(Flag)
            .where(Flag.case_id == case.id)
            .options(
                joinedload(Flag.award),
                joinedload(Flag.interest),
                selectinload(Flag.decisions).joinedload(Decision.decided_by),
            )
            .order_by(Flag.active.desc(), Flag.score.desc(), Flag.id)
        ).unique()
    )
    awards = sorted(
        {f.award_id: f.award for f in flags if f.active}.values(),
        key=lambda a: (a.award_date or date.min, a.id),
    )
    interests = list({f.interest_id: f.interest for f in flags if f.interest}.values())
    decisions = sorted((d for f in flags for d in f.decisions), key=lambda d: (d.decided_at, d.id))
    questions = list(
        session.scalars(
            select(CaseQuestion).where(CaseQuestion.case_id == case.id).order_by(CaseQuestion.id)
        )
    )
    notes = list(
        session.scalars(
            select(CaseNote)
            .where(CaseNote.case_id == case.id)
            .options(joinedload(CaseNote.author))
            .order_by(CaseNote.id)
        )
    )
    evidence = list(
        session.scalars(
            select(CaseEvidence)
            .where(CaseEvidence.case_id == case.id)
            .options(joinedload(CaseEvidence.uploaded_by))
            .order_by(CaseEvidence.id)
        )
    )
    view = CaseView(
        case=case,
        ageing=case_ageing(case, today, target),
        flags=flags,
        reasons={f.id: json.loads(f.reasons or "[]") for f in flags},
        interests=interests,
        awards=awards,
        decisions=decisions,
        plan=latest_plan(session, case.id),
        questions=questions,
        notes=notes,
        evidence=evidence,
    )
    view.timeline = _timeline(session, view)
    return view


def _timeline(session: Session, view: CaseView) -> list[TimelineEntry]:
    """The case's history, oldest first: interests declared and ended, awards, and every
    recorded action on the case (audited), decisions, plans, questions, notes and evidence."""
    entries: list[TimelineEntry] = []
    for interest in view.interests:
        what = _interest_name(interest)
        if interest.start_date:
            entries.append(TimelineEntry(interest.start_date, f"{what} began"))
        if interest.end_date:
            entries.append(TimelineEntry(interest.end_date, f"{what} ended"))
    declarations = sorted({i.declaration_id for i in view.interests})
    for version in session.scalars(
        select(DeclarationVersion)
        .where(DeclarationVersion.declaration_id.in_(declarations))
        .options(joinedload(DeclarationVersion.declaration).joinedload(Declaration.cycle))
        .order_by(DeclarationVersion.attested_at)
    ):
        cycle = version.declaration.cycle.name
        if version.number == 1:
            what = f"Declaration for {cycle} submitted (version 1)"
        else:
            what = f"Declaration for {cycle} amended (version {version.number})"
            if version.amendment_reason:
                what += f": {version.amendment_reason}"
        entries.append(TimelineEntry(version.attested_at, what))
    for award in view.awards:
        if award.award_date:
            what = f"Award by {award.buyer_name or 'an unnamed buyer'}"
            if award.title:
                what += f": {award.title}"
            entries.append(TimelineEntry(award.award_date, what))
    # One decision of the case is recorded on each of its flags at the same moment: one entry.
    grouped: dict[tuple[datetime, int, str], list[int]] = {}
    for decision in view.decisions:
        key = (decision.decided_at, decision.decided_by_id, decision.outcome)
        grouped.setdefault(key, []).append(decision.flag_id)
    by_person = {d.decided_by_id: d.decided_by.full_name for d in view.decisions}
    for (decided_at, person_id, outcome), flag_ids in grouped.items():
        flags = ", ".join(str(i) for i in sorted(flag_ids))
        entries.append(
            TimelineEntry(
                decided_at,
                f"Decision: {ALL_OUTCOMES.get(outcome, outcome)} by {by_person[person_id]} "
                f"({'flag' if len(flag_ids) == 1 else 'flags'} {flags})",
            )
        )
    if view.plan is not None:
        entries.append(
            TimelineEntry(view.plan.created_at, f"Management plan {view.plan.id} agreed")
        )
        if view.plan.acknowledged_at:
            entries.append(
                TimelineEntry(
                    view.plan.acknowledged_at,
                    f"Management plan {view.plan.id} acknowledged by the official",
                )
            )
    for question in view.questions:
        entries.append(TimelineEntry(question.asked_at, f"Question asked: {question.question}"))
        if question.answered_at:
            entries.append(
                TimelineEntry(question.answered_at, f"Official answered: {question.answer}")
            )
    for entry in session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.object_type == "case",
            AuditEntry.object_id == str(view.case.id),
            AuditEntry.action.in_(
                ["case.opened", "case.assigned", "case.reopened", "case.award_covered"]
            ),
        )
        .order_by(AuditEntry.id)
    ):
        entries.append(TimelineEntry(entry.occurred_at, entry.summary))
    for note in view.notes:
        entries.append(
            TimelineEntry(note.created_at, f"Internal note by {note.author.full_name}", True)
        )
    for item in view.evidence:
        entries.append(TimelineEntry(item.uploaded_at, f"Evidence attached: {item.filename}", True))
    return sorted(entries, key=_when)


def _interest_name(interest: Interest) -> str:
    """The interest's category and organisation, and whose it is unless the official's."""
    what = interest.category.replace("_", " ").capitalize()
    if interest.whose and interest.whose != "self":
        what += f" ({interest.whose.replace('_', ' ')})"
    return f"{what}: {interest.organisation_name}"


def _when(entry: TimelineEntry) -> tuple[date, int, datetime]:
    """Oldest first: a dated entry (no time) before the timed ones of its day, and the timed
    ones of a day in the order they happened."""
    if isinstance(entry.when, datetime):
        return (entry.when.date(), 1, entry.when)
    return (entry.when, 0, datetime.min)
