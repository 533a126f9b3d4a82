"""Export tables (completeness, declarations, flags, audit log) and streaming CSV/XLSX writers.

Each table is a header plus a row iterator that reads the database in batches, so a large
export never sits in memory. No Flask imports: the web routes and the CLI both call these.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVarTuple

from sqlalchemy import ColumnElement, Select, func, select, true
from sqlalchemy.orm import Session, aliased, selectinload

from register import clock
from register.access import can_export, case_scope, flag_scope, visible_department_ids
from register.audit.log import record
from register.completeness.services import people
from register.declarations.services import COPIED_FIELDS
from register.formatting import NUMBER_FIELDS, plain_number, to_decimal
from register.models import (
    AuditEntry,
    Award,
    Case,
    Declaration,
    DeclarationCycle,
    DeclarationVersion,
    Department,
    Flag,
    Interest,
    ManagementPlan,
    Reminder,
    UndeclaredFinding,
    User,
)
from register.models.flags import UNDECLARED

KINDS = ("completeness", "declarations", "flags", "cases", "audit")
FORMATS = ("csv", "xlsx")
BATCH = 1000
# A spreadsheet treats a cell starting with one of these as a formula (CSV/formula injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Columns = TypeVarTuple("Columns")


@dataclass
class Table:
    name: str
    header: list[str]
    rows: Iterator[list[Any]]


def safe_text(value: str) -> str:
    """Prefix text a spreadsheet would run as a formula with an apostrophe."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def cell(value: Any) -> Any:
    """A value as it goes into a CSV cell: text guarded, times in UK time, booleans as yes/no,
    numbers in fixed-point form (never 5E+1)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.astimezone(clock.display_zone()).isoformat(timespec="seconds")
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, Decimal):
        return f"{value:f}"  # fixed point, as exact as stored: "5E+1" is written 50
    if isinstance(value, float):
        return plain_number(value)
    return value


def csv_chunks(table: Table, rows_per_chunk: int = 500) -> Iterator[str]:
    """The table as CSV text in chunks (with a BOM so spreadsheets read UTF-8)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(table.header)
    for count, row in enumerate(table.rows, start=1):
        writer.writerow([cell(v) for v in row])
        if count % rows_per_chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def write_csv(table: Table, path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        for chunk in csv_chunks(table):
            handle.write(chunk)


def write_xlsx(table: Table, path: Path) -> None:
    """Write the table with openpyxl's write-only mode: rows stream to disk, memory stays flat.

    openpyxl is imported here: it brings numpy, a third of a second of every process's start-up
    (each command, each worker) that only an XLSX export needs."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(table.name[:31])
    sheet.append(table.header)
    for row in table.rows:
        sheet.append([_xlsx_cell(v) for v in row])
    workbook.save(path)


def _xlsx_cell(value: Any) -> Any:
    """A value as it goes into an XLSX cell: numbers and dates are real numbers and dates (UK
    time, as a spreadsheet holds no time zone); text and booleans as in CSV."""
    if isinstance(value, datetime):
        return value.astimezone(clock.display_zone()).replace(tzinfo=None)
    if isinstance(value, date):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return cell(value)


def write(table: Table, path: Path, fmt: str) -> None:
    (write_csv if fmt == "csv" else write_xlsx)(table, path)


def _batched(
    session: Session, statement: Select[*tuple[Any, ...]], key: Any, size: int = BATCH
) -> Iterator[Any]:
    """Rows of `statement` in batches keyed on an increasing unique column (keyset paging)."""
    last = None
    while True:
        page = statement.order_by(key).limit(size)
        if last is not None:
            page = page.where(key > last)
        rows = session.execute(page).all()
        if not rows:
            return
        yield from rows
        last = rows[-1][-1]


# Completeness -------------------------------------------------------------------------------

COMPLETENESS_HEADER = [
    "cycle",
    "department_code",
    "official_name",
    "email",
    "job_title",
    "joined_on",
    "due_date",
    "status",
    "filed",
    "nil_return",
    "first_submitted_at",
    "versions",
    "reminders_sent",
    "last_reminder_at",
]


def completeness_table(
    session: Session,
    cycle: DeclarationCycle,
    *,
    today: date,
    joiner_days: int,
    department_ids: Iterable[int] | None = None,
) -> Table:
    """One row per official who owes a declaration in `cycle`."""
    reminded = {
        official_id: (count, last)
        for official_id, count, last in session.execute(
            select(Reminder.official_id, func.count(Reminder.id), func.max(Reminder.sent_at))
            .where(Reminder.cycle_id == cycle.id)
            .group_by(Reminder.official_id)
        )
    }

    def rows() -> Iterator[list[Any]]:
        for p in people(
            session, cycle, today=today, joiner_days=joiner_days, department_ids=department_ids
        ):
            count, last = reminded.get(p.official_id, (0, None))
            if isinstance(last, str):  # SQLite returns max() of a timestamp as text
                last = datetime.fromisoformat(last).replace(tzinfo=UTC)
            yield [
                cycle.name,
                p.department_code,
                p.full_name,
                p.email,
                p.job_title,
                p.joined_on,
                p.due,
                p.status,
                p.filed,
                p.nil_return if p.filed else None,
                p.first_submitted_at,
                p.version_count,
                count,
                last,
            ]

    return Table("completeness", COMPLETENESS_HEADER, rows())


# Declarations -------------------------------------------------------------------------------

INTEREST_FIELDS = [name for name in COPIED_FIELDS if name != "lineage"]
DECLARATION_HEADER = [
    "cycle",
    "department_code",
    "official_name",
    "email",
    "declaration_id",
    "version",
    "latest_version",
    "attested_at",
    "amendment_reason",
    "nil_return",
    "content_digest",
    "interest_lineage",
    *INTEREST_FIELDS,
    "related_organisations",
]


def _related(organisations: list[dict[str, Any]]) -> str:
    parts = []
    for o in organisations:
        number = o.get("organisation_identifier")
        # Its own scheme (versions before schemes were recorded held Companies House numbers).
        number = f"{o.get('identifier_scheme') or 'GB-COH'} {number}" if number else None
        extra = ", ".join(x for x in (number, o.get("role")) if x)
        parts.append(f"{o['name']} ({extra})" if extra else o["name"])
    return "; ".join(parts)


DATE_FIELDS = ("start_date", "end_date")


def _typed_field(name: str, value: Any) -> Any:
    """A field of a version's content as a typed value: numbers as Decimals (versions hold
    them as text such as "5E+1"), ISO dates as dates; anything else as stored."""
    if value in (None, ""):
        return value
    if name in NUMBER_FIELDS:
        try:
            return to_decimal(value)
        except ValueError:
            return value
    if name in DATE_FIELDS and isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value


def declarations_table(session: Session, cycle: DeclarationCycle, *, all_versions: bool) -> Table:
    """One row per declared interest (one row for a nil return), from the submitted versions."""
    statement = (
        select(
            DeclarationVersion,
            Declaration.version_count,
            User.full_name,
            User.email,
            Department.code,
            DeclarationVersion.id,
        )
        .join(Declaration, Declaration.id == DeclarationVersion.declaration_id)
        .join(User, User.id == Declaration.official_id)
        .outerjoin(Department, Department.id == User.department_id)
        .where(Declaration.cycle_id == cycle.id)
    )
    if not all_versions:
        statement = statement.where(DeclarationVersion.number == Declaration.version_count)

    def rows() -> Iterator[list[Any]]:
        for version, latest, name, email, code, _ in _batched(
            session, statement, DeclarationVersion.id
        ):
            content = json.loads(version.content)
            common = [
                cycle.name,
                code,
                name,
                email,
                version.declaration_id,
                version.number,
                version.number == latest,
                version.attested_at,
                version.amendment_reason,
                version.is_nil,
                version.content_digest,
            ]
            interests = content.get("interests", [])
            if not interests:
                yield [*common, *([None] * (len(INTEREST_FIELDS) + 2))]
            for item in interests:
                yield [
                    *common,
                    item.get("lineage"),
                    *(_typed_field(f, item.get(f)) for f in INTEREST_FIELDS),
                    _related(item.get("related_organisations", [])),
                ]

    return Table("declarations", DECLARATION_HEADER, rows())


# Flags, decisions and management plans ------------------------------------------------------

FLAG_HEADER = [
    "flag_id",
    "kind",
    "status",
    "active",
    "risk_level",
    "score",
    "name_score",
    "official_name",
    "email",
    "department_code",
    "cycle",
    "declared_organisation",
    # Undeclared flags: the company record the official was found in (blank for declared flags).
    "company_number",
    "company_name",
    "officer_name",
    "officer_role",
    "officer_appointed_on",
    "officer_resigned_on",
    "prompt_released_at",
    "supplier_name",
    "ocid",
    "also_published_as",
    "award_id",
    "award_title",
    "buyer",
    "award_value",
    "currency",
    "award_date",
    "explanation",
    "reopened_reason",
    "flag_created_at",
    "decision_outcome",
    "escalated_to",
    "decision_reason",
    "decided_by",
    "decided_at",
    "decisions_total",
    "plan_constraints",
    "plan_details",
    "plan_owner",
    "plan_review_on",
    "plan_divest_by",
    "plan_status",
    "plan_acknowledged_at",
]


def with_flag_cycle(statement: Select[*Columns]) -> Select[*Columns]:
    """Outer-join each flag's declaration and cycle: the declared interest's, or for an
    undeclared flag the declaration it was screened against (none if the official had none)."""
    return (
        statement.outerjoin(Interest, Interest.id == Flag.interest_id)
        .outerjoin(DeclarationVersion, DeclarationVersion.id == Flag.declaration_version_id)
        .outerjoin(
            Declaration,
            Declaration.id
            == func.coalesce(Interest.declaration_id, DeclarationVersion.declaration_id),
        )
        .outerjoin(DeclarationCycle, DeclarationCycle.id == Declaration.cycle_id)
    )


def flags_table(
    session: Session, cycle: DeclarationCycle | None, scope: ColumnElement[bool] | None = None
) -> Table:
    """One row per flag, declared and undeclared, with its current decision and latest plan;
    only the flags in `scope` (register.access.flag_scope) when given. The department is the
    one the official is in now, as access goes by."""
    official = aliased(User)
    statement = with_flag_cycle(
        select(Flag, DeclarationCycle.name, Department.code, UndeclaredFinding, Flag.id)
    )
    statement = (
        statement.join(official, official.id == Flag.official_id)
        .outerjoin(Department, Department.id == official.department_id)
        .outerjoin(UndeclaredFinding, UndeclaredFinding.flag_id == Flag.id)
        .options(
            selectinload(Flag.decisions),
            selectinload(Flag.official),
            selectinload(Flag.award),
            selectinload(Flag.escalated_to),
        )
    )
    if cycle is not None:
        statement = statement.where(Declaration.cycle_id == cycle.id)
    statement = statement.where(scope if scope is not None else true())

    def rows() -> Iterator[list[Any]]:
        batch: list[Any] = []
        for row in _batched(session, statement, Flag.id, size=500):
            batch.append(row)
            if len(batch) == 500:
                yield from _flag_rows(session, batch)
                batch = []
        yield from _flag_rows(session, batch)

    return Table("flags", FLAG_HEADER, rows())


def _flag_rows(session: Session, batch: list[Any]) -> Iterator[list[Any]]:
    if not batch:
        return
    plans: dict[int, ManagementPlan] = {}
    for each in session.scalars(
        select(ManagementPlan)
        .where(ManagementPlan.flag_id.in_([row[0].id for row in batch]))
        .options(selectinload(ManagementPlan.owner))
        .order_by(ManagementPlan.id)
    ):
        plans[each.flag_id] = each  # the latest plan wins
    copies: dict[int, list[str]] = {}  # an award's other publications (register.awards.duplicates)
    for award_id, ocid in session.execute(
        select(Award.duplicate_of_id, Award.ocid)
        .where(Award.duplicate_of_id.in_({row[0].award_id for row in batch}))
        .order_by(Award.id)
    ):
        if award_id is not None:
            copies.setdefault(award_id, []).append(ocid)
    deciders = {
        u.id: u.full_name
        for u in session.scalars(
            select(User).where(
                User.id.in_({d.decided_by_id for row in batch for d in row[0].decisions})
            )
        )
    }
    for flag, cycle_name, code, finding, _ in batch:
        decision = flag.current_decision
        plan = plans.get(flag.id)
        award = flag.award
        undeclared = (
            [
                finding.company_number,
                finding.company_name,
                finding.officer_name,
                finding.role,
                finding.appointed_on,
                finding.resigned_on,
                finding.released_at,
            ]
            if finding
            else [None] * 7
        )
        yield [
            flag.id,
            flag.kind,
            flag.status,
            flag.active,
            flag.risk_level,
            round(flag.score, 1),
            round(flag.name_score, 1),
            flag.official.full_name,
            flag.official.email,
            code,
            cycle_name,
            None if flag.kind == UNDECLARED else flag.organisation_name,
            *undeclared,
            flag.supplier_name,
            award.ocid,
            "; ".join(copies.get(award.id, [])),
            award.award_id,
            award.title,
            award.buyer_name,
            award.value,
            award.currency,
            award.award_date,
            flag.explanation,
            flag.reopened_reason,
            flag.created_at,
            decision.outcome_label if decision else None,
            flag.escalated_to.full_name if flag.escalated_to is not None else None,
            decision.reason if decision else None,
            deciders.get(decision.decided_by_id) if decision else None,
            decision.decided_at if decision else None,
            len(flag.decisions),
            "; ".join(plan.constraint_labels) if plan else None,
            plan.details if plan else None,
            plan.owner.full_name if plan else None,
            plan.review_on if plan else None,
            plan.divest_by if plan else None,
            plan.status_label if plan else None,
            plan.acknowledged_at if plan else None,
        ]


# Audit log ----------------------------------------------------------------------------------

AUDIT_HEADER = [
    "seq",
    "occurred_at",
    "actor",
    "action",
    "object_type",
    "object_id",
    "summary",
    "details",
    "ip_address",
    "prev_hash",
    "entry_hash",
]


def audit_table(session: Session, start: date | None, end: date | None) -> Table:
    """Audit entries from the start of `start` to the end of `end` (UK dates, both inclusive)."""
    statement = select(AuditEntry, AuditEntry.seq)
    if start is not None:
        statement = statement.where(AuditEntry.occurred_at >= clock.local_midnight(start))
    if end is not None:
        statement = statement.where(
            AuditEntry.occurred_at < clock.local_midnight(end + timedelta(days=1))
        )

    def rows() -> Iterator[list[Any]]:
        for entry, _ in _batched(session, statement, AuditEntry.seq):
            yield [
                entry.seq,
                entry.occurred_at,
                entry.actor_label,
                entry.action,
                entry.object_type,
                entry.object_id,
                entry.summary,
                entry.details,
                entry.ip_address,
                entry.prev_hash,
                entry.entry_hash,
            ]

    return Table("audit", AUDIT_HEADER, rows())


# Choosing and auditing an export ------------------------------------------------------------


@dataclass(frozen=True)
class ExportRequest:
    kind: str
    fmt: str
    cycle: DeclarationCycle | None = None
    all_versions: bool = False
    start: date | None = None
    end: date | None = None

    def problems(self) -> list[str]:
        found = []
        if self.kind not in KINDS:
            found.append(f"Choose what to export: {', '.join(KINDS)}")
        if self.fmt not in FORMATS:
            found.append("Choose CSV or XLSX")
        if self.kind in ("completeness", "declarations") and self.cycle is None:
            found.append("Choose a cycle")
        if self.start and self.end and self.end < self.start:
            found.append("The end date must be on or after the start date")
        return found

    @property
    def filename(self) -> str:
        parts = [self.kind]
        if self.cycle is not None and self.kind != "audit":
            parts.append(self.cycle.name.replace("/", "-"))
        if self.kind == "audit":
            parts.extend(d.isoformat() for d in (self.start, self.end) if d)
        if self.all_versions and self.kind == "declarations":
            parts.append("all-versions")
        return "_".join(parts) + "." + self.fmt

    def describe(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "format": self.fmt,
            "cycle": self.cycle.name if self.cycle else None,
            "all_versions": self.all_versions,
            "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat() if self.end else None,
        }


def build(
    session: Session,
    request: ExportRequest,
    *,
    today: date,
    joiner_days: int,
    reader: User | None = None,
) -> Table:
    """The table of `request` (check `request.problems()` first). With a `reader` (a person at a
    door, not the command line) the kind must be one they may export (register.access) and the
    rows are what they may read."""
    if reader is not None and not can_export(reader, request.kind):
        raise PermissionError(f"a {reader.role} may not export {request.kind}")
    cycle = request.cycle
    builders: dict[str, Callable[[], Table]] = {
        "completeness": lambda: completeness_table(
            session,
            _required(cycle),
            today=today,
            joiner_days=joiner_days,
            department_ids=visible_department_ids(reader) if reader is not None else None,
        ),
        "declarations": lambda: declarations_table(
            session, _required(cycle), all_versions=request.all_versions
        ),
        "flags": lambda: flags_table(
            session, cycle, flag_scope(reader) if reader is not None else None
        ),
        "cases": lambda: cases_table(session, case_scope(reader) if reader is not None else None),
        "audit": lambda: audit_table(session, request.start, request.end),
    }
    return builders[request.kind]()


CASE_HEADER = [
    "case_id", "official_email", "organisation", "flags", "awards", "total_value", "state",
    "assignee", "opened_on", "decided_on", "outcome", "kind", "department", "risk_level",
    "own_department_value", "organisation_identifier",
]  # fmt: skip


def cases_table(session: Session, scope: ColumnElement[bool] | None = None) -> Table:
    """One row per case (only those in `scope`, register.access.case_scope, when given): who,
    which organisation, how many flags and awards, the total value, the state and outcome."""
    official, assignee = aliased(User), aliased(User)
    flags = (
        select(func.count(Flag.id))
        .where(Flag.case_id == Case.id, Flag.active.is_(True))
        .scalar_subquery()
    )
    statement = (
        select(Case, official.email, assignee.email, Department.code, flags, Case.id)
        .join(official, official.id == Case.official_id)
        .outerjoin(assignee, assignee.id == Case.assignee_id)
        .outerjoin(Department, Department.id == official.department_id)
        .where(scope if scope is not None else true())
    )

    def rows() -> Iterator[list[Any]]:
        for case, email, assigned, department, count, _ in _batched(session, statement, Case.id):
            yield [
                case.id, email, case.organisation_name, count, case.award_count,
                case.total_value, case.state, assigned or "", case.opened_at.date(),
                case.decided_at.date() if case.decided_at else None, case.outcome or "",
                case.kind, department or "", case.risk_level, case.own_department_value,
                case.organisation_identifier or "",
            ]  # fmt: skip

    return Table("cases", CASE_HEADER, rows())


def nonempty(table: Table) -> Table | None:
    """The table with its rows, or None when it has none: an empty export says so instead of
    returning a bare header."""
    first = next(table.rows, None)
    if first is None:
        return None
    return Table(table.name, table.header, itertools.chain([first], table.rows))


def empty_message(request: ExportRequest) -> str:
    """What an export with no rows says instead of a file."""
    cycle = request.cycle.name if request.cycle is not None else None
    if request.kind == "completeness":
        return f"Nothing to export: nobody you can see owes a declaration in {cycle}."
    if request.kind == "declarations":
        return (
            f"Nothing to export: no declaration has been submitted for {cycle} yet. The "
            "completeness export lists who owes one."
        )
    if request.kind == "cases":
        return "Nothing to export: there are no cases you can see."
    if request.kind == "flags":
        where = f" for {cycle}" if cycle else ""
        return f"Nothing to export: there are no flags you can see{where}."
    return "Nothing to export: the audit log has no entries in that period."


def _required(cycle: DeclarationCycle | None) -> DeclarationCycle:
    if cycle is None:  # ExportRequest.problems() says so to the user first
        raise ValueError("this export needs a cycle")
    return cycle


def audit_export(
    session: Session,
    request: ExportRequest,
    *,
    actor: User | None,
    actor_label: str | None = None,
    ip_address: str | None = None,
) -> None:
    """Record the export in the audit log (in the caller's transaction)."""
    record(
        session,
        f"export.{request.kind}",
        f"Exported {request.kind} as {request.fmt.upper()}"
        + (f" for {request.cycle.name}" if request.cycle and request.kind != "audit" else ""),
        actor=actor,
        actor_label=actor_label,
        object_type="export",
        details=request.describe(),
        ip_address=ip_address,
    )
