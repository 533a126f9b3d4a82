"""One official's whole record, as compliance officers and auditors read it: every cycle's
declarations and versions, what changed from one cycle to the next, flags, management plans
and their acknowledgements, and reminders sent. No Flask here.

Reading it reads personal data, so `official_record_audited` records who read whose record
(as `register.review.search.search_declarations_audited` records a search).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from register import access
from register.audit.log import record
from register.declarations import services as declarations
from register.declarations.services import InterestChange, version_changes
from register.models import (
    Case,
    CaseQuestion,
    Declaration,
    DeclarationCycle,
    DeclarationVersion,
    Flag,
    ManagementPlan,
    Reminder,
    User,
)


@dataclass(frozen=True)
class CycleEntry:
    """One cycle the official has a declaration for, or owed one and has not started."""

    cycle: DeclarationCycle
    declaration: Declaration | None
    due: date | None  # None for a cycle the official no longer owes (they have a declaration)
    status: str
    versions: list[DeclarationVersion]  # newest first


@dataclass(frozen=True)
class CycleComparison:
    """What changed between the latest submitted versions of two consecutive cycles."""

    earlier_cycle: str
    earlier: DeclarationVersion
    later_cycle: str
    later: DeclarationVersion
    added: list[InterestChange]
    ended: list[InterestChange]  # held in the earlier cycle, given an end date in the later
    changed: list[InterestChange]  # other fields changed, not ended
    dropped: list[InterestChange]  # in the earlier cycle, no longer declared in the later
    unchanged: int  # interests carried over as they were


@dataclass(frozen=True)
class OfficialRecord:
    official: User
    cycles: list[CycleEntry]  # newest cycle first
    comparisons: list[CycleComparison]  # newest pair first
    flags: list[Flag]
    plans: list[ManagementPlan]
    reminders: list[tuple[Reminder, str]]  # each with its cycle's name, newest first
    cases: list[Case]  # those the reader may read, newest first
    questions: list[CaseQuestion]  # put to the official in those cases, newest first

    def summary(self) -> dict[str, Any]:
        """What the audit entry of a reading records."""
        return {
            "official_id": self.official.id,
            "declarations": sum(1 for c in self.cycles if c.declaration is not None),
            "versions": sum(len(c.versions) for c in self.cycles),
            "flags": len(self.flags),
            "plans": len(self.plans),
            "reminders": len(self.reminders),
            "cases": len(self.cases),
            "questions": len(self.questions),
        }


def compare_cycles(
    earlier_cycle: str,
    earlier: DeclarationVersion,
    later_cycle: str,
    later: DeclarationVersion,
) -> CycleComparison:
    """Year on year: the latest versions of two cycles compared interest by interest (by
    lineage, as `version_changes` compares two versions of one declaration; a new cycle's
    declaration starts from the previous one, so an interest keeps its lineage)."""
    before, after = json.loads(earlier.content), json.loads(later.content)
    changes = version_changes(before, after)
    added = [c for c in changes if c.kind == "added"]
    dropped = [c for c in changes if c.kind == "removed"]
    ended = [c for c in changes if c.kind == "changed" and c.ended_on]
    changed = [c for c in changes if c.kind == "changed" and not c.ended_on]
    touched = {c.lineage for c in changes}
    unchanged = sum(1 for item in after.get("interests", []) if item["lineage"] not in touched)
    return CycleComparison(
        earlier_cycle, earlier, later_cycle, later, added, ended, changed, dropped, unchanged
    )


def _cycles(session: Session, official: User, *, today: date, joiner_days: int) -> list[CycleEntry]:
    found = session.execute(
        select(Declaration, DeclarationCycle)
        .join(DeclarationCycle, Declaration.cycle_id == DeclarationCycle.id)
        .where(Declaration.official_id == official.id)
        .options(selectinload(Declaration.versions))
    ).all()
    entries = []
    by_cycle = {cycle.id: declaration for declaration, cycle in found}
    for declaration, cycle in found:
        due = declarations.due_date(official, cycle, joiner_days)
        entries.append(
            CycleEntry(
                cycle,
                declaration,
                due,
                declarations.status(declaration, due, today),
                list(reversed(declaration.versions)),
            )
        )
    # Cycles open now or before that the official owes and has not started: the gap shows.
    for cycle in session.scalars(
        select(DeclarationCycle).where(DeclarationCycle.opens_on <= today)
    ):
        if cycle.id not in by_cycle and declarations.owes_declaration(official, cycle):
            due = declarations.due_date(official, cycle, joiner_days)
            entries.append(CycleEntry(cycle, None, due, declarations.status(None, due, today), []))
    entries.sort(key=lambda e: (e.cycle.opens_on, e.cycle.id), reverse=True)
    return entries


def _comparisons(cycles: list[CycleEntry]) -> list[CycleComparison]:
    """Each cycle with a submitted version against the previous such cycle."""
    submitted = [c for c in reversed(cycles) if c.versions]  # oldest first
    pairs = zip(submitted, submitted[1:], strict=False)
    found = [
        compare_cycles(a.cycle.name, a.versions[0], b.cycle.name, b.versions[0]) for a, b in pairs
    ]
    return list(reversed(found))


def official_record(
    session: Session, reader: User, official: User, *, today: date, joiner_days: int
) -> OfficialRecord:
    """The record of `official` for `reader`; the caller has checked
    `access.can_read_official_record`. Flags and plans are those the reader may read."""
    cycles = _cycles(session, official, today=today, joiner_days=joiner_days)
    in_scope = access.flag_scope(reader) & (Flag.official_id == official.id)
    flags = list(
        session.scalars(
            select(Flag)
            .where(in_scope, or_(Flag.active.is_(True), Flag.decisions.any()))
            .options(
                selectinload(Flag.award), selectinload(Flag.decisions), selectinload(Flag.interest)
            )
            .order_by(Flag.created_at.desc(), Flag.id.desc())
        )
    )
    plans = list(
        session.scalars(
            select(ManagementPlan)
            .join(Flag, ManagementPlan.flag_id == Flag.id)
            .where(in_scope, ManagementPlan.official_id == official.id)
            .options(selectinload(ManagementPlan.flag), selectinload(ManagementPlan.owner))
            .order_by(ManagementPlan.created_at.desc(), ManagementPlan.id.desc())
        )
    )
    reminders = [
        (reminder, name)
        for reminder, name in session.execute(
            select(Reminder, DeclarationCycle.name)
            .join(DeclarationCycle, Reminder.cycle_id == DeclarationCycle.id)
            .where(Reminder.official_id == official.id)
            .options(selectinload(Reminder.sent_by), selectinload(Reminder.email))
            .order_by(Reminder.sent_at.desc(), Reminder.id.desc())
        )
    ]
    cases = list(
        session.scalars(
            select(Case)
            .where(access.case_scope(reader), Case.official_id == official.id)
            .options(selectinload(Case.assignee))
            .order_by(Case.opened_at.desc(), Case.id.desc())
        )
    )
    questions = list(
        session.scalars(
            select(CaseQuestion)
            .where(CaseQuestion.case_id.in_([c.id for c in cases]))
            .options(selectinload(CaseQuestion.case), selectinload(CaseQuestion.asked_by))
            .order_by(CaseQuestion.asked_at.desc(), CaseQuestion.id.desc())
        )
    )
    return OfficialRecord(
        official, cycles, _comparisons(cycles), flags, plans, reminders, cases, questions
    )


def official_record_audited(
    session: Session,
    reader: User,
    official: User,
    *,
    today: date,
    joiner_days: int,
    ip_address: str | None = None,
) -> OfficialRecord:
    """`official_record`, with an audit entry of who read whose record and what it held."""
    found = official_record(session, reader, official, today=today, joiner_days=joiner_days)
    record(
        session,
        "officials.record_viewed",
        f"Viewed the record of {official.full_name}",
        actor=reader,
        object_type="user",
        object_id=official.id,
        ip_address=ip_address,
        details=found.summary(),
    )
    return found
