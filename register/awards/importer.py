"""Idempotent, batched import of parsed awards into the database (SQLAlchemy, no Flask).

One file is one transaction: a file that turns out to be malformed half-way is rolled back
entirely and its import run says why, so the database never holds half a file. Within the
transaction rows are written in batches with Core statements, so memory stays flat.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from register.audit.log import record
from register.awards.parse import (
    FormatError,
    ParsedAward,
    ParseStats,
    RejectedRecord,
    detect_format,
    iter_awards,
)
from register.models import Award, AwardSupplier, BuyerMapping, Department, Flag, ImportRejection
from register.models import ImportRun, User
from register.models.base import utcnow

BATCH_SIZE = 500


def buyer_key(name: str | None) -> str | None:
    """A buyer's name reduced to a lookup key: case, spacing and punctuation ignored."""
    if not name:
        return None
    kept = "".join(ch if ch.isalnum() else " " for ch in name.casefold().replace("&", " and "))
    return " ".join(kept.split())[:300] or None


def award_digest(award: ParsedAward) -> str:
    """A digest of everything imported for an award except where it came from."""
    content = {
        name: getattr(award, name)
        for name in award.__dataclass_fields__
        if name not in ("source", "suppliers")
    }
    content["suppliers"] = [
        [s.name, list(s.aliases), [list(i) for i in s.identifiers]] for s in award.suppliers
    ]
    text = json.dumps(content, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class ImportReport:
    path: str
    detected_format: str | None = None
    read: int = 0
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[RejectedRecord] = field(default_factory=list)
    failed: str | None = None  # the FormatError message when the whole file was refused
    releases_without_awards: int = 0
    changed_supplier_ids: list[int] = field(default_factory=list)
    run_id: int | None = None

    def summary(self) -> str:
        text = (
            f"{self.path}: {self.detected_format or 'unknown format'}; read {self.read}, "
            f"imported {self.imported}, updated {self.updated}, unchanged {self.unchanged}, "
            f"rejected {len(self.rejected)}"
        )
        if self.releases_without_awards:
            text += f" ({self.releases_without_awards} releases had no award)"
        if self.failed:
            text += f"; FILE REFUSED, nothing from it was kept: {self.failed}"
        return text


Progress = Callable[[int, float], None]  # (records read, seconds elapsed)


class _BuyerResolver:
    """Maps buyer names to departments, remembering unmapped buyers for administrators."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.mapping = {m.buyer_key: m.department_id for m in session.scalars(select(BuyerMapping))}
        self.departments = {buyer_key(d.name): d.id for d in session.scalars(select(Department))}

    def department_for(self, name: str | None) -> tuple[str | None, int | None]:
        key = buyer_key(name)
        if key is None:
            return None, None
        if key not in self.mapping:
            department_id = self.departments.get(key)  # exact name match maps automatically
            self.session.add(
                BuyerMapping(buyer_key=key, buyer_name=(name or "")[:300],
                             department_id=department_id)
            )  # fmt: skip
            self.mapping[key] = department_id
        return key, self.mapping[key]


def _award_row(award: ParsedAward, resolver: _BuyerResolver, digest: str) -> dict[str, Any]:
    key, department_id = resolver.department_for(award.buyer_name)
    return {
        "ocid": award.ocid,
        "award_id": award.award_id,
        "release_id": award.release_id,
        "release_date": award.release_date,
        "title": award.title,
        "description": award.description,
        "status": award.status,
        "buyer_name": (award.buyer_name or "")[:300] or None,
        "buyer_identifier": award.buyer_identifier,
        "buyer_key": key,
        "department_id": department_id,
        "value": award.value,
        "currency": award.currency,
        "award_date": award.award_date,
        "contract_start": award.contract_start,
        "contract_end": award.contract_end,
        "content_digest": digest,
        "source": award.source[:500],
    }


def _supplier_rows(award: ParsedAward) -> list[dict[str, Any]]:
    return [
        {
            "position": position,
            "name": supplier.name[:500],
            "aliases": json.dumps(list(supplier.aliases)),
            "identifiers": json.dumps([list(i) for i in supplier.identifiers]),
            "company_number": next(
                (value for scheme, value in supplier.identifiers if scheme == "GB-COH"), None
            ),
        }
        for position, supplier in enumerate(award.suppliers)
    ]


def _is_newer(incoming: datetime | None, stored: datetime | None) -> bool:
    """Latest release `date` wins; an undated release only replaces an undated one."""
    if incoming is None:
        return stored is None
    return stored is None or incoming >= stored


class _BatchWriter:
    def __init__(self, session: Session, report: ImportReport, actor: User | None) -> None:
        self.session = session
        self.report = report
        self.actor = actor
        self.resolver = _BuyerResolver(session)

    def write(self, batch: list[ParsedAward]) -> None:
        latest: dict[tuple[str, str], ParsedAward] = {}
        for award in batch:
            key = (award.ocid, award.award_id)
            if key in latest and not _is_newer(award.release_date, latest[key].release_date):
                self.report.unchanged += 1
                continue
            if key in latest:
                self.report.unchanged += 1  # superseded by a newer release in the same file
            latest[key] = award
        existing = {
            (row.ocid, row.award_id): row
            for row in self.session.execute(
                select(Award.id, Award.ocid, Award.award_id, Award.release_date,
                       Award.content_digest)
                .where(Award.ocid.in_({ocid for ocid, _ in latest}))
            )
        }  # fmt: skip
        new: list[ParsedAward] = []
        for key, award in latest.items():
            digest = award_digest(award)
            stored = existing.get(key)
            if stored is None:
                new.append(award)
            elif stored.content_digest == digest or not _is_newer(
                award.release_date, stored.release_date
            ):
                self.report.unchanged += 1
            else:
                self._update(stored, award, digest)
        if new:
            self._insert(new)

    def _insert(self, awards: list[ParsedAward]) -> None:
        rows = [_award_row(a, self.resolver, award_digest(a)) for a in awards]
        ids = (
            self.session.execute(
                insert(Award).returning(Award.id, sort_by_parameter_order=True), rows
            )
            .scalars()
            .all()
        )
        supplier_rows = [
            {**row, "award_id": award_id}
            for award_id, award in zip(ids, awards, strict=True)
            for row in _supplier_rows(award)
        ]
        if supplier_rows:
            supplier_ids = (
                self.session.execute(
                    insert(AwardSupplier).returning(AwardSupplier.id, sort_by_parameter_order=True),
                    supplier_rows,
                )
                .scalars()
                .all()
            )
            self.report.changed_supplier_ids.extend(supplier_ids)
        self.report.imported += len(awards)

    def _update(self, stored: Any, award: ParsedAward, digest: str) -> None:
        row = _award_row(award, self.resolver, digest)
        self.session.execute(
            update(Award).where(Award.id == stored.id).values(**row, updated_at=utcnow())
        )
        current = {
            s.position: s.id
            for s in self.session.execute(
                select(AwardSupplier.id, AwardSupplier.position).where(
                    AwardSupplier.award_id == stored.id
                )
            )
        }
        for supplier in _supplier_rows(award):
            supplier_id = current.pop(supplier["position"], None)
            if supplier_id is None:
                supplier_id = self.session.execute(
                    insert(AwardSupplier).returning(AwardSupplier.id),
                    {**supplier, "award_id": stored.id},
                ).scalar_one()
            else:
                self.session.execute(
                    update(AwardSupplier).where(AwardSupplier.id == supplier_id).values(**supplier)
                )
            self.report.changed_supplier_ids.append(supplier_id)
        if current:  # suppliers no longer on the award; kept if a flag points at them
            flagged = select(Flag.award_supplier_id)
            self.session.execute(
                delete(AwardSupplier).where(
                    AwardSupplier.id.in_(list(current.values())),
                    AwardSupplier.id.not_in(flagged),
                )
            )
        self.report.updated += 1
        record(
            self.session, "award.updated",
            f"Award {award.ocid} / {award.award_id} updated by a newer release "
            f"({award.release_date.isoformat() if award.release_date else 'undated'})",
            actor=self.actor, object_type="award", object_id=stored.id,
            details={"source": award.source, "release_id": award.release_id},
        )  # fmt: skip


def import_file(
    session: Session,
    path: Path,
    *,
    actor: User | None = None,
    progress: Progress | None = None,
    display_name: str | None = None,
) -> ImportReport:
    """Import one file in one transaction; commit it, or roll it back if the file is malformed.

    The import run (with its rejected records) is committed either way, so every refusal is
    explained.
    """
    name = display_name or str(path)
    report = ImportReport(path=name)
    started = time.monotonic()
    stats = ParseStats()
    try:
        report.detected_format = detect_format(path)
        writer = _BatchWriter(session, report, actor)
        batch: list[ParsedAward] = []
        for item in iter_awards(path, stats):
            report.read += 1
            if isinstance(item, RejectedRecord):
                report.rejected.append(item)
                continue
            batch.append(item)
            if len(batch) >= BATCH_SIZE:
                writer.write(batch)
                batch = []
                if progress:
                    progress(report.read, time.monotonic() - started)
        if batch:
            writer.write(batch)
    except FormatError as exc:
        session.rollback()
        report.failed = str(exc)
        report.imported = report.updated = report.unchanged = 0
        report.changed_supplier_ids = []
    report.releases_without_awards = stats.releases_without_awards
    if progress:
        progress(report.read, time.monotonic() - started)
    run = _record_run(session, report, actor)
    session.commit()
    report.run_id = run.id
    return report


def _record_run(session: Session, report: ImportReport, actor: User | None) -> ImportRun:
    run = ImportRun(
        filename=report.path[:500], detected_format=report.detected_format,
        status="failed" if report.failed else "completed", message=report.failed,
        read=report.read, imported=report.imported, updated=report.updated,
        unchanged=report.unchanged, rejected=len(report.rejected), finished_at=utcnow(),
        actor_id=actor.id if actor else None,
    )  # fmt: skip
    run.rejections = [
        ImportRejection(source=r.source[:500], reason=r.reason, record=r.record)
        for r in report.rejected
    ]
    session.add(run)
    session.flush()
    record(
        session,
        "awards.imported",
        report.summary(),
        actor=actor,
        object_type="import_run",
        object_id=run.id,
    )
    return run


def map_buyer(
    session: Session, mapping: BuyerMapping, department: Department | None, actor: User | None
) -> int:
    """Point a buyer at a department (or none) and re-label its awards; returns awards changed."""
    before = mapping.department_id
    mapping.department_id = department.id if department else None
    changed = session.execute(
        update(Award)
        .where(Award.buyer_key == mapping.buyer_key)
        .values(department_id=mapping.department_id)
    ).rowcount  # type: ignore[attr-defined]
    record(
        session,
        "awards.buyer_mapped",
        f"Buyer {mapping.buyer_name!r} mapped to "
        f"{department.name if department else 'no department'} ({changed} awards)",
        actor=actor,
        object_type="buyer_mapping",
        object_id=mapping.id,
        details={"before": before, "after": mapping.department_id},
    )
    return changed
