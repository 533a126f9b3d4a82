"""Screening: what happens after anything the matching engine reads changes.

Every door (web, API, command line, roster and officer imports, declarations) calls one of the
use cases here; each screens declared interests against award suppliers (register.screening.
declared) and officials against company officers (register.screening.undeclared), keeps the
results as flags through one lifecycle (register.screening.flags) and queues the alert about new
high-risk flags to the compliance mailbox in the same transaction. The settings are required:
a forgotten argument cannot mean "no alert". Use cases flush; their caller commits.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from register import candidate_index
from register.audit.log import record
from register.awards.importer import ImportReport
from register.awards.importer import import_file as import_award_file
from register.awards.importer import map_buyer as map_buyer_to_department
from register.cases.filing import file_flags
from register.declarations.queries import index_all_declarations
from register.declarations.services import Amendment, amendment, describe_change
from register.ingest.reports import FileReport
from register.models import (
    Award,
    AwardSupplier,
    BuyerMapping,
    Declaration,
    Department,
    Flag,
    User,
)
from register.models.base import IN_BATCH
from register.models.flags import DECLARED
from register.notify.messages import notify_declaration_amended, notify_new_high_risk
from register.ownership.importer import OfficerImportReport
from register.ownership.importer import import_file as import_officer_file
from register.procurement import services as procurements
from register.screening.declared import (
    screen_declared_suppliers,
    screen_declared_version,
)
from register.screening.flags import FlagCounts, reopen_if_changed
from register.screening.undeclared import UndeclaredReport, screen_undeclared
from register.settings import Settings

Progress = Callable[[int, float], None]
# Award suppliers screened per committed transaction after an import: about a second each at
# 1,000,000 awards (bench/load.py), the longest a submission waits for the screening lock.
IMPORT_SCREEN_BATCH = 250
R = TypeVar("R", ImportReport, OfficerImportReport)


@dataclass
class ScreeningReport(FlagCounts):
    """A run's declared-interest counts, and the undeclared-interest screening run alongside.

    The two are kept apart: an official may be told of declared flags, but learns of an
    undeclared one only once compliance releases it."""

    interests: int = 0
    suppliers: int = 0
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


def rebuild_candidate_index(session: Session) -> tuple[int, int]:
    """Build the stored candidate index again from every award supplier, every official's
    latest submitted version and every company officer record (the migration that made it,
    `flask match reindex`); return how many suppliers and officials were indexed."""
    candidate_index.clear(session)
    suppliers = candidate_index.index_all_suppliers(session)
    officials = index_all_declarations(session)
    candidate_index.index_all_officers(session)
    session.flush()
    return suppliers, officials


def _file_in_cases(session: Session, *reports: FlagCounts | None) -> None:
    """File the flags the screening touched in their cases (register.cases.filing)."""
    for report in reports:
        if report is not None and report.touched:
            file_flags(session, report.touched)
            report.touched.clear()
        if report is not None:
            report.note_flushed()


def _alert(session: Session, settings: Settings, *reports: FlagCounts | None) -> None:
    """File the flags touched in their cases, and queue the e-mail about new high-risk flags,
    in the same transaction as the flags."""
    _file_in_cases(session, *reports)
    flag_ids = [i for report in reports if report is not None for i in report.high_risk_new]
    if flag_ids:
        notify_new_high_risk(session, flag_ids, mailbox=settings.compliance_mailbox)


def screen_declaration(
    session: Session, declaration: Declaration, settings: Settings
) -> ScreeningReport:
    """Screen a declaration's latest version against every award supplier (on submit or amend),
    and the official against company officer records: a company now declared is no longer an
    undeclared interest."""
    report = ScreeningReport()
    if not declaration.versions:
        return report
    candidate_index.hold_screening_lock(session, exclusive=False)
    changed = amendment(session, declaration)
    reopened = _reopen_amended(session, changed, report) if changed else []
    report.interests, report.suppliers = screen_declared_version(
        session, declaration, settings.matching, report
    )
    report.undeclared = screen_undeclared(
        session, settings.lookback_months, official_ids=[declaration.official_id]
    )
    _alert(session, settings, report, report.undeclared)
    if changed is not None and (changed.is_amendment or reopened):
        notify_declaration_amended(
            session,
            changed.version,
            [describe_change(c) for c in changed.changes],
            reopened,
            mailbox=settings.compliance_mailbox,
        )
    # The conflicts assessments of the open procurements the official acts on are kept under
    # review (Procurement Act 2023, s.83): a new declared interest may be a new conflict.
    procurements.recheck_for_officials(session, [declaration.official_id], settings)
    return report


def _reopen_amended(session: Session, changed: Amendment, counts: FlagCounts) -> list[Flag]:
    """Flags about an interest the official ended or changed (open, decided or under a plan)
    are reviewed again, with what changed as the reason; withdrawn flags that were never
    decided are left alone."""
    reopened = []
    for lineage, reason in changed.reasons.items():
        for flag in session.scalars(
            select(Flag)
            .where(
                Flag.kind == DECLARED,
                Flag.interest_lineage == lineage,
                or_(Flag.active.is_(True), Flag.decisions.any()),
            )
            .order_by(Flag.id)
        ):
            before = counts.reopened
            reopen_if_changed(session, flag, counts, interest_change=reason)
            if counts.reopened > before:
                reopened.append(flag)
    return reopened


def screen_people(
    session: Session, official_ids: Collection[int], settings: Settings
) -> UndeclaredReport | None:
    """Screen officials against company officer records again, after their names, birth date or
    department changed (administration, roster import)."""
    if not official_ids:
        return None
    report = screen_undeclared(session, settings.lookback_months, official_ids=official_ids)
    _alert(session, settings, report)
    return report


def screen_companies(
    session: Session,
    settings: Settings,
    company_numbers: Collection[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> UndeclaredReport:
    """Screen every official against the officers and PSCs of these companies (after their
    officer records were imported), or of every award supplier."""
    report = screen_undeclared(
        session, settings.lookback_months, progress, company_numbers=company_numbers
    )
    _alert(session, settings, report)
    if company_numbers is not None:  # new ownership data: procurements with those suppliers
        procurements.recheck_for_companies(session, company_numbers, settings)
    return report


def screen_suppliers(
    session: Session,
    supplier_ids: list[int],
    settings: Settings,
    *,
    commit_batches: Callable[[], None] | None = None,
) -> ScreeningReport:
    """Screen new or changed award suppliers against every declared interest, and their
    companies' officers and PSCs against every official (after an import or a buyer remap).

    With `commit_batches` (an import, whose files are already committed) each batch of
    IMPORT_SCREEN_BATCH suppliers is screened in its own transaction, ended by calling it: a
    batch holds the screening lock and the audit chain for about a second, so officials
    submitting during a large import wait for one batch, not for the whole screening. The
    alert about new high-risk flags goes out once, after the last batch (the caller commits
    it). Without it (a buyer remap) the screening is one transaction with the change.
    """
    report = ScreeningReport()
    if not supplier_ids:
        return report
    size = IMPORT_SCREEN_BATCH if commit_batches is not None else len(supplier_ids)
    declared_seen: set[tuple[int, str]] = set()
    undeclared = UndeclaredReport()
    for i in range(0, len(supplier_ids), size):
        batch = supplier_ids[i : i + size]
        candidate_index.hold_screening_lock(session, exclusive=True)
        _, screened = screen_declared_suppliers(
            session, batch, settings.matching, report, interests_seen=declared_seen
        )
        report.suppliers += screened
        companies = _company_numbers(session, batch)
        batch_undeclared = (
            screen_undeclared(session, settings.lookback_months, company_numbers=companies)
            if companies
            else None
        )
        _file_in_cases(session, report, batch_undeclared)
        if batch_undeclared is not None:
            undeclared.add(batch_undeclared)
        if commit_batches is not None:
            commit_batches()
    report.interests = len(declared_seen)
    report.undeclared = undeclared
    _alert(session, settings, report, report.undeclared)
    return report


def _company_numbers(session: Session, supplier_ids: list[int]) -> set[str]:
    companies: set[str] = set()
    for i in range(0, len(supplier_ids), IN_BATCH):
        companies.update(
            number
            for number in session.scalars(
                select(AwardSupplier.company_number).where(
                    AwardSupplier.id.in_(supplier_ids[i : i + IN_BATCH]),
                    AwardSupplier.company_number.is_not(None),
                )
            )
            if number is not None
        )
    return companies


def screen_everything(
    session: Session,
    settings: Settings,
    progress: Callable[[str], None] | None = None,
    *,
    tick: Progress | None = None,
) -> ScreeningReport:
    """Re-screen every latest declaration against every award supplier (audited); `progress`
    hears of each stage, `tick` of the suppliers screened so far (for a progress bar)."""
    report = ScreeningReport()
    report.interests, report.suppliers = screen_declared_suppliers(
        session, None, settings.matching, report, progress=progress, tick=tick
    )
    record(session, "matching.run", "Full screening: " + report.summary())
    _alert(session, settings, report)
    return report


def map_buyer(
    session: Session,
    mapping: BuyerMapping,
    department: Department | None,
    actor: User,
    settings: Settings,
) -> tuple[int, ScreeningReport]:
    """Map a buyer to a department (audited), then screen its awards' suppliers again:
    "awarded by the official's own department" depends on the mapping. Returns the number of
    awards updated and the screening."""
    # The screening lock before the audited change: the order of an import's screening batch
    # (the lock, then the audit chain), so the two cannot deadlock.
    candidate_index.hold_screening_lock(session, exclusive=True)
    changed = map_buyer_to_department(session, mapping, department, actor)
    supplier_ids = list(
        session.scalars(
            select(AwardSupplier.id).join(Award).where(Award.buyer_key == mapping.buyer_key)
        )
    )
    return changed, screen_suppliers(session, supplier_ids, settings)


# Import, then screen -----------------------------------------------------------------------


@dataclass
class ImportOutcome(Generic[R]):
    """The files imported (one report each) and the screening of what they changed."""

    reports: list[R] = field(default_factory=list)
    screening: ScreeningReport | UndeclaredReport | None = None

    @property
    def refused_or_rejected(self) -> bool:
        return any(report.rejected or report.failed for report in self.reports)


@dataclass(frozen=True)
class ImportFile:
    path: Path
    display_name: str | None = None  # the name the user gave the file (uploads)


@dataclass(frozen=True)
class ImportWatch:
    """How a door follows an import: a progress callback for each file, and each file's report
    as soon as it is done."""

    progress_for: Callable[[ImportFile], Progress | None] = lambda file: None
    file_done: Callable[[FileReport], None] = lambda report: None


def _run_imports(
    files: Iterable[ImportFile],
    import_one: Callable[[ImportFile, Progress | None], R],
    screen_changed: Callable[[list[R]], ScreeningReport | UndeclaredReport | None] | None,
    watch: ImportWatch,
) -> ImportOutcome[R]:
    outcome: ImportOutcome[R] = ImportOutcome()
    for file in files:
        report = import_one(file, watch.progress_for(file))
        watch.file_done(report)
        outcome.reports.append(report)
    if screen_changed is not None:
        outcome.screening = screen_changed(outcome.reports)
    return outcome


def import_awards(
    session: Session,
    files: Iterable[ImportFile],
    settings: Settings,
    *,
    actor: User | None = None,
    screen: bool = True,
    watch: ImportWatch = ImportWatch(),
) -> ImportOutcome[ImportReport]:
    """Import award files, then screen the suppliers they added or changed.

    Each file is its own transaction, committed by the importer (its run is kept even when the
    file is refused), so a long import never holds the audit chain for the whole batch; the
    screening commits each batch of suppliers in turn (`screen_suppliers`), and the caller
    commits the alert that follows.
    """

    def import_one(file: ImportFile, progress: Progress | None) -> ImportReport:
        return import_award_file(
            session, file.path, actor=actor, progress=progress, display_name=file.display_name
        )

    def screen_changed(reports: list[ImportReport]) -> ScreeningReport | None:
        changed = [i for report in reports for i in report.changed_supplier_ids]
        if not changed:
            return None
        return screen_suppliers(session, changed, settings, commit_batches=session.commit)

    outcome = _run_imports(files, import_one, screen_changed if screen else None, watch)
    # An award that a recorded procurement led to is linked to it (and so to its assessment).
    procurements.link_awards(session)
    return outcome


def import_officers(
    session: Session,
    files: Iterable[ImportFile],
    settings: Settings,
    *,
    actor: User | None = None,
    screen: bool = True,
    watch: ImportWatch = ImportWatch(),
) -> ImportOutcome[OfficerImportReport]:
    """Import company officer and PSC files (each committed by the importer), then screen every
    official against the companies they changed; the caller commits the screening."""

    def import_one(file: ImportFile, progress: Progress | None) -> OfficerImportReport:
        return import_officer_file(session, file.path, actor=actor, progress=progress)

    def screen_changed(reports: list[OfficerImportReport]) -> UndeclaredReport | None:
        changed = set().union(*(report.changed_companies for report in reports))
        return screen_companies(session, settings, changed) if changed else None

    return _run_imports(files, import_one, screen_changed if screen else None, watch)
