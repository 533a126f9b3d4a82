"""Declared interests against award suppliers: rows to the engine's records, results to flags.

The engine (register.matching) is pure; this module feeds it declarations (through the
declarations read model) and award suppliers from the database, and keeps its results as
flags through the one flag lifecycle (register.screening.flags).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from register import candidate_index
from register.candidate_index import (
    DECLARED_SIDE,
    SUPPLIER_SIDE,
    supplier_name_text,
)
from register.clock import utcnow
from register.declarations.queries import InterestMeta, latest_versions, records_from_version
from register.matching import (
    InterestRecord,
    MatchConfig,
    MatchingEngine,
    MatchResult,
    SupplierRecord,
)
from register.matching.engine import ranked
from register.matching.index import InterestIndex
from register.matching.score import score_pair
from register.models import (
    Award,
    AwardSupplier,
    Declaration,
    DeclarationVersion,
    DeclaredOrganisation,
    Flag,
    User,
)
from register.models.base import IN_BATCH, one_of
from register.models.flags import DECLARED
from register.screening.flags import FlagCounts, upsert_flag, withdraw_missing

SCREEN_BATCH = 2000  # award suppliers looked up in the stored index at once


def supplier_records(
    session: Session, supplier_ids: list[int] | None = None, batch: int = 20000
) -> Iterator[SupplierRecord]:
    """Award suppliers as the engine reads them: all, or those in `supplier_ids`; never those
    of an award's other publication (register.awards.duplicates)."""
    statement = (
        select(
            AwardSupplier.id,
            AwardSupplier.award_id,
            AwardSupplier.name,
            AwardSupplier.aliases,
            AwardSupplier.identifiers,
            Award.buyer_name,
            Award.department_id,
            Award.award_date,
            Award.value,
            Award.currency,
            Award.duplicate_of_id,
        )
        .join(Award, AwardSupplier.award_id == Award.id)
        .order_by(AwardSupplier.id)
    )
    # Another publication of an award already imported is screened once, as that award. For
    # suppliers by id the copies are skipped as read: in SQL, SQLite would read every award that
    # is not a copy and look for the ids in each (seconds at 300,000 suppliers).
    chunks: list[list[int] | None] = (
        [supplier_ids[i : i + IN_BATCH] for i in range(0, len(supplier_ids), IN_BATCH)]
        if supplier_ids is not None
        else [None]
    )
    for chunk in chunks:
        query = (
            statement.where(Award.duplicate_of_id.is_(None))
            if chunk is None
            else statement.where(one_of(session, AwardSupplier.id, chunk))
        )
        for row in session.execute(query.execution_options(yield_per=batch)):
            if row.duplicate_of_id is not None:
                continue
            aliases = json.loads(row.aliases)
            yield SupplierRecord(
                award_supplier_id=row.id,
                award_id=row.award_id,
                supplier_name=supplier_name_text(row.name, aliases),
                identifiers=tuple((str(s), str(v)) for s, v in json.loads(row.identifiers)),
                buyer_name=row.buyer_name or "",
                buyer_department_id=row.department_id,
                award_date=row.award_date,
                value=row.value,
                currency=row.currency,
            )


def _award_facts(session: Session, supplier_ids: set[int]) -> dict[int, Any]:
    """Per award supplier: its award's id, digest and value, and the supplier's name."""
    ids = list(supplier_ids)
    found: dict[int, Any] = {}
    for i in range(0, len(ids), IN_BATCH):
        for row in session.execute(
            select(
                AwardSupplier.id,
                Award.id.label("award_id"),
                Award.content_digest,
                Award.value,
                AwardSupplier.name,
            )
            .join(Award, AwardSupplier.award_id == Award.id)
            .where(one_of(session, AwardSupplier.id, ids[i : i + IN_BATCH]))
        ):
            found[row.id] = row
    return found


def _flag_values(result: MatchResult, info: InterestMeta, award: Any) -> dict[str, Any]:
    """Every column of a declared-interest flag that a run computes."""
    return {
        "interest_id": result.interest_id,
        "declaration_version_id": info.version_id,
        "official_id": info.official_id,
        "department_id": info.department_id,
        "award_id": award.award_id,
        "organisation_name": info.organisation_name[:500],
        "supplier_name": award.name,
        "award_value": award.value,
        "score": round(result.score, 1),
        "name_score": round(result.name_score, 1),
        "risk_level": result.risk_level,
        "reasons": json.dumps(
            [{"code": r.code, "text": r.text, "weight": r.weight} for r in result.reasons]
        ),
        "explanation": "; ".join(reason.text for reason in result.reasons),
        "interest_digest": info.digest,
        "award_digest": award.content_digest,
        "active": True,
    }


def persist(
    session: Session,
    results: list[MatchResult],
    meta: dict[tuple[int, str], InterestMeta],
    *,
    scope_lineages: set[str] | None,
    scope_suppliers: set[int] | None,
    counts: FlagCounts,
) -> None:
    """Upsert flags for `results`; flags in scope that were not found again are withdrawn."""
    found_keys: set[tuple[str, str, int]] = set()
    awards = _award_facts(session, {r.award_supplier_id for r in results})
    existing: dict[tuple[str, str, int], Flag] = {}
    lineages = list({meta[(r.interest_id, r.source_key)].lineage for r in results})
    for i in range(0, len(lineages), IN_BATCH):
        for flag in session.scalars(
            select(Flag).where(
                Flag.kind == DECLARED,
                one_of(session, Flag.interest_lineage, lineages[i : i + IN_BATCH]),
            )
        ):
            existing[_key(flag)] = flag
    now = utcnow()
    for result in results:
        info = meta[(result.interest_id, result.source_key)]
        key = (info.lineage, result.source_key, result.award_supplier_id)
        found_keys.add(key)
        values = _flag_values(result, info, awards[result.award_supplier_id])
        upsert_flag(
            session,
            existing.get(key),
            kind=DECLARED,
            lineage=info.lineage,
            source_key=result.source_key,
            values={"award_supplier_id": result.award_supplier_id, **values},
            counts=counts,
            now=now,
        )
    stale = select(Flag).where(Flag.active.is_(True), Flag.kind == DECLARED)
    if scope_lineages is not None:
        stale = stale.where(one_of(session, Flag.interest_lineage, scope_lineages))
    if scope_suppliers is not None:
        stale = stale.where(one_of(session, Flag.award_supplier_id, scope_suppliers))
    withdraw_missing(session.scalars(stale), found_keys, _key, counts, now)
    session.flush()


def _key(flag: Flag) -> tuple[str, str, int]:
    return (flag.interest_lineage, flag.source_key, flag.award_supplier_id)


def interest_index(
    session: Session, config: MatchConfig
) -> tuple[InterestIndex, dict[tuple[int, str], InterestMeta]]:
    """Every official's latest declared organisations, indexed for the engine."""
    meta: dict[tuple[int, str], InterestMeta] = {}
    index = InterestIndex(config=config)
    for version, official in latest_versions(session):
        for interest, info in records_from_version(version, official):
            index.add(interest)
            meta[(interest.interest_id, interest.source_key)] = info
    return index, meta


def screen_interests(
    session: Session, interests: list[InterestRecord], config: MatchConfig
) -> tuple[list[MatchResult], dict[int, SupplierRecord]]:
    """Declared organisations (a version's, or names to check) against every award supplier,
    with candidates from the stored index: the matches, best first, and the suppliers that
    were candidates."""
    candidates = candidate_index.candidates(
        session, SUPPLIER_SIDE, [(r.key, r.organisation_name, r.identifiers) for r in interests]
    )
    suppliers = {
        s.award_supplier_id: s
        for s in supplier_records(session, sorted(set().union(*candidates.values())))
    }
    results = [
        result
        for interest in interests
        for supplier_id in candidates[interest.key]
        if supplier_id in suppliers
        and (result := score_pair(interest, suppliers[supplier_id], config)) is not None
    ]
    return ranked(results), suppliers


def screen_declared_version(
    session: Session, declaration: Declaration, config: MatchConfig, counts: FlagCounts
) -> tuple[int, int]:
    """Screen a declaration's latest version against every award supplier, through the stored
    candidate index; return the number of declared organisations and of the award suppliers
    whose names or identifiers made them candidates."""
    version = declaration.versions[-1] if declaration.versions else None
    if version is None:
        return 0, 0
    pairs = list(records_from_version(version, declaration.official))
    results, suppliers = screen_interests(session, [r for r, _ in pairs], config)
    persist(
        session,
        results,
        {(r.interest_id, r.source_key): m for r, m in pairs},
        scope_lineages={m.lineage for _, m in pairs},
        scope_suppliers=None,
        counts=counts,
    )
    return len(pairs), len(suppliers)


def declared_records(
    session: Session, organisation_ids: Collection[int]
) -> dict[int, tuple[InterestRecord, InterestMeta]]:
    """Declared organisations (ids in the stored index) as the engine reads them."""
    rows: list[Any] = []
    for i in range(0, len(ids := sorted(organisation_ids)), IN_BATCH):
        rows.extend(
            session.execute(
                select(
                    DeclaredOrganisation.id,
                    DeclaredOrganisation.version_id,
                    DeclaredOrganisation.interest_id,
                    DeclaredOrganisation.source_key,
                ).where(DeclaredOrganisation.id.in_(ids[i : i + IN_BATCH]))
            ).all()
        )
    wanted = {(row.version_id, row.interest_id, row.source_key): row.id for row in rows}
    version_ids = sorted({row.version_id for row in rows})
    found: dict[int, tuple[InterestRecord, InterestMeta]] = {}
    for i in range(0, len(version_ids), IN_BATCH):
        for version, official in session.execute(
            select(DeclarationVersion, User)
            .join(Declaration, DeclarationVersion.declaration_id == Declaration.id)
            .join(User, User.id == Declaration.official_id)
            .where(DeclarationVersion.id.in_(version_ids[i : i + IN_BATCH]))
        ):
            for record, info in records_from_version(version, official):
                key = (version.id, record.interest_id, record.source_key)
                if key in wanted:
                    found[wanted[key]] = (record, info)
    return found


def screen_declared_suppliers(
    session: Session,
    supplier_ids: list[int] | None,
    config: MatchConfig,
    counts: FlagCounts,
    *,
    progress: Callable[[str], None] | None = None,
    tick: Callable[[int, float], None] | None = None,
    interests_seen: set[tuple[int, str]] | None = None,
) -> tuple[int, int]:
    """Screen award suppliers (these, or all) against every declared organisation; return the
    number of declared organisations and of suppliers screened (their keys are also added to
    `interests_seen`, to count them over several calls). `progress` hears of each stage,
    `tick` of the suppliers screened so far (for a progress bar).

    These suppliers (after an import or a buyer remap) find their candidates in the stored
    index; all of them (the full run, a batch job) are screened by the in-memory engine.
    """
    if supplier_ids is not None:
        return _screen_some_suppliers(session, supplier_ids, config, counts, interests_seen)
    index, meta = interest_index(session, config)
    if interests_seen is not None:
        interests_seen.update(meta)
    if progress:
        progress(f"indexed {len(meta)} declared organisations")
    engine = MatchingEngine(config)
    engine.interests = index
    if progress:
        progress("screening the award suppliers as they are read")
    screened = _Counter(tick)
    # Streamed: memory holds the declared organisations and the matches, not the suppliers.
    results = engine.screen_suppliers(screened.count(supplier_records(session)))
    if progress:
        progress(f"saving {len(results)} matches as flags")
    persist(session, results, meta, scope_lineages=None, scope_suppliers=None, counts=counts)
    return len(meta), screened.done


def screen_suppliers_stored(
    session: Session, supplier_ids: list[int], config: MatchConfig
) -> tuple[list[MatchResult], dict[tuple[int, str], InterestMeta], int]:
    """Award suppliers against every declared organisation, with candidates from the stored
    index: the matches, best first, where each matched organisation comes from, and how many
    suppliers were screened."""
    results: list[MatchResult] = []
    meta: dict[tuple[int, str], InterestMeta] = {}
    screened = 0
    for i in range(0, len(supplier_ids), SCREEN_BATCH):
        suppliers = list(supplier_records(session, supplier_ids[i : i + SCREEN_BATCH]))
        screened += len(suppliers)
        candidates = candidate_index.candidates(
            session,
            DECLARED_SIDE,
            [(s.award_supplier_id, s.supplier_name, s.identifiers) for s in suppliers],
        )
        records = declared_records(session, set().union(*candidates.values()))
        for supplier in suppliers:
            for organisation_id in candidates[supplier.award_supplier_id]:
                if organisation_id not in records:
                    continue
                interest, info = records[organisation_id]
                meta[interest.key] = info
                result = score_pair(interest, supplier, config)
                if result is not None:
                    results.append(result)
    return ranked(results), meta, screened


def _screen_some_suppliers(
    session: Session,
    supplier_ids: list[int],
    config: MatchConfig,
    counts: FlagCounts,
    interests_seen: set[tuple[int, str]] | None,
) -> tuple[int, int]:
    results, meta, screened = screen_suppliers_stored(session, supplier_ids, config)
    if interests_seen is not None:
        interests_seen.update(meta)
    persist(
        session,
        results,
        meta,
        scope_lineages=None,
        scope_suppliers=set(supplier_ids),
        counts=counts,
    )
    return len(meta), screened


class _Counter:
    """Counts the suppliers passing by, telling `tick(done, seconds)` every `every` of them and
    at the end (for a progress bar)."""

    def __init__(self, tick: Callable[[int, float], None] | None, every: int = 2000) -> None:
        self.tick, self.every, self.done = tick, every, 0

    def count(self, items: Iterable[SupplierRecord]) -> Iterator[SupplierRecord]:
        started = time.monotonic()
        for item in items:
            self.done += 1
            yield item
            if self.tick and self.done % self.every == 0:
                self.tick(self.done, time.monotonic() - started)
        if self.tick:
            self.tick(self.done, time.monotonic() - started)
