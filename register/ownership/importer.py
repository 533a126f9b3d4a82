"""Idempotent, batched import of officer and PSC records (SQLAlchemy, no Flask).

Like the award import: one file is one transaction, rolled back whole if the file turns out to be
unreadable; bad records are rejected one by one and kept on the import run with their reasons;
re-importing a file changes nothing.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import insert, select, tuple_, update
from sqlalchemy.orm import Session

from register.candidate_index import index_officers
from register.clock import utcnow
from register.ingest.rejections import FormatError, RejectedRecord
from register.ingest.reports import FileReport, Progress, fault_message
from register.models import CompanyOfficer, ImportRun, User
from register.models.base import core_table
from register.ownership.parse import ParsedOfficer, detect_format, iter_officers

BATCH_SIZE = 1000

log = logging.getLogger(__name__)


@dataclass
class OfficerImportReport(FileReport):
    # Companies whose officer records were added or changed, to screen them again.
    changed_companies: set[str] = field(default_factory=set)


def _row(officer: ParsedOfficer, run_id: int | None) -> dict[str, object]:
    return {
        "source": officer.source,
        "record_key": officer.record_key,
        "kind": officer.kind,
        "company_number": officer.company_number,
        "company_name": officer.company_name,
        "name": officer.name,
        "person_key": officer.person_key,
        "role": officer.role,
        "appointed_on": officer.appointed_on,
        "resigned_on": officer.resigned_on,
        "birth_month": officer.birth_month,
        "birth_year": officer.birth_year,
        "content_digest": officer.digest(),
        "origin": officer.origin,
        "import_run_id": run_id,
    }


def _write(
    session: Session, batch: list[ParsedOfficer], report: OfficerImportReport, run_id: int
) -> None:
    latest = {(o.source, o.record_key): o for o in batch}  # a repeat in one batch: last wins
    report.unchanged += len(batch) - len(latest)
    stored = {
        (row.source, row.record_key): row
        for row in session.execute(
            select(
                CompanyOfficer.id,
                CompanyOfficer.source,
                CompanyOfficer.record_key,
                CompanyOfficer.content_digest,
                CompanyOfficer.company_number,
            ).where(tuple_(CompanyOfficer.source, CompanyOfficer.record_key).in_(list(latest)))
        )
    }
    new = []
    changed_ids = []
    for key, officer in latest.items():
        row = _row(officer, run_id)
        existing = stored.get(key)
        if existing is None:
            new.append(row)
            report.changed_companies.add(officer.company_number)
        elif existing.content_digest == row["content_digest"]:
            report.unchanged += 1
        else:
            report.changed_companies.update((existing.company_number, officer.company_number))
            session.execute(
                update(CompanyOfficer)
                .where(CompanyOfficer.id == existing.id)
                .values(**row, updated_at=utcnow())
            )
            changed_ids.append(existing.id)
            report.updated += 1
    if new:
        session.execute(insert(core_table(CompanyOfficer)), new)
        report.imported += len(new)
        changed_ids.extend(
            session.scalars(
                select(CompanyOfficer.id).where(
                    tuple_(CompanyOfficer.source, CompanyOfficer.record_key).in_(
                        [(row["source"], row["record_key"]) for row in new]
                    )
                )
            )
        )
    index_officers(session, changed_ids)  # the stored candidate index, in the same transaction


def import_file(
    session: Session,
    path: Path,
    *,
    actor: User | None = None,
    progress: Progress | None = None,
) -> OfficerImportReport:
    """Import one file in one transaction; the import run is committed either way."""
    report = OfficerImportReport(path=str(path))
    started = time.monotonic()
    run = ImportRun(filename=str(path)[:500], actor_id=actor.id if actor else None)
    session.add(run)
    session.commit()  # the run exists (status "running") while the file is read
    try:
        report.detected_format = detect_format(path)
        batch: list[ParsedOfficer] = []
        for item in iter_officers(path):
            report.read += 1
            if isinstance(item, RejectedRecord):
                report.rejected.append(item)
                continue
            batch.append(item)
            if len(batch) >= BATCH_SIZE:
                _write(session, batch, report, run.id)
                batch = []
                if progress:
                    progress(report.read, time.monotonic() - started)
        if batch:
            _write(session, batch, report, run.id)
    except (FormatError, OSError) as exc:
        session.rollback()
        report.refuse(str(exc))
        report.changed_companies.clear()
    except Exception as exc:  # noqa: BLE001 - recorded on the run and in the log, never lost
        log.exception("officer import of %s stopped", path)
        session.rollback()
        report.refuse(fault_message(str(path), exc))
        report.changed_companies.clear()
    if progress:
        progress(report.read, time.monotonic() - started)
    run = session.get_one(ImportRun, run.id)  # re-read: a rollback above expired it
    report.finish_run(session, run, "ownership.imported", actor)
    session.commit()
    return report
