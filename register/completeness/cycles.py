"""Which cycle a page shows, and why; which departments nobody reviews (SQLAlchemy, no Flask).

A page that picks a cycle (completeness, exports, dashboards) shows the reader's own choice if
they made one (the view keeps it in the session), otherwise the open cycle covering the most
officials in the reader's scope, and says which rule picked it. "Open" means it has opened and
an administrator has not closed it.
"""

from __future__ import annotations

from collections.abc import Collection, MutableMapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from register.models import DeclarationCycle, Department, User
from register.models.declarations import cycle_department
from register.models.people import COMPLIANCE, OFFICIAL, compliance_assignment

CHOSEN = "chosen"
REMEMBERED = "remembered"
MOST_OFFICIALS = "most_officials"
NONE_OPEN = "none_open"


@dataclass(frozen=True)
class CycleChoice:
    cycle: DeclarationCycle | None
    rule: str
    officials: int  # officials in the reader's scope that the cycle covers
    in_your_departments: bool  # the reader's scope is some departments, not all

    @property
    def reason(self) -> str:
        """Why this cycle is shown, in a sentence."""
        if self.cycle is None:
            return "There are no declaration cycles yet."
        where = "in your departments" if self.in_your_departments else "in the register"
        people = f"{self.officials} {'official' if self.officials == 1 else 'officials'}"
        if self.rule == CHOSEN:
            return f"You chose {self.cycle.name}; it stays chosen until you sign out."
        if self.rule == REMEMBERED:
            return (
                f"You chose {self.cycle.name} earlier; it stays chosen until you choose another "
                "or sign out."
            )
        if self.rule == MOST_OFFICIALS:
            return (
                f"Shown because {self.cycle.name} is the open cycle covering the most officials "
                f"{where} ({people})."
            )
        return f"No cycle is open; shown because {self.cycle.name} is the most recent one."


def officials_covered(
    session: Session, cycles: Collection[DeclarationCycle], department_ids: set[int] | None
) -> dict[int, int]:
    """For each cycle, how many officials (not left before it opened) of `department_ids`
    (None: every department) it covers."""
    if not cycles:
        return {}
    statement = (
        select(DeclarationCycle.id, func.count(User.id))
        .join(cycle_department, cycle_department.c.cycle_id == DeclarationCycle.id)
        .join(User, User.department_id == cycle_department.c.department_id)
        .where(
            DeclarationCycle.id.in_([c.id for c in cycles]),
            User.role == OFFICIAL,
            or_(User.left_on.is_(None), User.left_on >= DeclarationCycle.opens_on),
        )
        .group_by(DeclarationCycle.id)
    )
    if department_ids is not None:
        statement = statement.where(User.department_id.in_(sorted(department_ids)))
    return {cycle_id: n for cycle_id, n in session.execute(statement)}


def choose_cycle(
    session: Session,
    *,
    today: date,
    department_ids: set[int] | None,
    requested_id: int | None = None,
    remembered_id: int | None = None,
) -> CycleChoice:
    """The cycle to show: the one asked for, else the one remembered, else the open cycle
    covering the most officials in `department_ids` (None: all), else the latest to open."""
    scoped = department_ids is not None
    for wanted, rule in ((requested_id, CHOSEN), (remembered_id, REMEMBERED)):
        cycle = session.get(DeclarationCycle, wanted) if wanted else None
        if cycle is not None:
            count = officials_covered(session, [cycle], department_ids).get(cycle.id, 0)
            return CycleChoice(cycle, rule, count, scoped)
    cycles = list(session.scalars(select(DeclarationCycle)))
    open_cycles = [c for c in cycles if c.opens_on <= today and c.closed_on is None]
    counts = officials_covered(session, open_cycles, department_ids)
    if open_cycles:
        best = max(open_cycles, key=lambda c: (counts.get(c.id, 0), c.opens_on, c.id))
        return CycleChoice(best, MOST_OFFICIALS, counts.get(best.id, 0), scoped)
    if not cycles:
        return CycleChoice(None, NONE_OPEN, 0, scoped)
    opened = [c for c in cycles if c.opens_on <= today]
    latest = (
        max(opened, key=lambda c: (c.opens_on, c.id))
        if opened
        else min(cycles, key=lambda c: (c.opens_on, c.id))
    )
    count = officials_covered(session, [latest], department_ids).get(latest.id, 0)
    return CycleChoice(latest, NONE_OPEN, count, scoped)


@dataclass(frozen=True)
class Unreviewed:
    """A department with no active compliance officer assigned, and how many officials it has."""

    department_id: int
    code: str
    name: str
    officials: int


def unreviewed_departments(
    session: Session, department_ids: Collection[int] | None = None
) -> list[Unreviewed]:
    """Departments (of `department_ids`, or all) that no active compliance officer reviews."""
    reviewed = (
        select(compliance_assignment.c.department_id)
        .join(User, User.id == compliance_assignment.c.user_id)
        .where(User.role == COMPLIANCE, User.active.is_(True))
    )
    officials = (
        select(func.count(User.id))
        .where(
            User.department_id == Department.id,
            User.role == OFFICIAL,
            User.left_on.is_(None),
        )
        .scalar_subquery()
    )
    statement = (
        select(Department.id, Department.code, Department.name, officials)
        .where(Department.id.not_in(reviewed))
        .order_by(Department.name)
    )
    if department_ids is not None:
        statement = statement.where(Department.id.in_(list(department_ids)))
    return [Unreviewed(*row) for row in session.execute(statement)]


CYCLE_KEY = "cycle_id"  # where a reader's chosen cycle is kept (their session)


def choose_for_reader(
    session: Session,
    remembered: MutableMapping[str, Any],
    *,
    today: date,
    department_ids: set[int] | None,
    requested_id: int | None,
) -> CycleChoice:
    """`choose_cycle` with the reader's choice kept in `remembered` (the web session): a cycle
    asked for is remembered for the next page that picks one."""
    choice = choose_cycle(
        session,
        today=today,
        department_ids=department_ids,
        requested_id=requested_id,
        remembered_id=remembered.get(CYCLE_KEY),
    )
    if choice.rule == CHOSEN and choice.cycle is not None:
        remembered[CYCLE_KEY] = choice.cycle.id
    return choice
