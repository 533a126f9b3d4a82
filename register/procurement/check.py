"""Run the conflicts check of one procurement from the database, and keep its conflicts.

The comparison is the matching engine's (register.matching.procurement); this module reads what
it needs (the people's latest submitted declarations, the suppliers' company records, the
declarations made for the procurement) and brings the stored conflicts in line with what it
finds, losing nothing: a conflict no longer found is marked cleared, never deleted, and the
conflicts of a person removed or a supplier excluded stay as they were.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from register import clock
from register.clock import utcnow
from register.declarations.categories import GIFT, RELATIONSHIP
from register.declarations.queries import latest_versions, records_from_version
from register.matching import procurement as engine
from register.matching.people import split_other_names
from register.models import (
    CompanyOfficer,
    Procurement,
    ProcurementConflict,
    User,
)
from register.models.base import IN_BATCH
from register.models.procurement import (
    ACTUAL,
    DECLARED_FOR_PROCUREMENT,
    HAS_CONFLICT,
    RELATIONS,
)

# How a category reads in a conflict's explanation: "shareholding in", "gift or hospitality from".
PHRASES = {
    "directorship": ("directorship or office", "at"),
    "employment": ("employment or consultancy", "with"),
    "shareholding": ("shareholding", "in"),
    RELATIONSHIP: ("work or office", "at"),
    GIFT: ("gift or hospitality", "from"),
    "membership": ("membership", "of"),
}


@dataclass
class CheckOutcome:
    """What a check changed: the conflicts it found for the first time (or again after they
    had cleared), and those it no longer finds."""

    new: list[ProcurementConflict] = field(default_factory=list)
    cleared: list[ProcurementConflict] = field(default_factory=list)
    updated: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.new or self.cleared or self.updated)


@dataclass(frozen=True)
class Person:
    """Someone checked: a key for the results, and the register user or the name given."""

    key: int
    user: User | None
    name: str


def find_conflicts(
    session: Session, procurement: Procurement, lookback: int
) -> list[engine.Conflict]:
    """Every conflict between the people acting now and the suppliers not excluded."""
    people = [
        Person(p.id, session.get(User, p.user_id) if p.user_id is not None else None, p.name)
        for p in procurement.people
        if p.active
    ]
    suppliers = [
        engine.Supplier(s.id, s.name, s.company_number, RELATIONS.get(s.relation, s.relation))
        for s in procurement.suppliers
        if s.excluded_at is None
    ]
    found = conflicts_between(session, people, suppliers, lookback)
    found.extend(_declared_for_procurement(procurement))
    unique: dict[str, engine.Conflict] = {}
    for conflict in found:
        unique.setdefault(conflict.key, conflict)
    return list(unique.values())


def conflicts_between(
    session: Session, people: list[Person], suppliers: list[engine.Supplier], lookback: int
) -> list[engine.Conflict]:
    """The check itself: declared interests (own, associates', ended or gifts within the
    look-back), company records of the suppliers naming a person, and relationships between
    the people."""
    on = clock.today()
    by_user = {p.user.id: p for p in people if p.user is not None}
    interests: list[engine.CheckedInterest] = []
    relatives: list[engine.Relative] = []
    for version, official in latest_versions(session, list(by_user)):
        acting = by_user[official.id]
        for record, meta in records_from_version(version, official):
            noun, preposition = PHRASES.get(record.category, (record.category, "in"))
            interests.append(
                engine.CheckedInterest(acting.key, record, noun, preposition, meta.lineage)
            )
        for item in json.loads(version.content)["interests"]:
            if item["category"] == RELATIONSHIP and item.get("related_person_name"):
                relatives.append(
                    engine.Relative(
                        acting.key,
                        item["related_person_name"],
                        item.get("relationship_type") or "",
                        item["lineage"],
                    )
                )
    found: list[engine.Conflict] = []
    for item in interests:
        for supplier in suppliers:
            conflict = engine.interest_conflict(item, supplier, on, lookback)
            if conflict is not None:
                found.append(conflict)
    declared = {(c.person_key, c.supplier_key) for c in found}
    acting_people = [_acting(p) for p in people]
    numbers = sorted({s.company_number for s in suppliers if s.company_number})
    officers = [
        engine.Officer(
            row.id,
            row.company_number,
            row.company_name,
            row.name,
            row.role,
            row.appointed_on,
            row.resigned_on,
            row.birth_month,
            row.birth_year,
        )
        for start in range(0, len(numbers), IN_BATCH)
        for row in session.scalars(
            select(CompanyOfficer).where(
                CompanyOfficer.company_number.in_(numbers[start : start + IN_BATCH])
            )
        )
    ]
    found.extend(
        c
        for c in engine.officer_conflicts(acting_people, officers, suppliers, on, lookback)
        if (c.person_key, c.supplier_key) not in declared
    )
    labels = {p.key: p.name for p in people}
    found.extend(engine.relationship_conflicts(acting_people, relatives, labels))
    return found


def _acting(person: Person) -> engine.Acting:
    user = person.user
    if user is None:
        return engine.Acting(person.key, (person.name,))
    names = (user.full_name, *split_other_names(user.other_names))
    return engine.Acting(person.key, names, user.birth_month, user.birth_year)


def _declared_for_procurement(procurement: Procurement) -> list[engine.Conflict]:
    """The conflicts people declared themselves when asked about this procurement."""
    found = []
    for person in procurement.people:
        answer = person.latest_declaration
        if not person.active or answer is None or answer.state != HAS_CONFLICT:
            continue
        supplier = answer.supplier
        about = f" about {supplier.name}" if supplier is not None else ""
        text = f"{person.name} declared{about}: {answer.details}"
        found.append(
            engine.Conflict(
                key=f"declared:{answer.id}",
                person_key=person.id,
                supplier_key=supplier.id if supplier is not None else None,
                other_person_key=None,
                kind=DECLARED_FOR_PROCUREMENT,
                nature=ACTUAL,
                summary=text,
                reasons=(text,),
            )
        )
    return found


def apply_check(session: Session, procurement: Procurement, lookback: int) -> CheckOutcome:
    """Bring the stored conflicts in line with a fresh check."""
    outcome = CheckOutcome()
    now = utcnow()
    stored = {c.key: c for c in procurement.conflicts}
    found = find_conflicts(session, procurement, lookback)
    for item in found:
        reasons = json.dumps(list(item.reasons))
        conflict = stored.get(item.key)
        if conflict is None:
            conflict = ProcurementConflict(
                procurement=procurement,
                person_id=item.person_key,
                supplier_id=item.supplier_key,
                other_person_id=item.other_person_key,
                key=item.key,
                kind=item.kind,
                nature=item.nature,
                summary=item.summary,
                reasons=reasons,
                found_at=now,
                active=True,
            )
            session.add(conflict)
            outcome.new.append(conflict)
            continue
        if not conflict.active:
            conflict.active, conflict.cleared_at = True, None
            outcome.new.append(conflict)
        if (conflict.summary, conflict.reasons, conflict.nature) != (
            item.summary,
            reasons,
            item.nature,
        ):
            conflict.summary, conflict.reasons, conflict.nature = item.summary, reasons, item.nature
            outcome.updated += 1
    keys = {item.key for item in found}
    for conflict in stored.values():
        if conflict.key in keys or not conflict.active:
            continue
        if not conflict.person.active:
            continue  # removed from the procurement: its record stays as it was
        if conflict.supplier is not None and conflict.supplier.excluded_at is not None:
            continue
        conflict.active, conflict.cleared_at = False, now
        outcome.cleared.append(conflict)
    session.flush()
    return outcome
