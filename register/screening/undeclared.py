"""Possible undeclared interests: officials who appear as officers or PSCs of award suppliers.

An official whose name (and month and year of birth, when both sides have them) matches an
officer or PSC of a company that won an award while they held the appointment, or within the
look-back period after it ended, and whose latest declaration names no interest in that company
(by company number, or by name as the matching engine compares names), gets one flag per company
in the review queue. Flags are upserted by (official, company), so re-runs never duplicate a flag
or lose a decision; a decided flag whose officer record or award changed is reopened.

A run screens everything, or only some officials (a declaration was submitted) and/or some
companies (their awards or officer records were imported): flags outside that scope are left as
they are.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from register.audit.log import record
from register.candidate_index import officers_named_by
from register.clock import utcnow
from register.declarations.queries import latest_versions, records_from_version
from register.matching import compare_names
from register.matching.identifiers import normalise_identifier
from register.matching.people import (
    BIRTH_MATCH,
    EXACT,
    FULL,
    INITIAL,
    NAME_ORDER,
    NICKNAME,
    SURNAME_PART,
    TRANSLITERATION,
    TYPO,
    PersonIndex,
    PersonMatch,
    birth_text,
    person,
    read_person_name,
    split_other_names,
)
from register.matching.score import months_between
from register.models import Award, AwardSupplier, CompanyOfficer, Flag, UndeclaredFinding, User
from register.models.base import IN_BATCH
from register.models.flags import UNDECLARED
from register.models.people import OFFICIAL
from register.screening.flags import FlagCounts, upsert_flag, withdraw_missing

T = TypeVar("T", str, int)

SOURCE_KEY = "undeclared"
NAME_WEIGHT = {
    EXACT: 40.0,
    FULL: 35.0,
    NICKNAME: 32.0,
    TRANSLITERATION: 32.0,
    NAME_ORDER: 30.0,
    SURNAME_PART: 30.0,
    INITIAL: 25.0,
    TYPO: 25.0,  # only ever with the month and year of birth agreeing
}
NAME_LABEL = {INITIAL: "initial only", NAME_ORDER: "name order", SURNAME_PART: "surname part"}
BIRTH_WEIGHT = 35.0
OWN_DEPARTMENT_WEIGHT = 20.0
OTHER_BUYER_WEIGHT = 5.0
# A scoped run lists its companies in SQL IN clauses of IN_BATCH. An import that changed more
# than SCOPE_LIMIT companies screens everything instead: measured with bench/undeclared.py
# (20,000 officials, 1M officer records), a full run took 3.2 s, 5,000 companies 1.0 s. With
# nicknames, name forms and romanisations (rigour's person-name data) the full run took 22 s on
# a shared two-core machine (8.8 s there before), 6 s of it building rigour's name tagger once.
SCOPE_LIMIT = 10_000


@dataclass(frozen=True, slots=True)
class Supply:
    """One award to a company, as screening needs it."""

    award_supplier_id: int
    award_id: int
    award_date: date
    department_id: int | None
    supplier_name: str
    buyer_name: str
    title: str
    value: Decimal | None
    digest: str


@dataclass(frozen=True, slots=True)
class Officer:
    id: int
    company_number: str
    company_name: str | None
    name: str
    role: str
    appointed_on: date | None
    resigned_on: date | None
    birth_month: int | None
    birth_year: int | None
    digest: str


@dataclass
class Finding:
    official_id: int
    department_id: int | None
    officer: Officer
    match: PersonMatch
    supply: Supply
    score: float
    risk_level: str
    reasons: list[dict[str, Any]]


@dataclass
class UndeclaredReport(FlagCounts):
    officials: int = 0
    officers: int = 0
    matches: int = 0
    declared: int = 0  # matches the official had declared

    def add(self, batch: UndeclaredReport) -> None:
        """Count a batch's screening (of other companies, against the same officials) in."""
        self.add_counts(batch)
        self.officials = max(self.officials, batch.officials)
        self.officers += batch.officers
        self.matches += batch.matches
        self.declared += batch.declared

    def summary(self) -> str:
        return (
            f"screened {self.officials} officials against {self.officers} officer and PSC "
            f"records of award suppliers: {self.matches} person matches in the award window, "
            f"{self.declared} already declared; {self.new} new flags, {self.updated} updated, "
            f"{self.reopened} reopened, {self.withdrawn} no longer matching"
        )


def in_window(officer: Officer, award_date: date, lookback_months: int) -> bool:
    """Whether an award fell during the appointment or within the look-back after it ended."""
    if officer.appointed_on and award_date < officer.appointed_on:
        return False
    if officer.resigned_on and award_date > officer.resigned_on:
        return months_between(officer.resigned_on, award_date) < lookback_months
    return True


def best_supply(
    officer: Officer, supplies: list[Supply], department_id: int | None, lookback_months: int
) -> Supply | None:
    """The award that matters most: the official's own department first, then the latest."""
    found = [s for s in supplies if in_window(officer, s.award_date, lookback_months)]
    if not found:
        return None
    return max(
        found,
        key=lambda s: (
            department_id is not None and s.department_id == department_id,
            s.award_date,
            s.value or 0,
        ),
    )


def _day(value: date | None) -> str:
    return f"{value.day} {value:%B %Y}" if value else "an unknown date"


def assess(
    official_id: int,
    department_id: int | None,
    officer: Officer,
    match: PersonMatch,
    supply: Supply,
    lookback_months: int,
) -> Finding:
    """Score and explain one match. Risk: birth date confirmed and own department high;
    confirmed and another buyer medium; a name-only match low."""
    own = department_id is not None and supply.department_id == department_id
    confirmed = match.birth == BIRTH_MATCH
    score = NAME_WEIGHT[match.quality] + (BIRTH_WEIGHT if confirmed else 0.0)
    score += OWN_DEPARTMENT_WEIGHT if own else OTHER_BUYER_WEIGHT
    risk = "high" if confirmed and own else "medium" if confirmed else "low"
    company = officer.company_name or supply.supplier_name
    reasons = [
        (
            "officer",
            0.0,
            f"company records list {officer.name} as {officer.role} of {company} (company "
            f"{officer.company_number}) from {_day(officer.appointed_on)} to "
            f"{_day(officer.resigned_on) if officer.resigned_on else 'now'}",
        ),
        (
            "person_name",
            NAME_WEIGHT[match.quality],
            f"names match ({NAME_LABEL.get(match.quality, match.quality)}): "
            f"{match.matched_name.display}" + (f" ({match.reason})" if match.reason else ""),
        ),
        (
            (
                "birth",
                BIRTH_WEIGHT,
                f"month and year of birth match "
                f"({birth_text(officer.birth_month, officer.birth_year)})",
            )
            if confirmed
            else (
                "name_only",
                0.0,
                "no birth date on both sides to compare: a match on the name only, lower risk",
            )
        ),
        (
            (
                "own_department",
                OWN_DEPARTMENT_WEIGHT,
                f"awarded by the official's own department on {_day(supply.award_date)}",
            )
            if own
            else (
                "other_buyer",
                OTHER_BUYER_WEIGHT,
                f"awarded by {supply.buyer_name or 'another buyer'}, not the official's "
                f"department, on {_day(supply.award_date)}",
            )
        ),
        (
            "time",
            0.0,
            f"the appointment ended {months_between(officer.resigned_on, supply.award_date)} "
            "months before the award"
            if officer.resigned_on and officer.resigned_on < supply.award_date
            else "the award was made while the appointment was held",
        ),
        ("undeclared", 0.0, "no interest in this company in the official's latest declaration"),
    ]
    return Finding(
        official_id,
        department_id,
        officer,
        match,
        supply,
        round(score, 1),
        risk,
        [{"code": c, "weight": w, "text": t} for c, w, t in reasons],
    )


def _batches(items: Collection[T] | None) -> Iterable[list[T] | None]:
    """`items` in IN-clause sized lists; one None (no restriction) for None."""
    if items is None:
        return [None]
    ordered = sorted(items)
    return [ordered[i : i + IN_BATCH] for i in range(0, len(ordered), IN_BATCH)]


def _supplies(
    session: Session, company_numbers: Collection[str] | None = None
) -> dict[str, list[Supply]]:
    """Awards with a date to companies with a number, by company: all, or these companies'."""
    found: dict[str, list[Supply]] = {}
    statement = (
        select(
            AwardSupplier.id,
            AwardSupplier.award_id,
            AwardSupplier.company_number,
            AwardSupplier.name,
            Award.award_date,
            Award.department_id,
            Award.buyer_name,
            Award.title,
            Award.value,
            Award.content_digest,
        )
        .join(Award, AwardSupplier.award_id == Award.id)
        .where(
            AwardSupplier.company_number.is_not(None),
            Award.award_date.is_not(None),
            Award.duplicate_of_id.is_(None),  # one contract published twice is screened once
        )
    )
    for batch in _batches(company_numbers):
        query = (
            statement if batch is None else statement.where(AwardSupplier.company_number.in_(batch))
        )
        for row in session.execute(query.execution_options(yield_per=10000)):
            found.setdefault(row.company_number, []).append(
                Supply(
                    row.id,
                    row.award_id,
                    row.award_date,
                    row.department_id,
                    row.name,
                    row.buyer_name or "",
                    row.title or "",
                    row.value,
                    row.content_digest,
                )
            )
    return found


def _officials(
    session: Session, official_ids: Collection[int] | None = None
) -> tuple[PersonIndex, dict[int, int | None]]:
    index = PersonIndex()
    departments: dict[int, int | None] = {}
    statement = select(
        User.id,
        User.full_name,
        User.other_names,
        User.birth_month,
        User.birth_year,
        User.department_id,
    ).where(User.role == OFFICIAL)
    if official_ids is not None:
        statement = statement.where(User.id.in_(list(official_ids)))
    for row in session.execute(statement):
        official = person(
            row.id,
            [row.full_name, *split_other_names(row.other_names)],
            row.birth_month,
            row.birth_year,
        )
        if official.names:
            index.add(official)
            departments[row.id] = row.department_id
    return index, departments


def find_matches(
    index: PersonIndex,
    departments: dict[int, int | None],
    officers: Any,
    supplies: dict[str, list[Supply]],
    lookback_months: int,
    report: UndeclaredReport,
) -> dict[tuple[int, str], Finding]:
    """The best finding per (official, company) among `officers` (rows with Officer's fields
    and a person_key)."""
    best: dict[tuple[int, str], Finding] = {}
    for row in officers:
        company_supplies = supplies.get(row.company_number)
        if not company_supplies:
            continue
        report.officers += 1
        name = read_person_name(row.name)
        if name is None:
            continue
        officer: Officer | None = None
        for match in index.matches(name, row.birth_month, row.birth_year):
            if officer is None:
                officer = Officer(
                    row.id,
                    row.company_number,
                    row.company_name,
                    row.name,
                    row.role,
                    row.appointed_on,
                    row.resigned_on,
                    row.birth_month,
                    row.birth_year,
                    row.content_digest,
                )
            department_id = departments[match.person.id]
            supply = best_supply(officer, company_supplies, department_id, lookback_months)
            if supply is None:
                continue
            report.matches += 1
            found = assess(match.person.id, department_id, officer, match, supply, lookback_months)
            key = (match.person.id, officer.company_number)
            if key not in best or found.score > best[key].score:
                best[key] = found
    return best


def _declared(
    session: Session, findings: dict[tuple[int, str], Finding], supplies: dict[str, list[Supply]]
) -> tuple[set[tuple[int, str]], dict[int, int]]:
    """Which (official, company) pairs the officials declared, and each one's latest version."""
    declared: set[tuple[int, str]] = set()
    versions: dict[int, int] = {}
    wanted: dict[int, list[str]] = {}
    for official_id, number in findings:
        wanted.setdefault(official_id, []).append(number)
    ids = list(wanted)
    for start in range(0, len(ids), 500):
        for version, official in latest_versions(session, ids[start : start + 500]):
            versions[official.id] = version.id
            records = [r for r, _ in records_from_version(version, official)]
            for number in wanted[official.id]:
                finding = findings[(official.id, number)]
                names = {s.supplier_name for s in supplies[number]}
                if finding.officer.company_name:
                    names.add(finding.officer.company_name)
                for item in records:
                    numbers = {
                        normalise_identifier(s, v)[1]
                        for s, v in item.identifiers
                        if s.strip().upper() == "GB-COH"
                    }
                    if number in numbers or any(
                        compare_names(item.organisation_name, n)[1] for n in names
                    ):
                        declared.add((official.id, number))
                        break
    return declared, versions


def _digest(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


def _officers(company_numbers: list[str] | None) -> Select[*tuple[Any, ...]]:
    """Officer and PSC records: of `company_numbers` if given, else of award suppliers."""
    statement: Select[*tuple[Any, ...]] = select(
        CompanyOfficer.id,
        CompanyOfficer.company_number,
        CompanyOfficer.company_name,
        CompanyOfficer.name,
        CompanyOfficer.person_key,
        CompanyOfficer.role,
        CompanyOfficer.appointed_on,
        CompanyOfficer.resigned_on,
        CompanyOfficer.birth_month,
        CompanyOfficer.birth_year,
        CompanyOfficer.content_digest,
    )
    if company_numbers is not None:
        return statement.where(CompanyOfficer.company_number.in_(company_numbers))
    return statement.where(
        CompanyOfficer.company_number.in_(
            select(AwardSupplier.company_number).where(AwardSupplier.company_number.is_not(None))
        )
    )


def _names_someone(index: PersonIndex, row: Any) -> bool:
    """Whether an officer record's name and birth date match anyone in the index."""
    name = read_person_name(row.name)
    return name is not None and any(index.matches(name, row.birth_month, row.birth_year))


def screen_undeclared(
    session: Session,
    lookback_months: int = 24,
    progress: Callable[[str], None] | None = None,
    *,
    official_ids: Collection[int] | None = None,
    company_numbers: Collection[str] | None = None,
) -> UndeclaredReport:
    """Screen officials against the officers and PSCs of award suppliers: every official and
    company, or only the officials in `official_ids` and/or the companies in `company_numbers`.

    A full run is audited; a scoped run only when it changed flags.
    """
    if company_numbers is not None and len(company_numbers) > SCOPE_LIMIT:
        company_numbers = None
    full = official_ids is None and company_numbers is None
    report = UndeclaredReport()
    if any(scope is not None and not scope for scope in (official_ids, company_numbers)):
        return report  # an empty scope: nothing to screen
    index, departments = _officials(session, official_ids)
    report.officials = len(index)
    if full:  # supplies first, then the (many) officer records streamed past them
        supplies = _supplies(session)
        officers: Any = session.execute(_officers(None).execution_options(yield_per=10000))
    elif company_numbers is None:  # some officials: the officer records naming one of them,
        # found by the blocks of their names in the stored index (register.candidate_index);
        # a birth year can rule records out
        statement = _officers(None)
        years = {p.birth_year or None for p in index.people}
        if None not in years:  # (a year of 0 counts as unknown, as compare_birth reads it)
            known = CompanyOfficer.birth_year.in_({*years, 0})
            statement = statement.where(or_(CompanyOfficer.birth_year.is_(None), known))
        officers = [
            row
            for batch in _batches(officers_named_by(session, index.people))
            for row in session.execute(
                statement if batch is None else statement.where(CompanyOfficer.id.in_(batch))
            )
            if _names_someone(index, row)
        ]
        supplies = _supplies(session, {row.company_number for row in officers})
    else:  # the few officer records in scope first, then only their companies' supplies
        officers = [
            row for batch in _batches(company_numbers) for row in session.execute(_officers(batch))
        ]
        supplies = _supplies(session, {row.company_number for row in officers})
    if progress:
        progress(f"indexed {len(index)} officials and {len(supplies)} supplier companies")
    findings = find_matches(index, departments, officers, supplies, lookback_months, report)
    declared, versions = _declared(session, findings, supplies)
    report.declared = len(declared)
    for key in declared:
        del findings[key]
    persist(
        session,
        findings,
        versions,
        report,
        official_ids=official_ids,
        company_numbers=company_numbers,
    )
    if full or report.flags_changed():
        scope = "" if full else _describe_scope(official_ids, company_numbers)
        record(
            session,
            "ownership.screened",
            f"Undeclared-interest screening{scope}: {report.summary()}",
        )
    return report


def _describe_scope(
    official_ids: Collection[int] | None, company_numbers: Collection[str] | None
) -> str:
    parts = []
    if official_ids is not None:
        parts.append(f"{len(official_ids)} official" + "s" * (len(official_ids) != 1))
    if company_numbers is not None:
        parts.append(
            f"{len(company_numbers)} compan" + ("y" if len(company_numbers) == 1 else "ies")
        )
    return " of " + " and ".join(parts)


def persist(
    session: Session,
    findings: dict[tuple[int, str], Finding],
    versions: dict[int, int],
    report: UndeclaredReport,
    *,
    official_ids: Collection[int] | None = None,
    company_numbers: Collection[str] | None = None,
) -> None:
    """Upsert one flag (and its finding) per (official, company); withdraw the flags in scope
    (all, or those of `official_ids` and/or `company_numbers`) that were not found."""
    statement = select(Flag).where(Flag.kind == UNDECLARED)
    if official_ids is not None:
        statement = statement.where(Flag.official_id.in_(list(official_ids)))
    existing: dict[str, Flag] = {}
    for batch in _batches(company_numbers):
        query = (
            statement
            if batch is None
            else statement.join(UndeclaredFinding, UndeclaredFinding.flag_id == Flag.id).where(
                UndeclaredFinding.company_number.in_(batch)
            )
        )
        existing.update((flag.interest_lineage, flag) for flag in session.scalars(query))
    details = {
        f.flag_id: f
        for f in session.scalars(
            select(UndeclaredFinding).where(
                UndeclaredFinding.flag_id.in_([flag.id for flag in existing.values()])
            )
        )
    }
    now = utcnow()
    seen: set[str] = set()
    for (official_id, number), found in sorted(findings.items()):
        lineage = f"u{official_id}:{number}"[:32]
        seen.add(lineage)
        officer, supply = found.officer, found.supply
        company = officer.company_name or supply.supplier_name
        values: dict[str, Any] = {
            "interest_id": None,
            "declaration_version_id": versions.get(official_id),
            "official_id": official_id,
            "department_id": found.department_id,
            "award_supplier_id": supply.award_supplier_id,
            "award_id": supply.award_id,
            "organisation_name": company[:500],
            "supplier_name": supply.supplier_name[:500],
            "award_value": supply.value,
            "score": found.score,
            "name_score": found.match.name_score,
            "risk_level": found.risk_level,
            "reasons": json.dumps(found.reasons),
            "explanation": "; ".join(r["text"] for r in found.reasons),
            "interest_digest": _digest(
                officer.digest, found.match.matched_name.text, found.match.birth
            ),
            "award_digest": supply.digest,
            "active": True,
        }
        flag = upsert_flag(
            session,
            existing.get(lineage),
            kind=UNDECLARED,
            lineage=lineage,
            source_key=SOURCE_KEY,
            values=values,
            counts=report,
            now=now,
        )
        session.flush()  # the finding below needs the flag's id
        finding = details.get(flag.id) or UndeclaredFinding(flag_id=flag.id)
        finding.officer_id, finding.company_number = officer.id, number
        finding.company_name, finding.officer_name = company[:500], officer.name
        finding.role, finding.appointed_on = officer.role, officer.appointed_on
        finding.resigned_on = officer.resigned_on
        session.add(finding)
    withdraw_missing(existing.values(), seen, lambda flag: flag.interest_lineage, report, utcnow())
    session.flush()
