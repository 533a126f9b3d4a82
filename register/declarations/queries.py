"""The declarations read model: each official's latest submitted version, and the declared
organisations in a version as the matching engine reads them.

Screening, undeclared-interest screening and the search across declarations all read
declarations through these functions, so "the latest declaration" means one thing everywhere.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Subquery

from register.candidate_index import DeclaredName, index_declared
from register.declarations.categories import GIFT, RELATIONSHIP
from register.matching import InterestRecord
from register.models import Declaration, DeclarationCycle, DeclarationVersion, User


@dataclass(frozen=True)
class InterestMeta:
    """Where a declared organisation comes from: the interest's lineage, version and official."""

    lineage: str
    version_id: int
    official_id: int
    department_id: int | None
    digest: str
    organisation_name: str


def content_date(text: str | None) -> date | None:
    """A date as a declaration version's content holds it (ISO text, or none)."""
    return date.fromisoformat(text) if text else None


def interest_digest(item: dict[str, Any]) -> str:
    """A digest of one interest's content in a version (its row id aside)."""
    content = {k: v for k, v in item.items() if k != "id"}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def declared_identifier(item: dict[str, Any], source_key: str) -> tuple[str, str] | None:
    """The scheme and number of one declared organisation of a version's interest: the
    interest's own ("org"), or a related organisation's ("rel:N"), which has its own scheme
    and never the main organisation's. Versions written before related organisations had a
    scheme held Companies House numbers only."""
    if source_key == "org":
        scheme, number = item.get("identifier_scheme"), item.get("organisation_identifier")
        return (scheme, number) if scheme and number else None
    if not source_key.startswith("rel:"):
        return None
    position = int(source_key[4:])
    organisations = item.get("related_organisations") or []
    if position >= len(organisations):
        return None
    org = organisations[position]
    number = org.get("organisation_identifier")
    return (org.get("identifier_scheme") or "GB-COH", number) if number else None


def records_from_version(
    version: DeclarationVersion, official: User
) -> Iterator[tuple[InterestRecord, InterestMeta]]:
    """Every declared organisation in a version: the interest's own and associates' others."""
    for item in json.loads(version.content)["interests"]:
        if item["category"] == GIFT and item.get("donor_kind") == "person":
            continue  # a person is not a supplier
        meta = InterestMeta(
            lineage=item["lineage"],
            version_id=version.id,
            official_id=official.id,
            department_id=official.department_id,
            digest=interest_digest(item),
            organisation_name=item["organisation_name"],
        )
        own = declared_identifier(item, "org")
        identifiers = (own,) if own else ()
        common: dict[str, Any] = {
            "interest_id": item["id"],
            "official_id": official.id,
            "department_id": official.department_id,
            "whose": item["whose"],
            "category": item["category"],
            "start_date": content_date(item.get("start_date")),
            "end_date": content_date(item.get("end_date")),
            # A close relationship's organisations are the related person's, never the
            # official's own: the engine weighs them by the relationship.
            "relationship": item.get("relationship_type")
            if item["category"] == RELATIONSHIP
            else None,
        }
        yield (
            InterestRecord(
                organisation_name=item["organisation_name"],
                identifiers=identifiers,
                source_key="org",
                **common,
            ),
            meta,
        )
        for position, org in enumerate(item.get("related_organisations") or []):
            theirs = declared_identifier(item, f"rel:{position}")
            ids = (theirs,) if theirs else ()
            yield (
                InterestRecord(
                    organisation_name=org["name"],
                    identifiers=ids,
                    source_key=f"rel:{position}",
                    **common,
                ),
                InterestMeta(
                    meta.lineage,
                    meta.version_id,
                    meta.official_id,
                    meta.department_id,
                    meta.digest,
                    org["name"],
                ),
            )


def latest_version_ids() -> Subquery:
    """Each official's latest submitted version, from their most recent cycle with one: a
    subquery of (version_id, official_id), one row per official who has submitted."""
    rank = func.row_number().over(
        partition_by=Declaration.official_id,
        order_by=(DeclarationCycle.opens_on.desc(), DeclarationCycle.id.desc()),
    )
    ranked = (
        select(
            DeclarationVersion.id.label("version_id"), Declaration.official_id, rank.label("rank")
        )
        .join(Declaration, DeclarationVersion.declaration_id == Declaration.id)
        .join(DeclarationCycle, Declaration.cycle_id == DeclarationCycle.id)
        .where(DeclarationVersion.number == Declaration.version_count)
        .subquery()
    )
    return select(ranked.c.version_id, ranked.c.official_id).where(ranked.c.rank == 1).subquery()


def latest_versions(
    session: Session, official_ids: Iterable[int] | None = None
) -> Iterator[tuple[DeclarationVersion, User]]:
    """Each official's latest submitted version from their most recent cycle with one."""
    latest = latest_version_ids()
    statement = (
        select(DeclarationVersion, User)
        .join(latest, latest.c.version_id == DeclarationVersion.id)
        .join(User, User.id == latest.c.official_id)
        .order_by(User.id)
    )
    if official_ids is not None:
        statement = statement.where(User.id.in_(list(official_ids)))
    yield from ((version, official) for version, official in session.execute(statement))


def declared_names(version: DeclarationVersion, official: User) -> list[DeclaredName]:
    """A version's declared organisations as the stored candidate index keeps them."""
    schemeless = {
        item["id"]: item["organisation_identifier"].strip()
        for item in json.loads(version.content)["interests"]
        if not item.get("identifier_scheme") and (item.get("organisation_identifier") or "").strip()
    }
    return [
        DeclaredName(
            interest_id=record.interest_id,
            source_key=record.source_key,
            name=record.organisation_name,
            identifiers=record.identifiers,
            search_numbers=(schemeless[record.interest_id],)
            if record.source_key == "org" and record.interest_id in schemeless
            else (),
        )
        for record, _ in records_from_version(version, official)
        if record.organisation_name
    ]


def index_latest_declaration(session: Session, official_id: int) -> None:
    """Keep the stored candidate index on the official's latest submitted version (after a
    submission or an amendment), in the same transaction."""
    session.flush()
    found = next(iter(latest_versions(session, [official_id])), None)
    if found is None:
        index_declared(session, official_id, None, [])
    else:
        version, official = found
        index_declared(session, official_id, version.id, declared_names(version, official))


def index_all_declarations(session: Session) -> int:
    """Index every official's latest submitted version; return how many officials."""
    count = 0
    for version, official in latest_versions(session):
        index_declared(session, official.id, version.id, declared_names(version, official))
        count += 1
    return count
