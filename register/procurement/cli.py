"""`flask --app wsgi procurement check`: a one-off conflicts check of people against suppliers."""

from __future__ import annotations

import csv
import sys
from typing import IO

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import func, select

from register import runtime
from register.cli_support import fail
from register.matching import procurement as engine
from register.matching.identifiers import normalise_identifier
from register.models import User
from register.models.procurement import CONFLICT_KINDS
from register.procurement.check import Person, conflicts_between

procurement_cli = AppGroup("procurement", help="Conflicts checks for procurements.")


def init_app(app: Flask) -> None:
    app.cli.add_command(procurement_cli)


@procurement_cli.command("check")
@click.option(
    "--people",
    "people_file",
    required=True,
    type=click.File("r", encoding="utf-8-sig"),
    help="CSV with a column email: register users acting on the procurement.",
)
@click.option(
    "--suppliers",
    "suppliers_file",
    required=True,
    type=click.File("r", encoding="utf-8-sig"),
    help="CSV with the columns name and company_number (which may be empty).",
)
def check(people_file: IO[str], suppliers_file: IO[str]) -> None:
    """Check people against suppliers once, nothing stored: one CSV row per conflict
    (email, supplier, company_number, kind, reasons) on standard output."""  # fmt: skip
    people_rows = csv.DictReader(people_file)
    if "email" not in (people_rows.fieldnames or []):
        fail("The people CSV needs a column called email")
    supplier_rows = csv.DictReader(suppliers_file)
    if "name" not in (supplier_rows.fieldnames or []):
        fail("The suppliers CSV needs the columns name,company_number")
    session = runtime.session()
    people: list[Person] = []
    for line, row in enumerate(people_rows, start=2):
        email = (row.get("email") or "").strip().lower()
        user = session.scalar(select(User).where(func.lower(User.email) == email))
        if user is None:
            click.echo(
                f"people line {line}: nobody in the register has the email {email!r}", err=True
            )
            continue
        people.append(Person(user.id, user, user.full_name))
    suppliers = []
    for line, row in enumerate(supplier_rows, start=2):
        name = (row.get("name") or "").strip()
        if not name:
            click.echo(f"suppliers line {line}: no name, skipped", err=True)
            continue
        number = (row.get("company_number") or "").strip()
        number = normalise_identifier("GB-COH", number)[1] if number else ""
        suppliers.append(engine.Supplier(line, name, number or None, "is a supplier"))
    emails = {p.key: p.user.email for p in people if p.user is not None}
    by_key = {s.key: s for s in suppliers}
    out = csv.writer(sys.stdout)
    out.writerow(["email", "supplier", "company_number", "kind", "reasons"])
    for conflict in conflicts_between(
        session, people, suppliers, runtime.settings().procurement_lookback_months
    ):
        supplier = by_key.get(conflict.supplier_key) if conflict.supplier_key is not None else None
        out.writerow([
            emails[conflict.person_key],
            supplier.name if supplier else "",
            supplier.company_number or "" if supplier else "",
            CONFLICT_KINDS.get(conflict.kind, conflict.kind),
            "; ".join(conflict.reasons),
        ])  # fmt: skip
