"""Command-line interface: `flask --app wsgi <group> <command>`."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from register.admin import services as admin
from register.audit.log import verify
from register.extensions import db
from register.models import Department

users_cli = AppGroup("users", help="Create users and import rosters.")
departments_cli = AppGroup("departments", help="Create departments.")
cycles_cli = AppGroup("cycles", help="Create declaration cycles.")
audit_cli = AppGroup("audit", help="Check the audit log.")
demo_cli = AppGroup("demo", help="Load the demonstration data set.")


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
@click.option("--role", required=True, type=click.Choice(["official", "compliance", "auditor", "admin"]))
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


@users_cli.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_users(csv_file: Path) -> None:
    """Create or update users from a roster CSV; rejected rows are listed with their line."""
    try:
        text = csv_file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        fail(f"{csv_file}: not UTF-8 text ({exc.reason} at byte {exc.start})")
    report = admin.import_roster(db.session, text, None)
    db.session.commit()
    for line, message in report.errors:
        click.echo(f"{csv_file}:{line}: {message}", err=True)
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
    statement = select(Department)
    if codes:
        statement = statement.where(Department.code.in_([c.upper() for c in codes]))
    departments = db.session.scalars(statement).all()
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
        fail(f"Audit chain BROKEN at entry {report.first_broken_seq}: {report.problem} "
             f"({report.checked} entries verified before it)")


def init_app(app: Flask) -> None:
    for group in (users_cli, departments_cli, cycles_cli, audit_cli, demo_cli):
        app.cli.add_command(group)
    from register.demo import load_demo

    demo_cli.add_command(load_demo)
