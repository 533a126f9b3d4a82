"""`flask --app wsgi departments|users|cycles ...`: administration from the command line."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from register import runtime
from register.admin import services as admin
from register.auth.passwords import password_problem
from register.cli_support import command_transaction, fail
from register.completeness.cycles import unreviewed_departments
from register.models import Department
from register.models.people import ROLES

users_cli = AppGroup("users", help="Create users and import rosters.")
departments_cli = AppGroup("departments", help="Create departments.")
cycles_cli = AppGroup("cycles", help="Create declaration cycles.")


def init_app(app: Flask) -> None:
    for group in (users_cli, departments_cli, cycles_cli):
        app.cli.add_command(group)


@departments_cli.command("create")
@click.argument("code")
@click.argument("name")
def create_department(code: str, name: str) -> None:
    """Create a department with a short CODE and a NAME."""
    with command_transaction(admin.AdminError) as session:
        admin.create_department(session, code, name, None)
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
    problem = password_problem(password, user_inputs=(email, full_name))
    if problem:
        fail(problem)
    with command_transaction(admin.AdminError) as session:
        department = None
        if department_code:
            department = session.scalar(
                select(Department).where(Department.code == department_code.upper())
            )
            if department is None:
                fail(f"No department with code {department_code}")
        admin.create_user(
            session, admin.UserFields(email, full_name, role, department), None, password
        )
    click.echo(f"Created {role} {email}")


@users_cli.command("erase-birth-dates")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def erase_birth_dates(yes: bool) -> None:
    """Erase every official's recorded month and year of birth, for an organisation that stops
    collecting them (COLLECT_BIRTH_DATES off). Screening then compares names alone."""
    if not yes:
        click.confirm(
            "Erase every recorded month and year of birth? This cannot be undone", abort=True
        )
    with command_transaction() as session:
        erased = admin.erase_birth_dates(session, None)
    click.echo(f"Erased the month and year of birth of {erased} people.")


def _shown(value: object) -> str:
    return "(blank)" if value is None or value == "" else str(value)


@users_cli.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--dry-run",
    is_flag=True,
    help="Show who would be created and what would change for whom; change nothing.",
)
def import_users(csv_file: Path, dry_run: bool) -> None:
    """Create or update users from a roster CSV (docs/roster.md); rejected rows are listed with
    their line, and the command exits with status 1 when any row was rejected.

    A blank cell keeps what is recorded; "(clear)" empties a column that may be empty.
    """
    most = runtime.settings().ingest_limits.max_bytes
    if csv_file.stat().st_size > most:
        fail(f"{csv_file}: larger than {most:,} bytes (INGEST_MAX_BYTES); split the roster")
    try:
        text = csv_file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        fail(f"{csv_file}: not UTF-8 text ({exc.reason} at byte {exc.start})")
    if dry_run:
        session = runtime.session()
        try:
            plan = admin.plan_roster(session, text, runtime.settings())
            for created in plan.to_create:
                click.echo(f"{csv_file}:{created.line}: would create {created.fields.email}")
            for update in plan.to_update:
                changes = [
                    f"{name} {_shown(before)} -> {_shown(after)}"
                    for name, (before, after) in update.changes.items()
                ] + [f"{name} changed" for name in update.personal_changed]
                click.echo(
                    f"{csv_file}:{update.line}: would update {update.user.email}: "
                    + "; ".join(changes)
                )
        finally:
            session.rollback()
        errors, ignored = plan.errors, plan.ignored_message
        summary = (
            f"Dry run, nothing was changed: {len(plan.to_create)} would be created, "
            f"{len(plan.to_update)} updated, {plan.unchanged} unchanged, "
            f"{len(plan.errors)} rejected"
        )
    else:
        with command_transaction() as session:
            report = admin.import_roster(session, text, None, runtime.settings())
        errors, ignored = report.errors, report.ignored_message
        summary = (
            f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged, "
            f"{len(report.errors)} rejected"
        )
    for line, message in errors:
        click.echo(f"{csv_file}:{line}: {message}", err=True)
    if ignored:
        click.echo(f"{csv_file}: {ignored}", err=True)
    click.echo(summary)
    if errors:
        sys.exit(1)


@cycles_cli.command("create")
@click.argument("name")
@click.option("--opens", "opens_on", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--due", "due_on", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--department", "codes", multiple=True, help="Department code; repeat. Default: all.")
def create_cycle(name: str, opens_on: datetime, due_on: datetime, codes: tuple[str, ...]) -> None:
    """Create a declaration cycle NAME for some or all departments."""
    wanted = list(dict.fromkeys(code.strip().upper() for code in codes))
    with command_transaction(admin.AdminError) as session:
        statement = select(Department)
        if wanted:
            statement = statement.where(Department.code.in_(wanted))
        departments = list(session.scalars(statement))
        found = {department.code for department in departments}
        unknown = [code for code in wanted if code not in found]
        if unknown:
            label = "codes" if len(unknown) > 1 else "code"
            fail(f"Unknown department {label}: {', '.join(unknown)}. No cycle was created.")
        admin.create_cycle(session, name, opens_on.date(), due_on.date(), departments, None)
        unreviewed = unreviewed_departments(session, [d.id for d in departments])
    click.echo(f"Created cycle {name} for {len(departments)} departments")
    for department in unreviewed:  # the web page asks first; here the operator is told
        click.secho(
            f"Warning: no compliance officer reviews {department.name} ({department.code}, "
            f"{department.officials} officials): assign one on the People page.",
            fg="yellow",
            err=True,
        )
