"""Filing flags in cases: which case a flag belongs to, and what a new flag does to its case.

A flag joins the case of the same official and kind (declared or undeclared) about the same
organisation: the same company number, or names the engine's comparison calls one organisation
(`register.matching.score.match_names`: a sister company is another case). A flag that matches
none opens a new case.

A flag joining a decided case:
- under a case decided as a managed conflict whose management plan is active, is "covered": a
  new award under a managed case, shown on the case, waiting for nobody;
- otherwise reopens the case, saying why (the new award, and the plan's state if it had one).
A flag of a decided case that waits again (reopened by a changed interest or award) reopens the
case with the flag's reason.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from register import clock
from register.audit.log import Entry, record, record_all
from register.clock import utcnow
from register.formatting import money
from register.matching.score import match_names
from register.models import Award, AwardSupplier, Case, Flag, ManagementPlan
from register.models.base import IN_BATCH, one_of
from register.models.cases import (
    CASE_DECIDED,
    CASE_ESCALATED,
    CASE_OPEN,
    CASE_REOPENED,
    RISK_ORDER,
)
from register.models.flags import COVERED, ESCALATED_STATUS, MANAGED, OPEN, OUTCOMES, REOPENED
from register.models.review import PLAN_ACTIVE, PLAN_STATUSES


def file_flags(session: Session, flags: Iterable[Flag]) -> set[int]:
    """File each flag in its case (opening cases as needed), reopen the decided cases that have
    a flag waiting again, and refresh the exposure of every case touched; return their ids."""
    by_id = {flag.id: flag for flag in flags if flag.id is not None}
    if not by_id:
        return set()
    for flag, case, opened in _place(session, [f for f in by_id.values() if f.case_id is None]):
        if not opened and case.state == CASE_DECIDED:
            _join_decided(session, flag, case)
    filed_in = _cases_by_id(session, {f.case_id for f in by_id.values() if f.case_id is not None})
    for flag in by_id.values():
        filed = filed_in.get(flag.case_id) if flag.case_id is not None else None
        waiting = flag.active and flag.status in (OPEN, REOPENED)
        if filed is not None and filed.state == CASE_DECIDED and waiting:
            _reopen(session, filed, flag.reopened_reason or f"flag {flag.id} waits for a decision")
    touched = {flag.case_id for flag in by_id.values() if flag.case_id is not None}
    refresh_exposure(session, touched)
    return touched


def _place(
    session: Session, flags: list[Flag], *, audit: bool = True
) -> list[tuple[Flag, Case, bool]]:
    """Put each flag in its case, opening one where none fits: (flag, case, case just opened).
    The cases opened are written in one flush and audited together, except when the migration
    that made cases files old flags."""
    numbers = _company_numbers(session, {flag.award_supplier_id for flag in flags})
    cases = _cases_of(session, {(flag.official_id, flag.kind) for flag in flags})
    opened: list[tuple[Case, Flag]] = []
    placed: list[tuple[Flag, Case]] = []
    for flag in sorted(flags, key=lambda f: f.id):
        number = numbers.get(flag.award_supplier_id)
        identifier = f"GB-COH:{number}" if number else None
        group = cases[(flag.official_id, flag.kind)]
        case = _case_for(group, flag, identifier)
        if case is None:
            case = _new_case(flag, identifier)
            session.add(case)
            group.append(case)
            opened.append((case, flag))
        elif identifier and not case.organisation_identifier:
            case.organisation_identifier = identifier
        placed.append((flag, case))
    if opened:
        session.flush()
    for flag, case in placed:
        flag.case_id = case.id
    if audit:
        record_all(
            session,
            [
                Entry(
                    "case.opened",
                    f"Case {case.id} opened: {case.organisation_name}, flag {flag.id}",
                    object_type="case",
                    object_id=case.id,
                    details={
                        "flag_id": flag.id,
                        "official_id": flag.official_id,
                        "kind": flag.kind,
                    },
                )
                for case, flag in opened
            ],
        )
    new = {case.id for case, _ in opened}
    return [(flag, case, case.id in new) for flag, case in placed]


def _cases_by_id(session: Session, ids: set[int]) -> dict[int, Case]:
    """The cases with these ids, read in batches of ids (not one query per flag)."""
    wanted = sorted(ids)
    cases: dict[int, Case] = {}
    for i in range(0, len(wanted), IN_BATCH):
        for case in session.scalars(
            select(Case).where(one_of(session, Case.id, wanted[i : i + IN_BATCH]))
        ):
            cases[case.id] = case
    return cases


def _company_numbers(session: Session, supplier_ids: set[int]) -> dict[int, str]:
    ids = sorted(supplier_ids)
    found: dict[int, str] = {}
    for i in range(0, len(ids), IN_BATCH):
        for supplier_id, number in session.execute(
            select(AwardSupplier.id, AwardSupplier.company_number).where(
                one_of(session, AwardSupplier.id, ids[i : i + IN_BATCH]),
                AwardSupplier.company_number.is_not(None),
            )
        ):
            if number:
                found[supplier_id] = number
    return found


def _cases_of(
    session: Session, keys: set[tuple[int, str]]
) -> defaultdict[tuple[int, str], list[Case]]:
    cases: defaultdict[tuple[int, str], list[Case]] = defaultdict(list)
    officials = sorted({official for official, _ in keys})
    for i in range(0, len(officials), IN_BATCH):
        for case in session.scalars(
            select(Case)
            .where(one_of(session, Case.official_id, officials[i : i + IN_BATCH]))
            .order_by(Case.id)
        ):
            cases[(case.official_id, case.kind)].append(case)
    return cases


def _case_for(cases: list[Case], flag: Flag, identifier: str | None) -> Case | None:
    """The official's case about the flag's organisation: same identifier first, then names."""
    if identifier is not None:
        for case in cases:
            if case.organisation_identifier == identifier:
                return case
    for case in cases:
        if (
            identifier
            and case.organisation_identifier
            and case.organisation_identifier != identifier
        ):
            continue  # two company numbers: two organisations, whatever their names
        if any(
            match_names(case.organisation_name, name) is not None
            for name in {flag.organisation_name, flag.supplier_name}
        ):
            return case
    return None


def _new_case(flag: Flag, identifier: str | None) -> Case:
    now = utcnow()
    return Case(
        official_id=flag.official_id,
        kind=flag.kind,
        department_id=flag.department_id,
        organisation_name=flag.organisation_name,
        organisation_identifier=identifier,
        state=CASE_OPEN,
        opened_at=now,
        age_from=clock.today(),
        updated_at=now,
    )


def active_plan(session: Session, case_id: int) -> ManagementPlan | None:
    """The case's management plan in force, if any (the latest)."""
    return session.scalars(
        select(ManagementPlan)
        .where(ManagementPlan.case_id == case_id, ManagementPlan.status == PLAN_ACTIVE)
        .order_by(ManagementPlan.id.desc())
    ).first()


def latest_plan(session: Session, case_id: int) -> ManagementPlan | None:
    return session.scalars(
        select(ManagementPlan)
        .where(ManagementPlan.case_id == case_id)
        .order_by(ManagementPlan.id.desc())
    ).first()


def _join_decided(session: Session, flag: Flag, case: Case) -> None:
    """A new flag in a decided case: covered by its plan, or the case reopens, saying why."""
    award = session.get(Award, flag.award_id)
    what = _award_words(award, flag)
    plan = active_plan(session, case.id) if case.outcome == MANAGED else None
    if plan is not None:
        flag.status = COVERED
        record(
            session,
            "case.award_covered",
            f"Case {case.id}: new award under a managed case ({what}), covered by management "
            f"plan {plan.id}",
            object_type="case",
            object_id=case.id,
            details={"flag_id": flag.id, "plan_id": plan.id},
        )
        return
    decided = OUTCOMES.get(case.outcome or "", case.outcome or "decided")
    reason = f"new award {what} after the case was decided ({decided})"
    if case.outcome == MANAGED:
        previous = latest_plan(session, case.id)
        state = PLAN_STATUSES.get(previous.status, previous.status) if previous else "missing"
        reason += f"; its management plan is {state.lower()}, so it does not cover the award"
    _reopen(session, case, reason)


def _award_words(award: Award | None, flag: Flag) -> str:
    if award is None:
        return f"to {flag.supplier_name}"
    parts = [f"to {flag.supplier_name}"]
    if award.value is not None:
        parts.append(money(award.value))
    if award.award_date is not None:
        parts.append(f"on {award.award_date.isoformat()}")
    title = f"'{award.title}' " if award.title else ""
    return title + " ".join(parts)


def _reopen(session: Session, case: Case, reason: str) -> None:
    before = {"state": case.state, "reopened_reason": case.reopened_reason}
    case.state = CASE_REOPENED
    case.reopened_reason = "Reopened: " + reason[0].upper() + reason[1:].rstrip(".") + "."
    case.age_from = clock.today()
    case.updated_at = utcnow()
    record(
        session,
        "case.reopened",
        f"Case {case.id} {case.reopened_reason}",
        object_type="case",
        object_id=case.id,
        details={
            "before": before,
            "after": {"state": case.state, "reopened_reason": case.reopened_reason},
        },
    )


@dataclass
class _Exposure:
    awards: dict[int, tuple[Decimal, bool]] = field(default_factory=dict)  # value, own department
    dates: list[date] = field(default_factory=list)
    score: float = 0.0
    risk: str = "low"


def refresh_exposure(session: Session, case_ids: Iterable[int]) -> None:
    """Recompute each case's exposure from its active flags: distinct awards, their total value,
    the value from the official's own department, the award dates, the highest score and risk."""
    ids = sorted(set(case_ids))
    for i in range(0, len(ids), IN_BATCH):
        batch = ids[i : i + IN_BATCH]
        facts: defaultdict[int, _Exposure] = defaultdict(_Exposure)
        for row in session.execute(
            select(
                Flag.case_id,
                Flag.award_id,
                Award.value,
                Award.award_date,
                Award.department_id.label("buyer_department_id"),
                Flag.department_id,
                Flag.score,
                Flag.risk_level,
            )
            .join(Award, Award.id == Flag.award_id)
            .where(one_of(session, Flag.case_id, batch), Flag.active.is_(True))
        ):
            found = facts[row.case_id]
            own = row.department_id is not None and row.buyer_department_id == row.department_id
            found.awards[row.award_id] = (row.value or Decimal(0), own)
            if row.award_date is not None:
                found.dates.append(row.award_date)
            found.score = max(found.score, row.score)
            if RISK_ORDER.get(row.risk_level, 0) > RISK_ORDER.get(found.risk, 0):
                found.risk = row.risk_level
        for case in _cases_by_id(session, set(batch)).values():
            _set_exposure(case, facts.get(case.id, _Exposure()))


def _set_exposure(case: Case, found: _Exposure) -> None:
    case.award_count = len(found.awards)
    case.total_value = sum((value for value, _ in found.awards.values()), Decimal(0))
    case.own_department_value = sum((v for v, own in found.awards.values() if own), Decimal(0))
    case.first_award_on = min(found.dates, default=None)
    case.last_award_on = max(found.dates, default=None)
    case.top_score = found.score
    case.risk_level = found.risk
    case.risk_rank = RISK_ORDER.get(found.risk, 1)


def file_all_flags(session: Session) -> int:
    """File every flag not yet in a case (the migration that made cases; seeded databases), each
    new case taking its state from its flags and their decisions, and each plan going to its
    flag's case; return the number of cases opened."""
    ids = list(session.scalars(select(Flag.id).where(Flag.case_id.is_(None)).order_by(Flag.id)))
    opened: set[int] = set()
    for i in range(0, len(ids), IN_BATCH):
        flags = list(session.scalars(select(Flag).where(Flag.id.in_(ids[i : i + IN_BATCH]))))
        opened |= {case.id for _, case, new in _place(session, flags, audit=False) if new}
    session.flush()
    case_ids = sorted(opened)
    for i in range(0, len(case_ids), IN_BATCH):
        batch = case_ids[i : i + IN_BATCH]
        flags_of: defaultdict[int, list[Flag]] = defaultdict(list)
        for flag in session.scalars(select(Flag).where(Flag.case_id.in_(batch))):
            flags_of[flag.case_id or 0].append(flag)
        for case in session.scalars(select(Case).where(Case.id.in_(batch))):
            _state_from_flags(case, flags_of[case.id])
        session.execute(
            update(ManagementPlan)
            .where(ManagementPlan.case_id.is_(None))
            .where(ManagementPlan.flag_id.in_([f.id for fs in flags_of.values() for f in fs]))
            .values(
                case_id=select(Flag.case_id)
                .where(Flag.id == ManagementPlan.flag_id)
                .scalar_subquery()
            )
        )
        refresh_exposure(session, batch)
    session.flush()
    return len(opened)


def _state_from_flags(case: Case, flags: list[Flag]) -> None:
    """A case made from flags decided one by one: escalated if one is, waiting if one waits,
    else decided with its latest decision's outcome; its age counts from its first flag."""
    live = [f for f in flags if f.active] or flags
    case.opened_at = min(f.created_at for f in flags)
    case.age_from = case.opened_at.date()
    escalated = [f for f in live if f.status == ESCALATED_STATUS]
    waiting = [f for f in live if f.status in (OPEN, REOPENED)]
    decisions = [d for f in live if (d := f.current_decision) is not None]
    latest = max(decisions, key=lambda d: (d.decided_at, d.id), default=None)
    if escalated:
        case.state = CASE_ESCALATED
        case.escalated_to_id = escalated[0].escalated_to_id
    elif waiting:
        reopened = [f for f in waiting if f.status == REOPENED and f.reopened_reason]
        case.state = CASE_REOPENED if reopened else CASE_OPEN
        case.reopened_reason = reopened[0].reopened_reason if reopened else None
    elif latest is not None:
        case.state = CASE_DECIDED
    if latest is not None:
        case.outcome = latest.outcome
        case.decided_at = latest.decided_at
