"""Idempotent, batched import of parsed awards into the database (SQLAlchemy, no Flask).

One file is one transaction: a file that turns out to be malformed half-way is rolled back
entirely and its import run says why, so the database never holds half a file. Within the
transaction rows are written in batches with Core statements, so memory stays flat.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from register.audit.log import record
from register.awards.duplicates import (
    LinkChange,
    duplicate_key,
    relink,
    supplier_ids_of,
    unlink_keyless,
)
from register.awards.parse import detect_format, iter_awards
from register.awards.parsed import ParsedAward, ParseStats
from register.candidate_index import index_new_suppliers, index_suppliers, name_new_suppliers
from register.clock import utcnow
from register.ingest.rejections import FormatError, RejectedRecord
from register.ingest.reports import FileReport, Progress, fault_message
from register.models import (
    Award,
    AwardSupplier,
    BuyerMapping,
    Department,
    Flag,
    ImportRun,
    User,
)
from register.models.base import core_table, insert_rows, one_of

BATCH_SIZE = 500

log = logging.getLogger(__name__)


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
class ImportReport(FileReport):
    releases_without_awards: int = 0
    # Ids of suppliers inserted or updated, for screening; 8 bytes each, so memory stays flat.
    changed_supplier_ids: array[int] = field(default_factory=lambda: array("q"))

    def notes(self) -> str:
        if self.releases_without_awards:
            return f" ({self.releases_without_awards} releases had no award)"
        return ""


class _BuyerResolver:
    """Maps buyer names to departments, remembering unmapped buyers for administrators."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.mapping: dict[str, int | None] = {
            key: department_id
            for key, department_id in session.execute(
                select(BuyerMapping.buyer_key, BuyerMapping.department_id)
            )
        }
        self.departments = {
            buyer_key(name): id_
            for id_, name in session.execute(select(Department.id, Department.name))
        }
        self.keys: dict[str, str | None] = {}  # buyer name -> key; a file has few buyers

    def department_for(
        self, name: str | None, identifier: str | None = None
    ) -> tuple[str | None, int | None]:
        if not name:
            return None, None
        key = self.keys.get(name)
        if key is None:
            key = self.keys[name] = buyer_key(name)
        if key is None:
            return None, None
        if key not in self.mapping:
            # A new buyer name maps automatically when it is a department's own name, or when
            # its identifier is already on awards mapped to a department (a renamed buyer).
            department_id = self.departments.get(key) or self._by_identifier(identifier)
            self.session.add(
                BuyerMapping(
                    buyer_key=key, buyer_name=(name or "")[:300], department_id=department_id
                )
            )
            self.mapping[key] = department_id
        return key, self.mapping[key]

    def _by_identifier(self, identifier: str | None) -> int | None:
        if not identifier:
            return None
        found = self.session.scalars(
            select(Award.department_id)
            .where(Award.buyer_identifier == identifier, Award.department_id.is_not(None))
            .distinct()
            .limit(2)
        ).all()
        return found[0] if len(found) == 1 else None  # one department, or ask a person


def _company_number(supplier: Any) -> str | None:
    return next((value for scheme, value in supplier.identifiers if scheme == "GB-COH"), None)


def award_duplicate_key(award: ParsedAward) -> str | None:
    """The key another publication of the same contract would share (register.awards.duplicates)."""
    return duplicate_key(
        award.buyer_name,
        award.value,
        award.currency,
        award.award_date,
        award.title,
        [(s.name, _company_number(s)) for s in award.suppliers],
    )


def _award_row(
    award: ParsedAward, resolver: _BuyerResolver, digest: str, source: str
) -> dict[str, Any]:
    key, department_id = resolver.department_for(award.buyer_name, award.buyer_identifier)
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
        "source": source[:500],
        "duplicate_key": award_duplicate_key(award),
    }


def _supplier_rows(award: ParsedAward) -> list[dict[str, Any]]:
    return [
        {
            "position": position,
            "name": supplier.name[:500],
            "aliases": json.dumps(supplier.aliases) if supplier.aliases else "[]",
            "identifiers": json.dumps(supplier.identifiers) if supplier.identifiers else "[]",
            "company_number": _company_number(supplier),
        }
        for position, supplier in enumerate(award.suppliers)
    ]


def _is_newer(incoming: datetime | None, stored: datetime | None) -> bool:
    """Latest release `date` wins; an undated release only replaces an undated one."""
    if incoming is None:
        return stored is None
    return stored is None or incoming >= stored


class _BatchWriter:
    """Writes batches of parsed awards: new ones inserted, newer releases applied, rest counted."""

    def __init__(
        self,
        session: Session,
        report: ImportReport,
        actor: User | None,
        rename: Callable[[str], str],
    ) -> None:
        self.session = session
        self.report = report
        self.actor = actor
        self.rename = rename
        self.resolver = _BuyerResolver(session)
        # Audit entries for updated awards, written when the file is done: the first entry
        # takes the audit chain's lock until commit, and every audited action waits for it.
        self.updates: list[tuple[int, str, str, str | None]] = []
        self.links: list[LinkChange] = []  # awards recognised as (or no longer) copies
        self.keys: set[str | None] = set()  # duplicate keys this batch added or left
        self.updated_ids: list[int] = []
        # Suppliers of updated awards, or of awards that became or stopped being copies, to be
        # indexed again (new awards' suppliers are indexed as they are inserted).
        self.reindex: list[int] = []
        self.released: set[int] = set()  # names of suppliers removed from their award

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
                select(
                    Award.id,
                    Award.ocid,
                    Award.award_id,
                    Award.release_date,
                    Award.content_digest,
                    Award.duplicate_key,
                ).where(one_of(self.session, Award.ocid, {ocid for ocid, _ in latest}))
            )
        }
        new: list[tuple[ParsedAward, str]] = []
        for key, award in latest.items():
            digest = award_digest(award)
            stored = existing.get(key)
            if stored is None:
                new.append((award, digest))
            elif stored.content_digest == digest or not _is_newer(
                award.release_date, stored.release_date
            ):
                self.report.unchanged += 1
            else:
                self._update(stored, award, digest)
        if new:
            self._insert(new)
        self._relink()
        # The stored candidate index follows in the same transaction (register.candidate_index).
        index_suppliers(self.session, self.reindex, self.released)
        self.reindex, self.released = [], set()

    def _relink(self) -> None:
        """Link the copies among what this batch added or changed (register.awards.duplicates);
        the suppliers of an award that became, or stopped being, a copy are screened again."""
        changes = relink(self.session, self.keys) + unlink_keyless(self.session, self.updated_ids)
        self.keys, self.updated_ids = set(), []
        if changes:
            self.links.extend(changes)
            relinked = supplier_ids_of(self.session, {c.award_id for c in changes})
            self.reindex.extend(relinked)
            self.report.changed_supplier_ids.extend(relinked)

    def _insert(self, awards: list[tuple[ParsedAward, str]]) -> None:
        """Insert new awards and their suppliers (COPY on PostgreSQL), then read the ids back.

        RETURNING with sort_by_parameter_order makes SQLAlchemy insert one row at a time on
        SQLite (and splice the results quadratically), so ids are looked up by (ocid, award id).
        """
        rows = [
            _award_row(award, self.resolver, digest, self.rename(award.source))
            for award, digest in awards
        ]
        insert_rows(self.session, core_table(Award), rows)
        self.keys.update(row["duplicate_key"] for row in rows)
        ids = {
            (row.ocid, row.award_id): row.id
            for row in self.session.execute(
                select(Award.id, Award.ocid, Award.award_id).where(
                    one_of(self.session, Award.ocid, {award.ocid for award, _ in awards})
                )
            )
        }
        supplier_rows = [
            {**row, "award_id": ids[(award.ocid, award.award_id)]}
            for award, _ in awards
            for row in _supplier_rows(award)
        ]
        if supplier_rows:
            name_new_suppliers(self.session, supplier_rows)
            insert_rows(self.session, core_table(AwardSupplier), supplier_rows)
            inserted = self.session.execute(
                select(AwardSupplier.id, AwardSupplier.identifiers)
                .where(
                    one_of(
                        self.session,
                        AwardSupplier.award_id,
                        {row["award_id"] for row in supplier_rows},
                    )
                )
                .order_by(AwardSupplier.id)
            ).all()
            index_new_suppliers(self.session, inserted)
            self.report.changed_supplier_ids.extend(row.id for row in inserted)
        self.report.imported += len(awards)

    def _update(self, stored: Any, award: ParsedAward, digest: str) -> None:
        source = self.rename(award.source)
        row = _award_row(award, self.resolver, digest, source)
        self.session.execute(
            update(Award).where(Award.id == stored.id).values(**row, updated_at=utcnow())
        )
        self.keys.update((stored.duplicate_key, row["duplicate_key"]))
        self.updated_ids.append(stored.id)
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
            self.reindex.append(supplier_id)
            self.report.changed_supplier_ids.append(supplier_id)
        if current:  # suppliers no longer on the award; kept if a flag points at them
            flagged = select(Flag.award_supplier_id)
            removed = delete(AwardSupplier).where(
                AwardSupplier.id.in_(list(current.values())), AwardSupplier.id.not_in(flagged)
            )
            self.released.update(
                name_id
                for name_id in self.session.scalars(
                    removed.returning(AwardSupplier.screening_name_id)
                )
                if name_id is not None
            )
        self.report.updated += 1
        summary = (
            f"Award {award.ocid} / {award.award_id} updated by a newer release "
            f"({award.release_date.isoformat() if award.release_date else 'undated'})"
        )
        self.updates.append((stored.id, summary, source, award.release_id))

    def audit_updates(self) -> None:
        for change in self.links:
            summary = (
                f"Award {change.award_id} recognised as another publication of award {change.after}"
                if change.after
                else f"Award {change.award_id} no longer another publication of award "
                f"{change.before}"
            )
            record(
                self.session,
                "award.duplicate_linked",
                summary,
                actor=self.actor,
                object_type="award",
                object_id=change.award_id,
                details={
                    "before": {"duplicate_of": change.before},
                    "after": {"duplicate_of": change.after},
                },
            )
        self.links = []
        for award_id, summary, source, release_id in self.updates:
            record(
                self.session,
                "award.updated",
                summary,
                actor=self.actor,
                object_type="award",
                object_id=award_id,
                details={"source": source, "release_id": release_id},
            )
        self.updates = []


def _renamer(prefix: str, name: str) -> Callable[[str], str]:
    """Show positions and messages under the file's display name instead of its saved path."""
    if prefix == name:
        return lambda text: text
    return lambda text: name + text[len(prefix) :] if text.startswith(prefix) else text


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
    rename = _renamer(str(path), name)
    report = ImportReport(path=name)
    started = time.monotonic()
    stats = ParseStats()
    try:
        report.detected_format = detect_format(path)
        writer = _BatchWriter(session, report, actor, rename)
        batch: list[ParsedAward] = []
        for item in iter_awards(path, stats):
            report.read += 1
            if isinstance(item, RejectedRecord):
                report.rejected.append(
                    RejectedRecord(rename(item.source), item.reason, item.record)
                )
                continue
            batch.append(item)
            if len(batch) >= BATCH_SIZE:
                writer.write(batch)
                batch = []
                if progress:
                    progress(report.read, time.monotonic() - started)
        if batch:
            writer.write(batch)
        writer.audit_updates()
    except (FormatError, OSError) as exc:
        session.rollback()
        report.refuse(rename(str(exc)))
        report.changed_supplier_ids = array("q")
    except Exception as exc:  # noqa: BLE001 - recorded on the run and in the log, never lost
        log.exception("award import of %s stopped", path)
        session.rollback()
        report.refuse(fault_message(name, exc))
        report.changed_supplier_ids = array("q")
    report.releases_without_awards = stats.releases_without_awards
    if progress:
        progress(report.read, time.monotonic() - started)
    run = ImportRun(filename=report.path[:500], actor_id=actor.id if actor else None)
    report.finish_run(session, run, "awards.imported", actor)
    session.commit()
    return report


def map_buyer(
    session: Session, mapping: BuyerMapping, department: Department | None, actor: User | None
) -> int:
    """Point a buyer at a department (or none) and re-label its awards; returns awards changed."""
    before = mapping.department_id
    mapping.department_id = department.id if department else None
    changed = session.execute(
        update(Award)
        .where(Award.buyer_key == mapping.buyer_key)
        .values(department_id=mapping.department_id, updated_at=utcnow())
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
