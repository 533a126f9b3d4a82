"""The conflicts check of a procurement: each person acting against each supplier, explained.

Before an award there is no award date: an interest matters if it is held on the day of the
check, or ended (a gift was received) within the look-back before it. A conflict is *actual*
when the person's own interest is held now, and *potential* otherwise (an associate's interest,
one that ended, a gift, a sister company's name, or company records the person did not declare).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from .people import BIRTH_MATCH, PersonIndex, person, read_person_name
from .score import (
    RELATIONSHIP_WEIGHTS,
    identifier_keys,
    months_between,
    name_match_text,
    relate_names,
    subtract_months,
)
from .types import InterestRecord

ACTUAL = "actual"
POTENTIAL = "potential"
WHOSE_TEXT = {
    "self": "",
    "spouse_partner": "of their spouse or partner",
    "dependent_child": "of their dependent child",
    "close_associate": "of a close associate",
}


@dataclass(frozen=True, slots=True)
class Supplier:
    key: int
    name: str
    company_number: str | None
    relation: str  # in words: "is a bidder"


@dataclass(frozen=True, slots=True)
class CheckedInterest:
    """A person's declared organisation, with the words for its category: "shareholding" and
    "in", "gift or hospitality" and "from"."""

    person_key: int
    record: InterestRecord
    category_label: str
    preposition: str
    lineage: str


@dataclass(frozen=True, slots=True)
class Officer:
    """A company officer or PSC record of a supplier's company."""

    key: int
    company_number: str
    company_name: str | None
    name: str
    role: str
    appointed_on: date | None
    resigned_on: date | None
    birth_month: int | None
    birth_year: int | None


@dataclass(frozen=True, slots=True)
class Acting:
    """A person acting in relation to the procurement, as the people matcher reads them."""

    key: int
    names: tuple[str, ...]
    birth_month: int | None = None
    birth_year: int | None = None


@dataclass(frozen=True, slots=True)
class Relative:
    """A close personal relationship a person declared: the related person's name."""

    person_key: int
    related_name: str
    relationship: str
    lineage: str


@dataclass(frozen=True, slots=True)
class Conflict:
    key: str  # what found it, stable across re-checks
    person_key: int
    supplier_key: int | None
    other_person_key: int | None
    kind: str
    nature: str
    summary: str
    reasons: tuple[str, ...]


def _ago(earlier: date, on: date) -> str:
    months = months_between(earlier, on)
    if months <= 0:
        return "this month"
    return f"{months} month{'s' if months != 1 else ''} ago"


def _when(item: CheckedInterest, on: date, lookback: int) -> tuple[str, bool] | None:
    """How the interest stands on the day of the check (and whether it is held), or None when
    it is outside the look-back or not yet begun."""
    record = item.record
    earliest = subtract_months(on, lookback)
    if record.category == "gift":
        given = record.start_date or record.end_date
        if given is None:
            return "received on a date not given", False
        if given < earliest or given > on:
            return None
        return f"received {_ago(given, on)}", False
    if record.start_date is not None and record.start_date > on:
        return None
    if record.end_date is None or record.end_date >= on:
        return "held now", True
    if record.end_date < earliest:
        return None
    return f"ended {_ago(record.end_date, on)}", False


def interest_conflict(
    item: CheckedInterest, supplier: Supplier, on: date, lookback: int
) -> Conflict | None:
    """A person's declared organisation against one supplier."""
    record = item.record
    theirs = identifier_keys(record.identifiers)
    ours = (
        identifier_keys((("GB-COH", supplier.company_number),)) if supplier.company_number else ()
    )
    shared = sorted(theirs & frozenset(ours))
    if shared:
        match_text = f"company number {shared[0][1]} matches"
        group = False
    else:
        match = relate_names(record.organisation_name, supplier.name)
        if match is None:
            return None
        match_text = name_match_text(match)
        group = not match.matched
        if group:
            match_text = f"a different company of the same group name: {match_text}"
    when = _when(item, on, lookback)
    if when is None:
        return None
    how, held = when
    whose = WHOSE_TEXT.get(record.whose, "")
    if record.relationship is not None:
        relation = RELATIONSHIP_WEIGHTS.get(record.relationship, ("close associate", 0))[0]
        whose = f"of their {relation}"
    owner = f" {whose}" if whose else ""
    summary = (
        f"{item.category_label}{owner} {item.preposition} {record.organisation_name} {how}; "
        f"{supplier.name} {supplier.relation}"
    )
    actual = held and record.whose == "self" and record.relationship is None and not group
    return Conflict(
        key=f"interest:{item.lineage}:{record.source_key}:{supplier.key}",
        person_key=item.person_key,
        supplier_key=supplier.key,
        other_person_key=None,
        kind="declared_interest",
        nature=ACTUAL if actual else POTENTIAL,
        summary=summary,
        reasons=(
            match_text,
            f"{item.category_label}{owner} {how}",
            f"{supplier.name} {supplier.relation}",
        ),
    )


def _day(value: date | None) -> str:
    return f"{value.day} {value:%B %Y}" if value else "an unknown date"


def officer_conflicts(
    people: Iterable[Acting],
    officers: Iterable[Officer],
    suppliers: Iterable[Supplier],
    on: date,
    lookback: int,
) -> Iterator[Conflict]:
    """Company officers and PSCs of the suppliers' companies who are people acting: held now,
    or resigned within the look-back."""
    index = PersonIndex(person(p.key, p.names, p.birth_month, p.birth_year) for p in people)
    by_number: dict[str, list[Supplier]] = {}
    for supplier in suppliers:
        if supplier.company_number:
            by_number.setdefault(supplier.company_number, []).append(supplier)
    earliest = subtract_months(on, lookback)
    for officer in officers:
        if officer.resigned_on is not None and officer.resigned_on < earliest:
            continue
        name = read_person_name(officer.name)
        if name is None:
            continue
        for found in index.matches(name, officer.birth_month, officer.birth_year):
            for supplier in by_number.get(officer.company_number, []):
                held = officer.resigned_on is None or officer.resigned_on >= on
                until = "now" if officer.resigned_on is None else _day(officer.resigned_on)
                company = officer.company_name or supplier.name
                record_text = (
                    f"company records list {officer.name} as {officer.role} of {company} "
                    f"(company {officer.company_number}) from {_day(officer.appointed_on)} "
                    f"to {until}"
                )
                birth = (
                    "month and year of birth match"
                    if found.birth == BIRTH_MATCH
                    else ("matched on the name only: no birth date on both sides to compare")
                )
                yield Conflict(
                    key=f"officer:{officer.key}:{supplier.key}",
                    person_key=found.person.id,
                    supplier_key=supplier.key,
                    other_person_key=None,
                    kind="undeclared_interest",
                    nature=ACTUAL if held else POTENTIAL,
                    summary=f"{record_text}; {supplier.name} {supplier.relation}",
                    reasons=(
                        record_text,
                        f"names match: {found.matched_name.display}"
                        + (f" ({found.reason})" if found.reason else ""),
                        birth,
                        f"{supplier.name} {supplier.relation}",
                    ),
                )


def relationship_conflicts(
    people: Iterable[Acting], relatives: Iterable[Relative], labels: dict[int, str]
) -> Iterator[Conflict]:
    """A person acting who declared a close personal relationship with another person acting."""
    index = PersonIndex(person(p.key, p.names, p.birth_month, p.birth_year) for p in people)
    for relative in relatives:
        name = read_person_name(relative.related_name)
        if name is None:
            continue
        for found in index.matches(name, None, None):
            if found.person.id == relative.person_key:
                continue
            relation = RELATIONSHIP_WEIGHTS.get(relative.relationship, ("close associate", 0))[0]
            summary = (
                f"{labels[relative.person_key]} declared {relative.related_name} as their "
                f"{relation}; {labels[found.person.id]} also acts on this procurement"
            )
            yield Conflict(
                key=f"relationship:{relative.lineage}:{found.person.id}",
                person_key=relative.person_key,
                supplier_key=None,
                other_person_key=found.person.id,
                kind="relationship",
                nature=ACTUAL,
                summary=summary,
                reasons=(summary, f"names match: {found.matched_name.display}"),
            )
