"""Search across declarations: who has declared an interest in an organisation, now or at a date.

No Flask here. `find_declared_interests` is pure: it reads versions' content (the immutable JSON
of each submitted version) and compares names with the matching engine's own normalisation and
comparison (`register.matching.score.match_names`, which `flask match names` uses), so the
search finds what screening would match: "MORNING LANE ASSOCIATES LIMITED" finds
"Morning Lane Associates Ltd". `search_declarations` feeds it each official's latest submitted
version (as `register.declarations.queries.latest_versions` defines it), limited to what the
user may read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from register.access import review_department_ids
from register.audit.log import record
from register.candidate_index import (
    DECLARED_SIDE,
    any_scheme_keys,
    declared_with_identifiers,
    declared_with_names,
    matching_names,
    version_ids_of,
)
from register.declarations.categories import GIFT
from register.declarations.queries import content_date, latest_version_ids
from register.matching.identifiers import normalise_identifier
from register.matching.score import (
    IDENTIFIER_SCHEMES,
    match_names,
    name_match_text,
)
from register.models import Declaration, DeclarationCycle, DeclarationVersion, Department, User
from register.models.base import IN_BATCH

# Whose interest, as a reader other than the official says it (categories.WHOSE is the
# official's own "Myself").
WHOSE = {
    "self": "The official",
    "spouse_partner": "Spouse or partner",
    "dependent_child": "Dependent child",
    "close_associate": "Close associate",
}
# "GB-COH 08012345", "GB-CHC-1234567": a scheme typed before the number is allowed.
_SCHEME_PREFIX = re.compile(r"^(GB-COH|GB-CHC)[\s:-]*", re.IGNORECASE)
# Companies House numbers (01234567, SC123456, OC123456, short forms like 8012345) and charity
# numbers (1234567, SC012345, 1234567-1).
_IDENTIFIER = re.compile(r"(?:[A-Z]{2})?\d{4,8}[A-Z]?(?:-\d{1,3})?")


@dataclass(frozen=True, slots=True)
class VersionRecord:
    """One official's latest submitted version, with what a search result shows about it."""

    version_id: int
    version_number: int
    declaration_id: int
    cycle_name: str
    official_id: int
    official_name: str
    department_name: str | None
    content: str  # the version's canonical JSON


@dataclass(frozen=True, slots=True)
class InterestHit:
    """One declared interest (or an associate's organisation) that matches the search."""

    version: VersionRecord
    category: str
    whose: str
    organisation_name: str  # as declared: the interest's organisation or the associate's one
    related_person_name: str | None  # set when the match is an associate's other organisation
    identifier: str | None  # as declared, with its scheme
    start_date: date | None
    end_date: date | None
    reason: str  # why it matches, in the engine's words
    score: float


def identifier_query(text: str) -> str | None:
    """The number in a query that looks like a company or charity number, else None."""
    compact = "".join(_SCHEME_PREFIX.sub("", text.strip()).split()).upper()
    return compact if _IDENTIFIER.fullmatch(compact) else None


def held_on(start: date | None, end: date | None, day: date) -> bool:
    """Whether an interest was held on `day`: started by then (or start unknown), not yet ended.

    A gift has one date (start and end), so it counts only on that day.
    """
    return (start is None or start <= day) and (end is None or end >= day)


def _same_identifier(scheme: str | None, declared: str | None, number: str) -> bool:
    if not declared or not declared.strip():
        return False
    # Numbers declared without a scheme are taken as company numbers, as screening does.
    schemes = {scheme} if scheme else {"GB-COH", "GB-CHC"}
    return any(
        normalise_identifier(s, declared)[1] == normalise_identifier(s, number)[1] for s in schemes
    )


def _identifier_reason(scheme: str | None, number: str) -> str:
    label = IDENTIFIER_SCHEMES.get(scheme or "", "organisation number")
    return f"{label} {normalise_identifier(scheme or 'GB-COH', number)[1]} matches"


class _NameMatcher:
    """Compares the query with declared names by the engine's rule, once per distinct name."""

    def __init__(self, query: str) -> None:
        self.query = query
        self.seen: dict[str, tuple[float, str] | None] = {}

    def __call__(self, name: str) -> tuple[float, str] | None:
        if name in self.seen:
            return self.seen[name]
        found = None
        if self.query and name:
            match = match_names(self.query, name)
            if match is not None:
                found = (match.score, name_match_text(match))
        self.seen[name] = found
        return found


def find_declared_interests(
    versions: Iterable[VersionRecord],
    query: str,
    *,
    as_at: date | None = None,
) -> list[InterestHit]:
    """Interests in `versions` in an organisation matching `query` (a name or a company or
    charity number), held on `as_at` if given; best match first, then by official.

    Every declared organisation is searched, as screening does: each interest's organisation and
    the other organisations of a close associate; gifts from a person are not organisations.
    """
    query = query.strip()
    if not query:
        return []
    number = identifier_query(query)
    names = _NameMatcher(query)
    hits: list[InterestHit] = []
    for version in versions:
        for item in json.loads(version.content).get("interests", []):
            if item.get("category") == GIFT and item.get("donor_kind") == "person":
                continue
            start, end = content_date(item.get("start_date")), content_date(item.get("end_date"))
            if item.get("category") == GIFT:  # one date, whichever field holds it
                start = end = start or end
            if as_at is not None and not held_on(start, end, as_at):
                continue
            scheme = item.get("identifier_scheme") or None
            declared = [
                (
                    item.get("organisation_name") or "",
                    scheme,
                    item.get("organisation_identifier"),
                    None,
                ),
                *(
                    (
                        org.get("name") or "",
                        org.get("identifier_scheme") or "GB-COH",  # its own scheme
                        org.get("organisation_identifier"),
                        item.get("related_person_name") or "their associate",
                    )
                    for org in item.get("related_organisations") or []
                ),
            ]
            for name, id_scheme, identifier, person in declared:
                found: tuple[float, str] | None = None
                if number and _same_identifier(id_scheme, identifier, number):
                    found = (100.0, _identifier_reason(id_scheme, number))
                else:
                    found = names(name)
                if found is None:
                    continue
                shown_id = f"{id_scheme or ''} {identifier}".strip() if identifier else None
                hits.append(
                    InterestHit(
                        version=version,
                        category=item.get("category", ""),
                        whose=item.get("whose", "self"),
                        organisation_name=name,
                        related_person_name=person,
                        identifier=shown_id,
                        start_date=start,
                        end_date=end,
                        reason=found[1],
                        score=found[0],
                    )
                )
    hits.sort(
        key=lambda h: (
            -h.score,
            h.version.official_name.casefold(),
            h.version.official_id,
            h.organisation_name.casefold(),
        )
    )
    return hits


def readable_department_ids(user: User) -> set[int] | None:
    """Departments whose officials' declarations `user` may search: None means every one.

    As for the review queue (register.access): auditors everything, compliance officers the
    officials now in their assigned departments, anyone else nothing."""
    return review_department_ids(user)


def latest_version_records(
    session: Session,
    department_ids: Collection[int] | None = None,
    batch: int = 2000,
    *,
    version_ids: Collection[int] | None = None,
) -> Iterator[VersionRecord]:
    """Each official's latest submitted version from their most recent cycle with one (the
    versions screening reads, see register.declarations.queries.latest_versions), streamed;
    only officials now in `department_ids` unless it is None, and only `version_ids` unless
    it is None."""
    if department_ids is not None and not department_ids:
        return
    latest = latest_version_ids()
    statement = (
        select(
            DeclarationVersion.id,
            DeclarationVersion.number,
            DeclarationVersion.content,
            Declaration.id.label("declaration_id"),
            DeclarationCycle.name.label("cycle"),
            User.id.label("official_id"),
            User.full_name,
            Department.name.label("department"),
        )
        .join(latest, latest.c.version_id == DeclarationVersion.id)
        .join(Declaration, DeclarationVersion.declaration_id == Declaration.id)
        .join(DeclarationCycle, Declaration.cycle_id == DeclarationCycle.id)
        .join(User, Declaration.official_id == User.id)
        .outerjoin(Department, User.department_id == Department.id)
        .execution_options(yield_per=batch)
    )
    if department_ids is not None:
        statement = statement.where(User.department_id.in_(sorted(department_ids)))
    chunks: list[list[int] | None] = [None]
    if version_ids is not None:
        ids = sorted(version_ids)
        chunks = [ids[i : i + IN_BATCH] for i in range(0, len(ids), IN_BATCH)]
    for chunk in chunks:
        query = statement if chunk is None else statement.where(DeclarationVersion.id.in_(chunk))
        for row in session.execute(query):
            yield VersionRecord(
                version_id=row.id,
                version_number=row.number,
                declaration_id=row.declaration_id,
                cycle_name=row.cycle,
                official_id=row.official_id,
                official_name=row.full_name,
                department_name=row.department,
                content=row.content,
            )


def candidate_version_ids(session: Session, query: str) -> set[int]:
    """The latest versions that may declare an organisation matching `query`, from the stored
    candidate index: those with a name the engine matches, or with the number searched for."""
    query = query.strip()
    names = matching_names(session, DECLARED_SIDE, [query], relatives=False).get(query, [])
    found = [*declared_with_names(session, {m.name_id for m in names}).values()]
    number = identifier_query(query)
    if number:
        found.extend(declared_with_identifiers(session, any_scheme_keys(number)).values())
    return version_ids_of(session, {i for ids in found for i in ids})


def search_declarations(
    session: Session,
    user: User,
    query: str,
    *,
    as_at: date | None = None,
) -> list[InterestHit]:
    """The search for `user`: auditors search everyone, compliance officers the officials of
    their assigned departments, anyone else nothing."""
    if not query.strip():
        return []
    versions = latest_version_records(
        session, readable_department_ids(user), version_ids=candidate_version_ids(session, query)
    )
    return find_declared_interests(versions, query, as_at=as_at)


def search_declarations_audited(
    session: Session,
    user: User,
    query: str,
    *,
    as_at: date | None,
    ip_address: str | None = None,
) -> list[InterestHit]:
    """`search_declarations`, with an audit entry of who searched for what and what was found:
    a search across officials' declarations reads personal data."""
    hits = search_declarations(session, user, query, as_at=as_at)
    held = f" held on {as_at:%-d %B %Y}" if as_at else ""
    record(
        session,
        "declarations.searched",
        f"Searched declarations for interests in “{query}”{held}: {len(hits)} found",
        actor=user,
        ip_address=ip_address,
        details=summary_details(query, as_at, hits),
    )
    return hits


def summary_details(query: str, as_at: date | None, hits: list[InterestHit]) -> dict[str, Any]:
    """What the audit entry of a search records."""
    return {
        "query": query,
        "as_at": as_at.isoformat() if as_at else None,
        "results": len(hits),
        "officials": len({h.version.official_id for h in hits}),
    }
