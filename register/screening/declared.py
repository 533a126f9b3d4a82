"""Declared interests against award suppliers: rows to the engine's records, results to flags.

The engine (register.matching) is pure; this module feeds it declarations (through the
declarations read model) and award suppliers from the database, and keeps its results as
flags through the one flag lifecycle (register.screening.flags).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from register.clock import utcnow
from register.declarations.queries import InterestMeta, latest_versions, records_from_version
from register.matching import MatchConfig, MatchingEngine, MatchResult, SupplierRecord
from register.matching.index import InterestIndex, SupplierIndex
from register.models import Award, AwardSupplier, Declaration, Flag
from register.models.flags import DECLARED
from register.screening.flags import FlagCounts, upsert_flag, withdraw_missing

IN_BATCH = 900  # ids per SQL IN clause (SQLite's limit is 999 parameters)


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
        )
        .join(Award, AwardSupplier.award_id == Award.id)
        # Another publication of an award already imported is screened once, as that award.
        .where(Award.duplicate_of_id.is_(None))
        .order_by(AwardSupplier.id)
    )
    chunks: list[list[int] | None] = (
        [supplier_ids[i : i + IN_BATCH] for i in range(0, len(supplier_ids), IN_BATCH)]
        if supplier_ids is not None
        else [None]
    )
    for chunk in chunks:
        query = statement if chunk is None else statement.where(AwardSupplier.id.in_(chunk))
        for row in session.execute(query.execution_options(yield_per=batch)):
            aliases = json.loads(row.aliases)
            yield SupplierRecord(
                award_supplier_id=row.id,
                award_id=row.award_id,
                supplier_name=row.name + "".join(f" T/A {a}" for a in aliases),
                identifiers=tuple((str(s), str(v)) for s, v in json.loads(row.identifiers)),
                buyer_name=row.buyer_name or "",
                buyer_department_id=row.department_id,
                award_date=row.award_date,
                value=row.value,
                currency=row.currency,
            )


class _SupplierIndexCache:
    """A per-process supplier index, extended with new rows and rebuilt when awards change.

    The fingerprint (row count, highest id, latest award update) is read from the database on
    every use, so app servers share no state and never screen against a stale index.
    """

    def __init__(self) -> None:
        self.key: tuple[str, MatchConfig] | None = None
        self.fingerprint: tuple[Any, ...] = ()
        self.index: SupplierIndex | None = None

    def get(self, session: Session, config: MatchConfig) -> SupplierIndex:
        count, max_id, last_update = session.execute(
            select(
                func.count(AwardSupplier.id),
                func.max(AwardSupplier.id),
                select(func.max(Award.updated_at)).scalar_subquery(),
            )
        ).one()
        key = (str(session.get_bind().engine.url), config)
        if (
            self.index is None
            or self.key != key
            or last_update != self.fingerprint[2]
            or count < self.fingerprint[0]
        ):
            self.index = SupplierIndex(supplier_records(session), config=config)
        elif (max_id or 0) > (self.fingerprint[1] or 0):
            new_ids = list(
                session.scalars(
                    select(AwardSupplier.id).where(AwardSupplier.id > (self.fingerprint[1] or 0))
                )
            )
            for supplier in supplier_records(session, new_ids):
                self.index.add(supplier)
        self.key, self.fingerprint = key, (count, max_id, last_update)
        return self.index


supplier_index_cache = _SupplierIndexCache()


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
            .where(AwardSupplier.id.in_(ids[i : i + IN_BATCH]))
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
                Flag.kind == DECLARED, Flag.interest_lineage.in_(lineages[i : i + IN_BATCH])
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
        stale = stale.where(Flag.interest_lineage.in_(list(scope_lineages)))
    if scope_suppliers is not None:
        stale = stale.where(Flag.award_supplier_id.in_(list(scope_suppliers)))
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


def screen_declared_version(
    session: Session, declaration: Declaration, config: MatchConfig, counts: FlagCounts
) -> tuple[int, int]:
    """Screen a declaration's latest version against every award supplier; return the number
    of declared organisations and of suppliers screened."""
    version = declaration.versions[-1] if declaration.versions else None
    if version is None:
        return 0, 0
    pairs = list(records_from_version(version, declaration.official))
    meta = {(r.interest_id, r.source_key): m for r, m in pairs}
    index = supplier_index_cache.get(session, config)
    engine = MatchingEngine(config)
    engine.suppliers = index
    results = engine.screen_interests(r for r, _ in pairs)
    persist(
        session,
        results,
        meta,
        scope_lineages={m.lineage for _, m in pairs},
        scope_suppliers=None,
        counts=counts,
    )
    return len(pairs), len(index)


def screen_declared_suppliers(
    session: Session,
    supplier_ids: list[int] | None,
    config: MatchConfig,
    counts: FlagCounts,
    *,
    progress: Callable[[str], None] | None = None,
    tick: Callable[[int, float], None] | None = None,
) -> tuple[int, int]:
    """Screen award suppliers (these, or all) against every declared organisation; return the
    number of declared organisations and of suppliers screened. `progress` hears of each
    stage, `tick` of the suppliers screened so far (for a progress bar)."""
    index, meta = interest_index(session, config)
    if progress:
        progress(f"indexed {len(meta)} declared organisations")
    engine = MatchingEngine(config)
    engine.interests = index
    suppliers = list(supplier_records(session, supplier_ids))
    if progress:
        progress(f"loaded {len(suppliers)} award suppliers")
    results = engine.screen_suppliers(_counted(suppliers, tick) if tick else suppliers)
    if progress:
        progress(f"saving {len(results)} matches as flags")
    persist(
        session,
        results,
        meta,
        scope_lineages=None,
        scope_suppliers=set(supplier_ids) if supplier_ids is not None else None,
        counts=counts,
    )
    return len(meta), len(suppliers)


def _counted(
    items: list[SupplierRecord], tick: Callable[[int, float], None], every: int = 2000
) -> Iterable[SupplierRecord]:
    """The items, calling `tick(done, seconds)` every `every` of them and at the end."""
    started = time.monotonic()
    for done, item in enumerate(items, start=1):
        yield item
        if done % every == 0:
            tick(done, time.monotonic() - started)
    tick(len(items), time.monotonic() - started)
