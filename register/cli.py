"""Command-line interface: `flask --app wsgi <group> <command>`."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from register.admin import services as admin
from register.audit.log import verify
from register.extensions import db
from register.models import Department
from register.models.people import ROLES

if TYPE_CHECKING:
    from register.awards.importer import FileReport

R = TypeVar("R", bound="FileReport")

users_cli = AppGroup("users", help="Create users and import rosters.")
departments_cli = AppGroup("departments", help="Create departments.")
cycles_cli = AppGroup("cycles", help="Create declaration cycles.")
audit_cli = AppGroup("audit", help="Check the audit log.")


@click.group("demo", cls=AppGroup, invoke_without_command=True)
@click.pass_context
def demo_cli(context: click.Context) -> None:
    """Load the demonstration data set (`demo` alone is `demo load`)."""
    if context.invoked_subcommand is None:
        from register.demo import load_demo

        context.invoke(load_demo)


def fail(message: str) -> None:
    click.secho(message, fg="red", err=True)
    sys.exit(1)


@departments_cli.command("create")
@click.argument("code")
@click.argument("name")
def create_department(code: str, name: str) -> None:
    """Create a department with a short CODE and a NAME."""
    try:
        admin.create_department(db.session, code, name, None)
    except admin.AdminError as exc:
        fail(str(exc))
    db.session.commit()
    click.echo(f"Created department {code.upper()}")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", "full_name", required=True)
@click.option("--role", required=True, type=click.Choice(sorted(ROLES)))
@click.option("--department", "department_code", help="Department code (officials).")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_user(
    email: str, full_name: str, role: str, department_code: str | None, password: str
) -> None:
    """Create one user with a password."""
    from register.auth.passwords import password_problem

    department = None
    if department_code:
        department = db.session.scalar(
            select(Department).where(Department.code == department_code.upper())
        )
        if department is None:
            fail(f"No department with code {department_code}")
    problem = password_problem(password)
    if problem:
        fail(problem)
    try:
        admin.create_user(
            db.session, admin.UserFields(email, full_name, role, department), None, password
        )
    except admin.AdminError as exc:
        fail(str(exc))
    db.session.commit()
    click.echo(f"Created {role} {email}")


@users_cli.command("erase-birth-dates")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def erase_birth_dates(yes: bool) -> None:
    """Erase every official's recorded month and year of birth, for an organisation that stops
    collecting them (COLLECT_BIRTH_DATES off). Screening then compares names alone."""
    if not yes:
        click.confirm("Erase every recorded month and year of birth? This cannot be undone",
                      abort=True)  # fmt: skip
    erased = admin.erase_birth_dates(db.session, None)
    db.session.commit()
    click.echo(f"Erased the month and year of birth of {erased} people.")


@users_cli.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_users(csv_file: Path) -> None:
    """Create or update users from a roster CSV; rejected rows are listed with their line."""
    from flask import current_app

    try:
        text = csv_file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        fail(f"{csv_file}: not UTF-8 text ({exc.reason} at byte {exc.start})")
    report = admin.import_roster(
        db.session, text, None, **admin.roster_settings(current_app.config)
    )
    db.session.commit()
    for line, message in report.errors:
        click.echo(f"{csv_file}:{line}: {message}", err=True)
    if report.ignored_message:
        click.echo(f"{csv_file}: {report.ignored_message}", err=True)
    click.echo(
        f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged, "
        f"{len(report.errors)} rejected"
    )
    if report.errors:
        sys.exit(1)


@cycles_cli.command("create")
@click.argument("name")
@click.option("--opens", "opens_on", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--due", "due_on", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--department", "codes", multiple=True, help="Department code; repeat. Default: all.")
def create_cycle(name: str, opens_on: date, due_on: date, codes: tuple[str, ...]) -> None:
    """Create a declaration cycle NAME for some or all departments."""
    wanted = list(dict.fromkeys(code.strip().upper() for code in codes))
    statement = select(Department)
    if wanted:
        statement = statement.where(Department.code.in_(wanted))
    departments = db.session.scalars(statement).all()
    found = {department.code for department in departments}
    unknown = [code for code in wanted if code not in found]
    if unknown:
        label = "codes" if len(unknown) > 1 else "code"
        fail(f"Unknown department {label}: {', '.join(unknown)}. No cycle was created.")
    try:
        admin.create_cycle(db.session, name, opens_on.date(), due_on.date(), departments, None)  # type: ignore[attr-defined]
    except admin.AdminError as exc:
        fail(str(exc))
    db.session.commit()
    click.echo(f"Created cycle {name} for {len(departments)} departments")


@audit_cli.command("verify")
def verify_audit() -> None:
    """Verify the whole audit hash chain; report the first broken entry."""
    report = verify(db.session)
    if report.ok:
        click.echo(f"Audit chain intact: {report.checked} entries verified")
    else:
        fail(
            f"Audit chain BROKEN at entry {report.first_broken_seq}: {report.problem} "
            f"({report.checked} entries verified before it)"
        )


def init_app(app: Flask) -> None:
    from register.completeness.cli import send_reminders
    from register.exports.cli import export_cli
    from register.notify.cli import notify_cli
    from register.ownership.cli import ownership_cli

    for group in (
        users_cli,
        departments_cli,
        cycles_cli,
        audit_cli,
        demo_cli,
        awards_cli,
        match_cli,
        notify_cli,
        export_cli,
        ownership_cli,
    ):
        app.cli.add_command(group)
    notify_cli.add_command(send_reminders)
    from register.demo import load_demo

    demo_cli.add_command(load_demo)


awards_cli = AppGroup("awards", help="Import contract award records.")
match_cli = AppGroup("match", help="Run and inspect the matching engine.")


class _ProgressLine:
    """A progress line (records, rate, elapsed): redrawn on a terminal; otherwise a plain line
    every 5 seconds and the final figures at the end."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.tty = sys.stderr.isatty()
        self.last_plain = 0.0
        self.pending: str | None = None  # the latest figures not yet printed (plain lines)

    def __call__(self, records: int, elapsed: float) -> None:
        rate = records / elapsed if elapsed > 0 else 0.0
        text = f"{self.label}: {records:,} records, {rate:,.0f}/s, {elapsed:,.1f}s"
        if self.tty:
            click.echo("\r" + text.ljust(78), nl=False, err=True)
        elif elapsed - self.last_plain >= 5:
            self.last_plain, self.pending = elapsed, None
            click.echo(text, err=True)
        else:
            self.pending = text

    def done(self) -> None:
        if self.tty:
            click.echo("", err=True)
        elif self.pending:
            click.echo(self.pending, err=True)


def import_files(
    paths: Iterable[Path],
    import_file: Callable[..., R],
    errors_file: Path | None,
    suffixes: tuple[str, ...] | None = None,
) -> list[R]:
    """Import each file (folders: the files of the kind under them) with a progress line; print
    each summary, each rejected record and the totals; write rejections to `errors_file` (CSV)."""
    import csv

    from register.awards.parse import SUFFIXES, iter_paths

    reports: list[R] = []
    handle = errors_file.open("w", newline="", encoding="utf-8") if errors_file else None
    writer = csv.writer(handle) if handle else None
    if writer:
        writer.writerow(["file_position", "reason", "record"])
    try:
        for path in iter_paths(paths, suffixes or SUFFIXES):
            progress = _ProgressLine(path.name)
            report = import_file(db.session, path, progress=progress)
            progress.done()
            click.echo(report.summary())
            for rejected in report.rejected:
                click.echo(f"  rejected {rejected.source}: {rejected.reason}", err=True)
                if writer:
                    writer.writerow([rejected.source, rejected.reason, rejected.record])
            if report.failed and writer:
                writer.writerow([report.path, report.failed, ""])
            reports.append(report)
    finally:
        if handle:
            handle.close()
    total = {name: sum(getattr(r, name) for r in reports)
             for name in ("read", "imported", "updated", "unchanged")}  # fmt: skip
    click.echo(
        f"Total: read {total['read']}, imported {total['imported']}, "
        f"updated {total['updated']}, unchanged {total['unchanged']}, "
        f"rejected {sum(len(r.rejected) for r in reports)}, "
        f"files refused {sum(bool(r.failed) for r in reports)}"
    )
    return reports


import_paths = click.argument(
    "paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path)
)
errors_option = click.option(
    "--errors",
    "errors_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write rejected records with their reasons to this CSV file.",
)


@awards_cli.command("import")
@import_paths
@errors_option
@click.option("--no-screen", is_flag=True, help="Do not screen new awards against declarations.")
def import_awards(paths: tuple[Path, ...], errors_file: Path | None, no_screen: bool) -> None:
    """Import OCDS (release/record packages, releases, JSON Lines, .gz) or CSV files and folders."""
    from register.awards.importer import import_file
    from register.screening import config_from, screen_suppliers

    reports = import_files(paths, import_file, errors_file)
    changed = [i for report in reports for i in report.changed_supplier_ids]
    if changed and not no_screen:
        from flask import current_app

        screening = screen_suppliers(
            db.session, changed, config_from(current_app.config),
            alert_mailbox=current_app.config["COMPLIANCE_MAILBOX"],
        )  # fmt: skip
        db.session.commit()
        click.echo("Matching: " + screening.summary())
    if any(report.rejected or report.failed for report in reports):
        sys.exit(1)


@match_cli.command("run")
def match_run() -> None:
    """Re-screen every declaration against every award supplier."""
    from flask import current_app

    from register.screening import config_from, screen_everything

    bar = _ProgressLine("award suppliers screened")
    report = screen_everything(
        db.session, config_from(current_app.config), progress=lambda m: click.echo(m, err=True),
        tick=bar, alert_mailbox=current_app.config["COMPLIANCE_MAILBOX"],
    )  # fmt: skip
    bar.done()
    db.session.commit()
    click.echo("Matching: " + report.summary())


@match_cli.command("names")
@click.argument("csv_file", type=click.File("r", encoding="utf-8-sig"))
def match_names(csv_file: Any) -> None:
    """Compare name_a,name_b pairs with the engine's own normalisation and threshold."""
    import csv

    from flask import current_app

    from register.matching import compare_names
    from register.screening import config_from

    config = config_from(current_app.config)
    reader = csv.DictReader(csv_file)
    if not {"name_a", "name_b"} <= set(reader.fieldnames or []):
        fail("The CSV needs the columns name_a,name_b")
    out = csv.writer(sys.stdout)
    out.writerow(["name_a", "name_b", "score", "match"])
    for row in reader:
        score, matched = compare_names(row["name_a"], row["name_b"], config)
        out.writerow([row["name_a"], row["name_b"], f"{score:.1f}", str(matched).lower()])


@match_cli.command("screen")
@click.argument("csv_file", type=click.File("r", encoding="utf-8-sig"))
def match_screen(csv_file: Any) -> None:
    """List award suppliers matching organisation names (column name, optional company_number)."""
    import csv

    from flask import current_app

    from register.matching import InterestRecord, MatchingEngine
    from register.screening import config_from, supplier_records

    config = config_from(current_app.config)
    reader = csv.DictReader(csv_file)
    if "name" not in (reader.fieldnames or []):
        fail("The CSV needs a column called name (and optionally company_number)")
    queries = [
        InterestRecord(
            interest_id=line,
            official_id=0,
            department_id=None,
            organisation_name=row["name"],
            identifiers=(("GB-COH", row["company_number"].strip()),)
            if (row.get("company_number") or "").strip()
            else (),
            whose="self",
            category="screen",
            start_date=None,
            end_date=None,
        )  # fmt: skip
        for line, row in enumerate(reader, start=2)
    ]
    engine = MatchingEngine(config)
    engine.index_suppliers(supplier_records(db.session))
    names = {q.interest_id: q.organisation_name for q in queries}
    suppliers = {s.award_supplier_id: s for s in engine.suppliers.records()}
    out = csv.writer(sys.stdout)
    out.writerow(["name", "supplier", "award_id", "buyer", "award_date", "value", "score",
                  "reasons"])  # fmt: skip
    for result in engine.screen_interests(queries):
        supplier = suppliers[result.award_supplier_id]
        out.writerow([
            names[result.interest_id], supplier.supplier_name, supplier.award_id,
            supplier.buyer_name, supplier.award_date or "", supplier.value or "",
            f"{result.name_score:.1f}", "; ".join(r.text for r in result.reasons),
        ])  # fmt: skip
