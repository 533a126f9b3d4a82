"""Who owes, has filed, filed late or is overdue in a cycle (SQLAlchemy session, no Flask).

Everyone whose due date is the cycle's own is counted in one aggregate query per cycle; only
joiners whose 28-day window runs past the due date (a few) are fetched row by row and classified
with the same rule as the drill-down, `classify`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from register import clock
from register.declarations.services import due_date
from register.models import Declaration, DeclarationCycle, Department, User
from register.models.declarations import cycle_department
from register.models.people import OFFICIAL

ON_TIME = "on_time"
LATE = "late"
OVERDUE = "overdue"
NOT_YET_DUE = "not_yet_due"
STATUS_LABELS = {
    ON_TIME: "Filed on time",
    LATE: "Filed late",
    OVERDUE: "Overdue",
    NOT_YET_DUE: "Not yet due",
}
# Drill-down filters: the four statuses plus these groupings.
FILTERS = {
    "in_scope": "Owe a declaration",
    "filed": "Filed",
    "nil": "Filed a nil return",
    **STATUS_LABELS,
}


def late_cutoff(due: date) -> datetime:
    """The first instant (UTC) that counts as late: midnight UK time after the due date."""
    return clock.local_midnight(due + timedelta(days=1))


def classify(due: date, first_submitted_at: datetime | None, filed: bool, today: date) -> str:
    """One official's status: filed on time or late, overdue, or not yet due (UK dates)."""
    if filed and first_submitted_at is not None:
        return LATE if clock.local_date(first_submitted_at) > due else ON_TIME
    return OVERDUE if today > due else NOT_YET_DUE


@dataclass
class Counts:
    in_scope: int = 0
    filed: int = 0
    nil: int = 0
    late: int = 0
    overdue: int = 0
    not_yet_due: int = 0

    @property
    def on_time(self) -> int:
        return self.filed - self.late

    @property
    def percent_filed(self) -> float:
        return 100.0 * self.filed / self.in_scope if self.in_scope else 0.0

    def add(self, other: Counts) -> None:
        for name in ("in_scope", "filed", "nil", "late", "overdue", "not_yet_due"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, int | float]:
        return {
            "in_scope": self.in_scope,
            "filed": self.filed,
            "nil_returns": self.nil,
            "filed_on_time": self.on_time,
            "filed_late": self.late,
            "overdue": self.overdue,
            "not_yet_due": self.not_yet_due,
            "percent_filed": round(self.percent_filed, 1),
        }


@dataclass
class DepartmentCounts:
    department_id: int
    code: str
    name: str
    counts: Counts = field(default_factory=Counts)


@dataclass
class Completeness:
    cycle: DeclarationCycle
    today: date
    departments: list[DepartmentCounts]
    total: Counts


def _joiner_threshold(cycle: DeclarationCycle, joiner_days: int) -> date:
    """Officials who joined after this date have a later due date than the cycle's own."""
    return max(cycle.opens_on, cycle.due_on - timedelta(days=joiner_days))


def _scope(cycle: DeclarationCycle) -> Select[tuple[()]]:
    """Officials who owe a declaration in `cycle`, joined to their declaration (if any)."""
    return (
        select()
        .select_from(User)
        .join(
            cycle_department,
            and_(
                cycle_department.c.department_id == User.department_id,
                cycle_department.c.cycle_id == cycle.id,
            ),
        )
        .outerjoin(
            Declaration,
            and_(Declaration.official_id == User.id, Declaration.cycle_id == cycle.id),
        )
        .where(
            User.role == OFFICIAL,
            or_(User.left_on.is_(None), User.left_on >= cycle.opens_on),
        )
    )


def _filed() -> ColumnElement[bool]:
    return func.coalesce(Declaration.version_count, 0) > 0


def compute(
    session: Session,
    cycle: DeclarationCycle,
    *,
    today: date,
    joiner_days: int,
    department_ids: Iterable[int] | None = None,
) -> Completeness:
    """Counts per department of the cycle (optionally only `department_ids`) and overall."""
    wanted = None if department_ids is None else set(department_ids)
    departments = [
        DepartmentCounts(d.id, d.code, d.name)
        for d in cycle.departments
        if wanted is None or d.id in wanted
    ]
    by_id = {d.department_id: d for d in departments}
    threshold = _joiner_threshold(cycle, joiner_days)
    filed = _filed()

    def total_of(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return func.sum(case((condition, 1), else_=0))

    regular = (
        _scope(cycle)
        .add_columns(
            User.department_id,
            func.count(User.id),
            total_of(filed),
            total_of(and_(filed, Declaration.is_nil.is_(True))),
            total_of(and_(filed, Declaration.first_submitted_at >= late_cutoff(cycle.due_on))),
        )
        .where(or_(User.joined_on.is_(None), User.joined_on <= threshold))
        .group_by(User.department_id)
    )
    for department_id, in_scope, n_filed, n_nil, n_late in session.execute(regular):
        if department_id not in by_id:
            continue
        counts = by_id[department_id].counts
        unfiled = in_scope - (n_filed or 0)
        counts.in_scope += in_scope
        counts.filed += n_filed or 0
        counts.nil += n_nil or 0
        counts.late += n_late or 0
        if today > cycle.due_on:
            counts.overdue += unfiled
        else:
            counts.not_yet_due += unfiled
    joiners = (
        _scope(cycle)
        .add_columns(
            User.department_id,
            User.joined_on,
            Declaration.first_submitted_at,
            filed,
            Declaration.is_nil,
        )
        .where(User.joined_on > threshold)
    )
    for department_id, joined_on, first_at, is_filed, is_nil in session.execute(joiners):
        if department_id not in by_id:
            continue
        counts = by_id[department_id].counts
        due = joined_on + timedelta(days=joiner_days)
        state = classify(due, first_at, bool(is_filed), today)
        counts.in_scope += 1
        counts.filed += bool(is_filed)
        counts.nil += bool(is_filed and is_nil)
        counts.late += state == LATE
        counts.overdue += state == OVERDUE
        counts.not_yet_due += state == NOT_YET_DUE
    total = Counts()
    for department in departments:
        total.add(department.counts)
    return Completeness(cycle, today, departments, total)


@dataclass(frozen=True)
class Person:
    official_id: int
    full_name: str
    email: str
    job_title: str | None
    department_id: int
    department_code: str
    joined_on: date | None
    due: date
    status: str
    declaration_id: int | None
    first_submitted_at: datetime | None
    nil_return: bool
    version_count: int

    @property
    def filed(self) -> bool:
        return self.version_count > 0

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    def matches(self, wanted: str) -> bool:
        if wanted == "in_scope":
            return True
        if wanted == "filed":
            return self.filed
        if wanted == "nil":
            return self.filed and self.nil_return
        return self.status == wanted


def people(
    session: Session,
    cycle: DeclarationCycle,
    *,
    today: date,
    joiner_days: int,
    department_ids: Iterable[int] | None = None,
    status: str = "in_scope",
    official_ids: Iterable[int] | None = None,
    batch: int = 2000,
) -> Iterator[Person]:
    """Officials in scope, by department then name, each with their due date and status."""
    statement = (
        _scope(cycle)
        .add_columns(
            User.id,
            User.full_name,
            User.email,
            User.job_title,
            User.department_id,
            Department.code,
            User.joined_on,
            Declaration.id,
            Declaration.first_submitted_at,
            Declaration.is_nil,
            Declaration.version_count,
        )
        .join(Department, Department.id == User.department_id)
        .order_by(Department.code, User.full_name, User.id)
    )
    if department_ids is not None:
        statement = statement.where(User.department_id.in_(list(department_ids)))
    if official_ids is not None:
        statement = statement.where(User.id.in_(list(official_ids)))
    for row in session.execute(statement.execution_options(yield_per=batch)):
        (
            official_id,
            name,
            email,
            job_title,
            department_id,
            code,
            joined_on,
            declaration_id,
            first_at,
            is_nil,
            version_count,
        ) = row
        due = due_date(_Joined(joined_on), cycle, joiner_days)  # type: ignore[arg-type]
        person = Person(
            official_id,
            name,
            email,
            job_title,
            department_id,
            code,
            joined_on,
            due,
            classify(due, first_at, bool(version_count), today),
            declaration_id,
            first_at,
            bool(is_nil),
            version_count or 0,
        )
        if person.matches(status):
            yield person


@dataclass(frozen=True)
class _Joined:
    """What `due_date` reads from an official: only the joining date."""

    joined_on: date | None
