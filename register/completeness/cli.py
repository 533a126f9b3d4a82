"""`flask --app wsgi notify reminders`: scheduled reminders to officials who have not filed."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from register import web
from register.completeness.reminders import send_scheduled
from register.extensions import db
from register.models import DeclarationCycle


@click.command("reminders")
@click.option(
    "--cycle",
    "cycle_name",
    help="Only this cycle. Default: every cycle that has opened and fell due less than a year ago.",
)
@click.option(
    "--date",
    "as_of",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Run as if today (UK) were this date.",
)
@with_appcontext
def send_reminders(cycle_name: str | None, as_of: datetime | None) -> None:
    """Queue the reminders due to officials who have not filed, by the schedule: 14 and 3 days
    before the due date, then weekly when overdue (`notify send` delivers them).

    Each schedule point goes to an official at most once, so running this daily (or twice) is
    safe.
    """
    today: date = as_of.date() if as_of else web.uk_today()
    statement = select(DeclarationCycle).order_by(DeclarationCycle.opens_on)
    if cycle_name:
        statement = statement.where(DeclarationCycle.name == cycle_name)
    else:
        statement = statement.where(
            DeclarationCycle.opens_on <= today,
            DeclarationCycle.due_on >= today - timedelta(days=365),
        )
    cycles = db.session.scalars(statement).all()
    if cycle_name and not cycles:
        raise click.ClickException(f"No cycle called {cycle_name}")
    for cycle in cycles:
        sent = send_scheduled(
            db.session, cycle, today=today, joiner_days=current_app.config["JOINER_DAYS"]
        )
        db.session.commit()
        click.echo(f"{cycle.name}: {len(sent)} reminders queued")
