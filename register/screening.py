"""Screening: feed declarations and awards from the database to the matching engine and keep flags.

The engine (register.matching) is pure; this module turns rows into its records, runs it, and
upserts flags by their stable identity (interest lineage, source key, award supplier), so
re-runs update scores, never duplicate a flag and never lose a decision.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Subquery

from register.audit.log import record
from register.declarations.categories import GIFT
from register.matching import (
    InterestRecord,
    MatchConfig,
    MatchingEngine,
    MatchResult,
    SupplierRecord,
)
from register.matching.index import InterestIndex, SupplierIndex
from register.models import (
    Award,
    AwardSupplier,
    Declaration,
    DeclarationCycle,
    DeclarationVersion,
    Flag,
    User,
)
from register.models.base import utcnow
from register.models.flags import DECIDED, DECLARED, OPEN, REOPENED

if TYPE_CHECKING:
    from register.ownership.screening import UndeclaredReport


@dataclass(frozen=True)
class InterestMeta:
    lineage: str
    version_id: int
    official_id: int
    department_id: int | None
    digest: str
    organisation_name: str


@dataclass
class ScreeningReport:
    interests: int = 0
    suppliers: int = 0
    new: int = 0
    updated: int = 0
    reopened: int = 0
    withdrawn: int = 0
    high_risk_new: list[int] = field(default_factory=list)
    # The undeclared-interest screening run alongside. Kept apart from the counts above, which
    # an official may be told about: an official learns of an undeclared flag only if released.
    undeclared: UndeclaredReport | None = None

    def summary(self) -> str:
        text = (
            f"screened {self.interests} declared organisations against {self.suppliers} award "
            f"suppliers: {self.new} new flags, {self.updated} updated, {self.reopened} reopened, "
            f"{self.withdrawn} no longer matching"
        )
        if self.undeclared is not None:
            text += "; undeclared interests: " + self.undeclared.summary()
        return text


def content_date(text: str | None) -> date | None:
    """A date as a declaration version's content holds it (ISO text, or none)."""
    return date.fromisoformat(text) if text else None


def _interest_digest(item: dict[str, Any]) -> str:
    content = {k: v for k, v in item.items() if k != "id"}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def records_from_version(
    version: DeclarationVersion, official: User
) -> Iterator[tuple[InterestRecord, InterestMeta]]:
    """Every declared organisation in a version: the interest's own and associates' others."""
    for item in json.loads(version.content)["interests"]:
        if item["category"] == GIFT and item.get("donor_kind") == "person":
            continue  # a person is not a supplier
        meta = InterestMeta(
            lineage=item["lineage"], version_id=version.id, official_id=official.id,
            department_id=official.department_id, digest=_interest_digest(item),
            organisation_name=item["organisation_name"],
        )  # fmt: skip
        identifiers = (
            ((item["identifier_scheme"], item["organisation_identifier"]),)
            if item.get("organisation_identifier") and item.get("identifier_scheme")
            else ()
        )
        common = {
            "interest_id": item["id"], "official_id": official.id,
            "department_id": official.department_id, "whose": item["whose"],
            "category": item["category"], "start_date": content_date(item.get("start_date")),
            "end_date": content_date(item.get("end_date")),
        }  # fmt: skip
        yield (
            InterestRecord(organisation_name=item["organisation_name"], identifiers=identifiers,
                           source_key="org", **common),
            meta,
        )  # fmt: skip
        for position, org in enumerate(item.get("related_organisations") or []):
            ids = (
                (("GB-COH", org["organisation_identifier"]),)
                if org.get("organisation_identifier")
                else ()
            )
            yield (
                InterestRecord(organisation_name=org["name"], identifiers=ids,
                               source_key=f"rel:{position}", **common),
                InterestMeta(meta.lineage, meta.version_id, meta.official_id, meta.department_id,
                             meta.digest, org["name"]),
            )  # fmt: skip


def latest_version_ids() -> Subquery:
    """Each official's latest submitted version, from their most recent cycle with one: a
    subquery of (version_id, official_id), one row per official who has submitted."""
    rank = func.row_number().over(
        partition_by=Declaration.official_id,
        order_by=(DeclarationCycle.opens_on.desc(), DeclarationCycle.id.desc()),
    )
    ranked = (
        select(DeclarationVersion.id.label("version_id"), Declaration.official_id,
               rank.label("rank"))
        .join(Declaration, DeclarationVersion.declaration_id == Declaration.id)
        .join(DeclarationCycle, Declaration.cycle_id == DeclarationCycle.id)
        .where(DeclarationVersion.number == Declaration.version_count)
        .subquery()
    )  # fmt: skip
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
    yield from session.execute(statement).all()  # rows unpack as (version, official)


def supplier_records(
    session: Session, supplier_ids: list[int] | None = None, batch: int = 20000
) -> Iterator[SupplierRecord]:
    statement = (
        select(AwardSupplier.id, AwardSupplier.award_id, AwardSupplier.name,
               AwardSupplier.aliases, AwardSupplier.identifiers, Award.buyer_name,
               Award.department_id, Award.award_date, Award.value, Award.currency)
        .join(Award, AwardSupplier.award_id == Award.id)
        .order_by(AwardSupplier.id)
    )  # fmt: skip
    chunks = (
        [supplier_ids[i : i + 900] for i in range(0, len(supplier_ids), 900)]
        if supplier_ids is not None
        else [None]
    )
    for chunk in chunks:
        query = statement if chunk is None else statement.where(AwardSupplier.id.in_(chunk))
        for row in session.execute(query.execution_options(yield_per=batch)):
            aliases = json.loads(row.aliases)
            yield SupplierRecord(
                award_supplier_id=row.id, award_id=row.award_id,
                supplier_name=row.name + "".join(f" T/A {a}" for a in aliases),
                identifiers=tuple(tuple(i) for i in json.loads(row.identifiers)),  # type: ignore[misc]
                buyer_name=row.buyer_name or "", buyer_department_id=row.department_id,
                award_date=row.award_date, value=row.value, currency=row.currency,
            )  # fmt: skip


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
            select(func.count(AwardSupplier.id), func.max(AwardSupplier.id),
                   select(func.max(Award.updated_at)).scalar_subquery())
        ).one()  # fmt: skip
        key = (str(session.get_bind().url), config)
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


_supplier_cache = _SupplierIndexCache()


def _award_facts(session: Session, supplier_ids: set[int]) -> dict[int, Any]:
    """Per award supplier: its award's id, digest and value, and the supplier's name."""
    ids = list(supplier_ids)
    found: dict[int, Any] = {}
    for i in range(0, len(ids), 900):
        for row in session.execute(
            select(AwardSupplier.id, Award.id.label("award_id"), Award.content_digest,
                   Award.value, AwardSupplier.name)
            .join(Award, AwardSupplier.award_id == Award.id)
            .where(AwardSupplier.id.in_(ids[i : i + 900]))
        ):  # fmt: skip
            found[row.id] = row
    return found


def _explain(result: MatchResult) -> str:
    return "; ".join(reason.text for reason in result.reasons)


def persist(
    session: Session,
    results: list[MatchResult],
    meta: dict[tuple[int, str], InterestMeta],
    *,
    scope_lineages: set[str] | None,
    scope_suppliers: set[int] | None,
    report: ScreeningReport,
) -> None:
    """Upsert flags for `results`; flags in scope that were not found again are withdrawn.

    A decided flag whose interest or award changed since its decision is reopened with the reason.
    """
    found_keys: set[tuple[str, str, int]] = set()
    awards = _award_facts(session, {r.award_supplier_id for r in results})
    existing: dict[tuple[str, str, int], Flag] = {}
    lineages = list({meta[(r.interest_id, r.source_key)].lineage for r in results})
    for i in range(0, len(lineages), 900):
        for flag in session.scalars(
            select(Flag).where(Flag.interest_lineage.in_(lineages[i : i + 900]))
        ):
            existing[(flag.interest_lineage, flag.source_key, flag.award_supplier_id)] = flag
    now = utcnow()
    for result in results:
        info = meta[(result.interest_id, result.source_key)]
        award = awards[result.award_supplier_id]
        award_digest = award.content_digest
        key = (info.lineage, result.source_key, result.award_supplier_id)
        found_keys.add(key)
        values = {
            "interest_id": result.interest_id, "declaration_version_id": info.version_id,
            "official_id": info.official_id, "department_id": info.department_id,
            "award_id": award.award_id, "organisation_name": info.organisation_name[:500],
            "supplier_name": award.name, "award_value": award.value,
            "score": round(result.score, 1),
            "name_score": round(result.name_score, 1), "risk_level": result.risk_level,
            "reasons": json.dumps([{"code": r.code, "text": r.text, "weight": r.weight}
                                   for r in result.reasons]),
            "explanation": _explain(result), "interest_digest": info.digest,
            "award_digest": award_digest, "active": True,
        }  # fmt: skip
        flag = existing.get(key)
        if flag is None:
            flag = Flag(interest_lineage=info.lineage, source_key=result.source_key,
                        award_supplier_id=result.award_supplier_id, status=OPEN,
                        created_at=now, updated_at=now, **values)  # fmt: skip
            session.add(flag)
            report.new += 1
            if result.risk_level == "high":
                session.flush()
                report.high_risk_new.append(flag.id)
            continue
        changed = any(getattr(flag, name) != value for name, value in values.items())
        for name, value in values.items():
            setattr(flag, name, value)
        decision = flag.current_decision if flag.status == DECIDED else None
        if decision is not None:
            reasons = []
            if decision.interest_digest != info.digest:
                reasons.append("the declared interest changed after the decision")
            if decision.award_digest != award_digest:
                reasons.append("the award changed after the decision")
            if reasons:
                flag.status = REOPENED
                flag.reopened_reason = "Reopened: " + " and ".join(reasons) + "."
                report.reopened += 1
                record(
                    session,
                    "flag.reopened",
                    f"Flag {flag.id} {flag.reopened_reason}",
                    object_type="flag",
                    object_id=flag.id,
                )
        if changed:
            flag.updated_at = now
            report.updated += 1
    stale = select(Flag).where(Flag.active.is_(True), Flag.kind == DECLARED)
    if scope_lineages is not None:
        stale = stale.where(Flag.interest_lineage.in_(list(scope_lineages)))
    if scope_suppliers is not None:
        stale = stale.where(Flag.award_supplier_id.in_(list(scope_suppliers)))
    for flag in session.scalars(stale):
        if (flag.interest_lineage, flag.source_key, flag.award_supplier_id) not in found_keys:
            flag.active = False
            flag.updated_at = now
            report.withdrawn += 1
    session.flush()


def _alert(session: Session, report: ScreeningReport, mailbox: str | None) -> None:
    """Queue e-mails about new high-risk flags, in the same transaction as the flags."""
    flag_ids = report.high_risk_new + (report.undeclared.high_risk_new if report.undeclared else [])
    if mailbox is not None and flag_ids:
        from register.notify.messages import notify_new_high_risk

        notify_new_high_risk(session, flag_ids, mailbox=mailbox)


def _undeclared(session: Session, config: MatchConfig, **scope: Any) -> UndeclaredReport:
    """Undeclared-interest screening of `scope` (official_ids or company_numbers)."""
    # Imported here: register.ownership.screening builds on this module.
    from register.ownership.screening import screen_undeclared

    return screen_undeclared(session, config.lookback_months, **scope)


def screen_declaration(
    session: Session,
    declaration: Declaration,
    config: MatchConfig,
    *,
    alert_mailbox: str | None = None,
) -> ScreeningReport:
    """Screen a declaration's latest version against every award supplier (on submit or amend),
    and the official against company officer records: a company now declared is no longer an
    undeclared interest."""
    report = ScreeningReport()
    version = declaration.versions[-1] if declaration.versions else None
    if version is None:
        return report
    pairs = list(records_from_version(version, declaration.official))
    meta = {(r.interest_id, r.source_key): m for r, m in pairs}
    index = _supplier_cache.get(session, config)
    engine = MatchingEngine(config)
    engine.suppliers = index
    results = engine.screen_interests(r for r, _ in pairs)
    report.interests, report.suppliers = len(pairs), len(index)
    persist(session, results, meta, scope_lineages={m.lineage for _, m in pairs},
            scope_suppliers=None, report=report)  # fmt: skip
    report.undeclared = _undeclared(session, config, official_ids=[declaration.official_id])
    _alert(session, report, alert_mailbox)
    return report


def screen_people(
    session: Session,
    official_ids: Collection[int],
    config: MatchConfig,
    *,
    alert_mailbox: str | None = None,
) -> UndeclaredReport | None:
    """Screen officials against company officer records again, after their names, birth date or
    department changed (administration, roster import)."""
    if not official_ids:
        return None
    report = ScreeningReport(undeclared=_undeclared(session, config, official_ids=official_ids))
    _alert(session, report, alert_mailbox)
    return report.undeclared


def _interest_index(
    session: Session, config: MatchConfig
) -> tuple[InterestIndex, dict[tuple[int, str], InterestMeta]]:
    meta: dict[tuple[int, str], InterestMeta] = {}
    index = InterestIndex(config=config)
    for version, official in latest_versions(session):
        for interest, info in records_from_version(version, official):
            index.add(interest)
            meta[(interest.interest_id, interest.source_key)] = info
    return index, meta


def screen_suppliers(
    session: Session,
    supplier_ids: list[int],
    config: MatchConfig,
    *,
    alert_mailbox: str | None = None,
) -> ScreeningReport:
    """Screen new or changed award suppliers against every declared interest, and their
    companies' officers and PSCs against every official (after an import)."""
    report = ScreeningReport()
    if not supplier_ids:
        return report
    index, meta = _interest_index(session, config)
    engine = MatchingEngine(config)
    engine.interests = index
    results = engine.screen_suppliers(supplier_records(session, supplier_ids))
    report.interests, report.suppliers = len(meta), len(supplier_ids)
    persist(session, results, meta, scope_lineages=None, scope_suppliers=set(supplier_ids),
            report=report)  # fmt: skip
    companies: set[str] = set()
    for i in range(0, len(supplier_ids), 900):
        companies.update(session.scalars(
            select(AwardSupplier.company_number).where(
                AwardSupplier.id.in_(supplier_ids[i : i + 900]),
                AwardSupplier.company_number.is_not(None),
            )
        ))  # fmt: skip
    report.undeclared = _undeclared(session, config, company_numbers=companies)
    _alert(session, report, alert_mailbox)
    return report


def _counted(
    items: list[SupplierRecord], tick: Callable[[int, float], None], every: int = 2000
) -> Iterator[SupplierRecord]:
    """The items, calling `tick(done, seconds)` every `every` of them and at the end."""
    started = time.monotonic()
    for done, item in enumerate(items, start=1):
        yield item
        if done % every == 0:
            tick(done, time.monotonic() - started)
    tick(len(items), time.monotonic() - started)


def screen_everything(
    session: Session,
    config: MatchConfig,
    progress: Callable[[str], None] | None = None,
    *,
    tick: Callable[[int, float], None] | None = None,
    alert_mailbox: str | None = None,
) -> ScreeningReport:
    """Re-screen every latest declaration against every award supplier; `progress` hears of
    each stage, `tick` of the suppliers screened so far (for a progress bar)."""
    report = ScreeningReport()
    index, meta = _interest_index(session, config)
    if progress:
        progress(f"indexed {len(meta)} declared organisations")
    engine = MatchingEngine(config)
    engine.interests = index
    suppliers = list(supplier_records(session))
    if progress:
        progress(f"loaded {len(suppliers)} award suppliers")
    results = engine.screen_suppliers(_counted(suppliers, tick) if tick else suppliers)
    if progress:
        progress(f"saving {len(results)} matches as flags")
    report.interests, report.suppliers = len(meta), len(suppliers)
    persist(session, results, meta, scope_lineages=None, scope_suppliers=None, report=report)
    record(session, "matching.run", "Full screening: " + report.summary())
    _alert(session, report, alert_mailbox)
    return report


def config_from(settings: dict[str, Any]) -> MatchConfig:
    return MatchConfig(lookback_months=int(settings.get("LOOKBACK_MONTHS", 24)))
