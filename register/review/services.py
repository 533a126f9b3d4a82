"""Review of flags: the queue, decisions, bulk dismissal and management plans (no Flask here).

Every change is made in the caller's transaction together with its audit entry and any email,
so an action and its record commit or roll back as one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, tuple_, update
from sqlalchemy.orm import Session, aliased, joinedload

from register import clock
from register.access import (
    can_decide_flag,
    escalated_to,
    flag_scope,
    flags_in_departments,
    review_department_ids,
    reviews_flags,
)
from register.audit.log import hold_chain, record
from register.awards.duplicates import other_publications
from register.cases.filing import file_flags
from register.clock import utcnow
from register.models import (
    Award,
    Case,
    Decision,
    DeclarationCycle,
    DeclarationVersion,
    Department,
    Flag,
    ManagementPlan,
    User,
)
from register.models.cases import CASE_DECIDED, CASE_ESCALATED
from register.models.flags import (
    ALL_OUTCOMES,
    DECIDED,
    DECLARED,
    DISMISSALS,
    ESCALATED,
    ESCALATED_STATUS,
    MANAGED,
    OPEN,
    REOPENED,
    outcomes_for,
)
from register.models.people import COMPLIANCE
from register.models.review import CONSTRAINTS, PLAN_ACTIVE, PLAN_STATUSES
from register.notify import messages

PAGE_SIZE = 50
RISK_ORDER = ("high", "medium", "low")


class ReviewError(Exception):
    """A review action that cannot be done; the message says why."""


# The queue -------------------------------------------------------------------------------------


# What waits for a decision: the queue's default. An escalated flag stays in it until its
# final decision.
PENDING = (OPEN, REOPENED, ESCALATED_STATUS)


@dataclass
class QueueFilters:
    department_id: int | None = None
    status: str | None = None  # open, reopened, escalated, decided; default all but decided
    escalated_to_me: bool = False  # only the flags escalated to the reader
    risk_level: str | None = None
    min_score: float | None = None
    min_value: Decimal | None = None
    awarded_from: date | None = None
    awarded_to: date | None = None


@dataclass
class QueuePage:
    flags: list[Flag]
    next_cursor: str | None
    total: int
    # The contract value at stake, each award counted once however many flags it has (and a
    # contract published twice is one award, register.awards.duplicates); pounds only.
    exposure: Decimal = Decimal(0)
    awards: int = 0


def encode_cursor(flag: Flag) -> str:
    return f"{flag.score}:{flag.id}"


def decode_cursor(cursor: str | None) -> tuple[float, int] | None:
    if not cursor:
        return None
    try:
        score, flag_id = cursor.split(":")
        return float(score), int(flag_id)
    except ValueError:
        return None


def _queue_conditions(user: User, filters: QueueFilters) -> list[ColumnElement[bool]]:
    statuses = [filters.status] if filters.status else list(PENDING)
    conditions = [flag_scope(user), Flag.active.is_(True), Flag.status.in_(statuses)]
    if filters.escalated_to_me:
        conditions.append(escalated_to(user))
    if filters.department_id:  # the official's department now, as access goes by
        conditions.append(flags_in_departments({filters.department_id}))
    if filters.risk_level:
        conditions.append(Flag.risk_level == filters.risk_level)
    if filters.min_score is not None:
        conditions.append(Flag.score >= filters.min_score)
    award_conditions = []
    if filters.min_value is not None:  # the award's current value, even if changed since screening
        award_conditions.append(Award.value >= filters.min_value)
    if filters.awarded_from:
        award_conditions.append(Award.award_date >= filters.awarded_from)
    if filters.awarded_to:
        award_conditions.append(Award.award_date <= filters.awarded_to)
    if award_conditions:
        conditions.append(Flag.award_id.in_(select(Award.id).where(*award_conditions)))
    return conditions


def queue_count(session: Session, user: User, filters: QueueFilters) -> int:
    """How many flags a view of the queue holds."""
    return session.scalar(select(func.count(Flag.id)).where(*_queue_conditions(user, filters))) or 0


def queue_page(
    session: Session,
    user: User,
    filters: QueueFilters,
    cursor: str | None = None,
    page_size: int = PAGE_SIZE,
) -> QueuePage:
    """One page of the queue, highest score first, by keyset on (score, id)."""
    conditions = _queue_conditions(user, filters)
    total = session.scalar(select(func.count(Flag.id)).where(*conditions)) or 0
    statement = select(Flag).where(*conditions)
    after = decode_cursor(cursor)
    if after is not None:
        statement = statement.where(tuple_(Flag.score, Flag.id) < tuple_(*after))
    flags = list(
        session.scalars(
            statement.options(joinedload(Flag.official), joinedload(Flag.award))
            .order_by(Flag.score.desc(), Flag.id.desc())
            .limit(page_size + 1)
        ).unique()
    )
    more = len(flags) > page_size
    flags = flags[:page_size]
    flagged = select(Flag.award_id).where(*conditions)
    awards, exposure = session.execute(
        select(func.count(Award.id), func.coalesce(func.sum(Award.value), 0)).where(
            Award.id.in_(flagged), or_(Award.currency.is_(None), Award.currency == "GBP")
        )
    ).one()
    return QueuePage(
        flags, encode_cursor(flags[-1]) if more else None, total, Decimal(str(exposure)), awards
    )


# The flag page ----------------------------------------------------------------------------------


@dataclass
class FlagView:
    flag: Flag
    reasons: list[dict[str, Any]]
    interest: dict[str, Any]
    version: DeclarationVersion | None
    decisions: list[Decision]
    plans: list[ManagementPlan]
    same_official: list[Flag] = field(default_factory=list)
    same_organisation: list[Flag] = field(default_factory=list)
    also_published: list[Award] = field(default_factory=list)  # the award's other OCIDs


def flag_view(session: Session, flag: Flag, reader: User) -> FlagView:
    """Everything the flag page shows; related flags are limited to what `reader` may see."""
    version = (
        session.get(DeclarationVersion, flag.declaration_version_id)
        if flag.declaration_version_id
        else None
    )
    interest: dict[str, Any] = {}
    if version is not None:
        items = json.loads(version.content).get("interests", [])
        interest = next((i for i in items if i.get("lineage") == flag.interest_lineage), {})
    plans = list(
        session.scalars(
            select(ManagementPlan)
            .where(ManagementPlan.flag_id == flag.id)
            .order_by(ManagementPlan.id)
        )
    )
    view = FlagView(flag, json.loads(flag.reasons), interest, version, list(flag.decisions), plans)
    view.also_published = other_publications(session, [flag.award_id])[flag.award_id]
    if reviews_flags(reader):
        related = (
            select(Flag)
            .where(flag_scope(reader), Flag.id != flag.id)
            .order_by(Flag.score.desc())
            .limit(50)
        )
        view.same_official = list(
            session.scalars(related.where(Flag.official_id == flag.official_id))
        )
        view.same_organisation = list(
            session.scalars(
                related.where(
                    or_(
                        Flag.award_supplier_id == flag.award_supplier_id,
                        func.lower(Flag.supplier_name) == flag.supplier_name.lower(),
                        func.lower(Flag.organisation_name) == flag.organisation_name.lower(),
                    )
                )
            )
        )
    return view


# Decisions -------------------------------------------------------------------------------------


@dataclass
class PlanFields:
    constraints: list[str]
    details: str
    owner_id: int
    review_on: date
    divest_by: date | None = None
    status: str = PLAN_ACTIVE


def past_plan_dates(
    divest_by: date | None,
    review_on: date | None,
    status: str,
    today: date,
    stored: ManagementPlan | None = None,
) -> list[str]:
    """The plan's dates that look back instead of forward: a new plan's divest-by and review
    dates must be today or later; a changed plan's changed dates too, and an active plan's
    review date (an unchanged past divest-by date stays on the record)."""
    problems = []
    divest_changed = stored is None or divest_by != stored.divest_by
    if divest_by is not None and divest_changed and divest_by < today:
        problems.append("divest_by")
    review_changed = stored is None or review_on != stored.review_on
    if review_on is not None and (review_changed or status == PLAN_ACTIVE) and review_on < today:
        problems.append("review_on")
    return problems


PAST_DATE_MESSAGES = {
    "divest_by": "The divest-by date must be today or in the future",
    "review_on": "The review date must be today or in the future",
}


def _check_plan(
    session: Session, fields: PlanFields, today: date, stored: ManagementPlan | None = None
) -> User:
    unknown = set(fields.constraints) - set(CONSTRAINTS)
    if not fields.constraints or unknown:
        raise ReviewError("Choose at least one agreed constraint from the list")
    if "other" in fields.constraints and not fields.details.strip():
        raise ReviewError("Describe the other constraint")
    if "divestment" in fields.constraints and fields.divest_by is None:
        raise ReviewError("Give the date by which the interest must be divested")
    past = past_plan_dates(fields.divest_by, fields.review_on, fields.status, today, stored)
    if past:
        raise ReviewError("; ".join(PAST_DATE_MESSAGES[name] for name in past))
    if fields.status not in PLAN_STATUSES:
        raise ReviewError("Choose a plan status")
    owner = session.get(User, fields.owner_id)
    if owner is None or owner.role != COMPLIANCE or not owner.active:
        raise ReviewError("The owner must be an active compliance officer")
    return owner


def _plan_summary(plan: ManagementPlan) -> dict[str, Any]:
    return {
        "constraints": plan.constraint_keys,
        "details": plan.details,
        "divest_by": plan.divest_by,
        "owner_id": plan.owner_id,
        "review_on": plan.review_on,
        "status": plan.status,
    }


def decide(
    session: Session,
    flag_id: int,
    actor: User,
    outcome: str,
    reason: str,
    *,
    plan: PlanFields | None = None,
    escalate_to_id: int | None = None,
    ip_address: str | None = None,
) -> Decision:
    """Decide the flag's case: one decision recorded on each of the case's active flags (the
    current decision of each, if any, is superseded; both are kept), one management plan for the
    whole case. Returns the decision on `flag_id`.

    "Escalated" names the compliance officer (or senior escalation owner) the case goes to: it
    stays escalated, in the queue and on that person's list, until a final decision (any other
    outcome) closes it.

    The audit chain's head is taken first (hold_chain), then each flag row is written, so two
    officers deciding at once queue up: both decisions are recorded and exactly one is current.
    """
    reason = (reason or "").strip()
    if outcome not in ALL_OUTCOMES:
        raise ReviewError("Choose a decision")
    if not reason:
        raise ReviewError("Give the reason for the decision")
    if outcome == MANAGED and plan is None:
        raise ReviewError("A managed conflict needs a management plan")
    hold_chain(session)
    flag = session.get(Flag, flag_id)
    if flag is None or not can_decide_flag(actor, flag):
        raise ReviewError("Only compliance officers of the flag's department can decide it")
    if outcome not in outcomes_for(flag.kind):
        raise ReviewError(f"{ALL_OUTCOMES[outcome]} is not a decision for this kind of flag")
    target = _escalation_target(session, actor, escalate_to_id) if outcome == ESCALATED else None
    owner = _check_plan(session, plan, clock.today()) if outcome == MANAGED and plan else None
    if flag.case_id is None:
        file_flags(session, [flag])
    case = session.get(Case, flag.case_id)
    if case is None:  # pragma: no cover - file_flags files every flag
        raise ReviewError("The flag has no case")
    members = [
        f
        for f in session.scalars(select(Flag).where(Flag.case_id == case.id).order_by(Flag.id))
        if f.active or f.id == flag_id
    ]
    if not all(can_decide_flag(actor, f) for f in members):
        raise ReviewError("Only compliance officers of the case's department can decide it")
    now = utcnow()
    decisions = {
        f.id: _decide_flag(session, f.id, actor, outcome, reason, target, now, ip_address)
        for f in members
    }
    decision = decisions[flag_id]
    before_case = {"state": case.state, "outcome": case.outcome}
    if target is not None:
        case.state, case.escalated_to_id = CASE_ESCALATED, target.id
    else:
        case.state, case.escalated_to_id = CASE_DECIDED, None
        case.outcome, case.decided_at, case.reopened_reason = outcome, now, None
    case.updated_at = now
    record(
        session,
        "case.decided",
        f"Case {case.id}: {ALL_OUTCOMES[outcome]}"
        + (f" to {target.full_name}" if target is not None else "")
        + f" (flags {', '.join(str(i) for i in decisions)})",
        actor=actor,
        object_type="case",
        object_id=case.id,
        ip_address=ip_address,
        details={
            "before": before_case,
            "after": {"state": case.state, "outcome": outcome, "reason": reason},
            "decisions": {str(i): d.id for i, d in decisions.items()},
        },
    )
    if owner is not None and plan is not None:
        _create_plan(session, flag, decision, actor, plan, ip_address, case_id=case.id)
    if target is not None:
        messages.flag_escalated(session, flag, actor, target, reason)
    session.flush()
    for member in members:
        session.expire(member, ["decisions"])
    return decision


def _decide_flag(
    session: Session,
    flag_id: int,
    actor: User,
    outcome: str,
    reason: str,
    target: User | None,
    now: datetime,
    ip_address: str | None,
) -> Decision:
    """Record one flag's decision (superseding its current one) and audit it."""
    flag = session.get(Flag, flag_id)
    if flag is None:
        raise ReviewError("The flag no longer exists")
    before_state = {
        "status": flag.status,
        "escalated_to": _person(flag.escalated_to) if flag.escalated_to_id else None,
    }
    status = ESCALATED_STATUS if target is not None else DECIDED
    session.execute(
        update(Flag)
        .where(Flag.id == flag_id)
        .values(
            status=status,
            escalated_to_id=target.id if target is not None else None,
            updated_at=now,
        ),
        execution_options={"synchronize_session": False},
    )
    flag = session.scalars(
        select(Flag).where(Flag.id == flag_id).execution_options(populate_existing=True)
    ).one()
    current = session.scalars(
        select(Decision)
        .where(Decision.flag_id == flag_id, Decision.superseded_by_id.is_(None))
        .execution_options(populate_existing=True)
    ).all()
    decision = Decision(
        flag_id=flag_id,
        outcome=outcome,
        reason=reason,
        decided_by_id=actor.id,
        decided_at=now,
        interest_digest=flag.interest_digest,
        award_digest=flag.award_digest,
        escalated_to_id=target.id if target is not None else None,
    )
    session.add(decision)
    session.flush()
    for previous in current:
        previous.superseded_by_id = decision.id
    after_state = {"status": status, "escalated_to": _person(target) if target else None}
    record(
        session,
        "decision.recorded",
        f"Flag {flag_id}: {ALL_OUTCOMES[outcome]}"
        + (f" to {target.full_name}" if target is not None else "")
        + (f" (supersedes decision {', '.join(str(p.id) for p in current)})" if current else ""),
        actor=actor,
        object_type="flag",
        object_id=flag_id,
        ip_address=ip_address,
        details={
            "decision_id": decision.id,
            "outcome": outcome,
            "reason": reason,
            "case_id": flag.case_id,
            "before": [{"decision_id": p.id, "outcome": p.outcome} for p in current],
            "after": {"decision_id": decision.id, "outcome": outcome},
            "flag_before": before_state,
            "flag_after": after_state,
        },
    )
    return decision


def _person(user: User | None) -> dict[str, Any] | None:
    return {"id": user.id, "name": user.full_name} if user is not None else None


def _escalation_target(session: Session, actor: User, user_id: int | None) -> User:
    """The person an escalation names: an active compliance officer other than the actor."""
    if not user_id:
        raise ReviewError("Choose who the flag is escalated to")
    target = session.get(User, user_id)
    if target is None or target.role != COMPLIANCE or not target.active:
        raise ReviewError(
            "A flag can be escalated only to an active compliance officer or senior escalation "
            "owner"
        )
    if target.id == actor.id:
        raise ReviewError("Choose someone other than yourself to escalate the flag to")
    return target


def escalation_choices(session: Session, actor: User) -> list[tuple[int, str]]:
    """Who a flag can be escalated to: senior escalation owners (compliance officers marked
    senior), then the other compliance officers; never the actor."""
    people = session.scalars(
        select(User)
        .where(User.role == COMPLIANCE, User.active.is_(True), User.id != actor.id)
        .order_by(User.is_senior.desc(), User.full_name)
    )
    return [(u.id, f"{u.full_name} ({ESCALATION_ROLES[bool(u.is_senior)]})") for u in people]


ESCALATION_ROLES = {True: "senior escalation owner", False: "compliance officer"}


def bulk_dismiss(
    session: Session,
    flag_ids: Sequence[int],
    actor: User,
    reason: str,
    *,
    ip_address: str | None = None,
) -> list[Decision]:
    """Decide the case of each selected flag "not the same organisation" (or, for a possible
    undeclared interest, "not the same person") with one reason: one decision per case, on
    each of its flags."""
    if not flag_ids:
        raise ReviewError("Select at least one flag")
    rows = session.execute(
        select(Flag.id, Flag.kind, Flag.case_id).where(Flag.id.in_(set(flag_ids)))
    ).all()
    kinds = {row.id: row.kind for row in rows}
    cases = {row.id: row.case_id for row in rows}
    decided_cases: set[int] = set()
    decisions = []
    for flag_id in sorted(set(flag_ids)):
        case_id = cases.get(flag_id)
        if case_id is not None and case_id in decided_cases:
            continue
        decision = decide(
            session,
            flag_id,
            actor,
            DISMISSALS[kinds.get(flag_id, DECLARED)],
            reason,
            ip_address=ip_address,
        )
        decisions.append(decision)
        decided_cases.add(decision.flag.case_id or 0)
    return decisions


# Management plans -------------------------------------------------------------------------------


def _create_plan(
    session: Session,
    flag: Flag,
    decision: Decision,
    actor: User,
    fields: PlanFields,
    ip_address: str | None,
    *,
    case_id: int | None,
) -> ManagementPlan:
    now = utcnow()
    plan = ManagementPlan(
        flag_id=flag.id,
        case_id=case_id,
        decision_id=decision.id,
        official_id=flag.official_id,
        owner_id=fields.owner_id,
        constraints=",".join(fields.constraints),
        details=fields.details.strip(),
        divest_by=fields.divest_by,
        review_on=fields.review_on,
        status=PLAN_ACTIVE,
        created_by_id=actor.id,
        created_at=now,
        updated_at=now,
    )
    session.add(plan)
    session.flush()
    record(
        session,
        "plan.created",
        f"Management plan {plan.id} agreed for case {case_id} (flag {flag.id})",
        actor=actor,
        object_type="management_plan",
        object_id=plan.id,
        ip_address=ip_address,
        details={
            "before": None,
            "after": _plan_summary(plan),
            "flag_id": flag.id,
            "case_id": case_id,
        },
    )
    messages.plan_agreed(session, plan)
    return plan


def update_plan(
    session: Session,
    plan: ManagementPlan,
    actor: User,
    fields: PlanFields,
    *,
    ip_address: str | None = None,
) -> bool:
    """Change a plan; returns False when nothing changed. A changed constraint needs a new
    acknowledgement from the official."""
    if not can_decide_flag(actor, plan.flag):
        raise ReviewError("Only compliance officers of the flag's department can change its plan")
    _check_plan(session, fields, clock.today(), plan)
    before = _plan_summary(plan)
    plan.constraints = ",".join(fields.constraints)
    plan.details = fields.details.strip()
    plan.divest_by = fields.divest_by
    plan.owner_id = fields.owner_id
    plan.review_on = fields.review_on
    plan.status = fields.status
    after = _plan_summary(plan)
    if before == after:
        return False
    terms = ("constraints", "details", "divest_by")
    if any(before[name] != after[name] for name in terms):
        plan.acknowledged_at = None
    plan.updated_at = utcnow()
    changed = {
        name: {"before": before[name], "after": after[name]}
        for name in after
        if before[name] != after[name]
    }
    record(
        session,
        "plan.changed",
        f"Management plan {plan.id} changed: {', '.join(changed)}",
        actor=actor,
        object_type="management_plan",
        object_id=plan.id,
        ip_address=ip_address,
        details={"before": before, "after": after},
    )
    session.flush()
    return True


def acknowledge_plan(
    session: Session, plan: ManagementPlan, official: User, *, ip_address: str | None = None
) -> None:
    """The official confirms they have read the plan; the time is recorded and audited."""
    if plan.official_id != official.id:
        raise ReviewError("Only the official the plan concerns can acknowledge it")
    if plan.acknowledged_at is not None:
        return
    plan.acknowledged_at = utcnow()
    record(
        session,
        "plan.acknowledged",
        f"Management plan {plan.id} acknowledged by the official",
        actor=official,
        object_type="management_plan",
        object_id=plan.id,
        ip_address=ip_address,
        details={
            "before": {"acknowledged_at": None},
            "after": {"acknowledged_at": plan.acknowledged_at},
        },
    )
    session.flush()


def plans_due(session: Session, user: User, today: date) -> list[ManagementPlan]:
    """Active plans whose review date has come, within the user's scope."""
    statement = (
        select(ManagementPlan)
        .join(Flag, ManagementPlan.flag_id == Flag.id)
        .where(
            flag_scope(user),
            ManagementPlan.status == PLAN_ACTIVE,
            ManagementPlan.review_on <= today,
        )
        .order_by(ManagementPlan.review_on, ManagementPlan.id)
    )
    return list(session.scalars(statement))


def queue_due_reminders(session: Session, today: date) -> int:
    """Queue one reminder per plan that has fallen due since its last reminder."""
    due = session.scalars(
        select(ManagementPlan).where(
            ManagementPlan.status == PLAN_ACTIVE,
            ManagementPlan.review_on <= today,
            or_(
                ManagementPlan.reminded_on.is_(None),
                ManagementPlan.reminded_on < ManagementPlan.review_on,
            ),
        )
    ).all()
    for plan in due:
        messages.plan_due(session, plan)
        plan.reminded_on = today
        record(
            session,
            "plan.reminder_queued",
            f"Review reminder for management plan {plan.id} queued to its owner",
            object_type="management_plan",
            object_id=plan.id,
        )
    session.flush()
    return len(due)


# Dashboard -------------------------------------------------------------------------------------


@dataclass
class Dashboard:
    by_risk: dict[str, int]
    by_department: list[tuple[str, dict[str, int]]]
    cycle: DeclarationCycle | None
    decisions: dict[str, int]
    plans_due: list[ManagementPlan]
    escalated: int = 0  # escalated flags in the reader's scope, waiting for a final decision
    escalated_to_me: list[Flag] = field(default_factory=list)


def dashboard(
    session: Session, user: User, today: date, cycle: DeclarationCycle | None
) -> Dashboard:
    """Open flags by risk and department, decisions since `cycle` opened (the cycle the reader
    is shown: see register.completeness.cycles), plans due for review."""
    official = aliased(User)  # by the department the official is in now, as access goes by
    rows = session.execute(
        select(Department.name, Flag.risk_level, func.count(Flag.id))
        .join(official, Flag.official_id == official.id)
        .outerjoin(Department, official.department_id == Department.id)
        .where(flag_scope(user), Flag.active.is_(True), Flag.status.in_([OPEN, REOPENED]))
        .group_by(Department.name, Flag.risk_level)
    ).all()
    by_risk = dict.fromkeys(RISK_ORDER, 0)
    departments: dict[str, dict[str, int]] = {}
    for name, risk, count in rows:
        by_risk[risk] = by_risk.get(risk, 0) + count
        departments.setdefault(name or "No department", dict.fromkeys(RISK_ORDER, 0))[risk] = count
    decisions = dict.fromkeys(ALL_OUTCOMES, 0)
    if cycle is not None:
        since = datetime.combine(cycle.opens_on, datetime.min.time(), tzinfo=utcnow().tzinfo)
        for outcome, count in session.execute(
            select(Decision.outcome, func.count(Decision.id))
            .join(Flag, Decision.flag_id == Flag.id)
            .where(flag_scope(user), Decision.decided_at >= since)
            .group_by(Decision.outcome)
        ):
            decisions[outcome] = count
    waiting = [flag_scope(user), Flag.active.is_(True), Flag.status == ESCALATED_STATUS]
    return Dashboard(
        by_risk,
        sorted(departments.items()),
        cycle,
        decisions,
        plans_due(session, user, today),
        escalated=session.scalar(select(func.count(Flag.id)).where(*waiting)) or 0,
        escalated_to_me=list(
            session.scalars(
                select(Flag)
                .where(*waiting, escalated_to(user))
                .options(joinedload(Flag.official))
                .order_by(Flag.score.desc(), Flag.id)
            )
        ),
    )


def review_departments(session: Session, user: User) -> list[Department]:
    """The departments a queue (of flags or of cases) can be filtered by: those whose officials
    `user` reviews (every one for auditors)."""
    ids = review_department_ids(user)
    statement = select(Department).order_by(Department.name)
    if ids is not None:
        statement = statement.where(Department.id.in_(sorted(ids)))
    return list(session.scalars(statement))


def owner_choices(session: Session) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .where(User.role == COMPLIANCE, User.active.is_(True))
            .order_by(User.full_name)
        )
    )
