"""`flask --app wsgi notify reminders`: scheduled reminders to officials who have not filed."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import click
from flask import Flask
from sqlalchemy import select

from register import clock, runtime
from register.completeness.reminders import send_scheduled
from register.models import DeclarationCycle
from register.notify.cli import notify_cli


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
def send_reminders(cycle_name: str | None, as_of: datetime | None) -> None:
    """Queue the reminders due to officials who have not filed, by the schedule: 14 and 3 days
    before the due date, then weekly when overdue (`notify send` delivers them).

    Each schedule point goes to an official at most once, so running this daily (or twice) is
    safe.
    """
    today: date = as_of.date() if as_of else clock.today()
    statement = select(DeclarationCycle).order_by(DeclarationCycle.opens_on)
    if cycle_name:
        statement = statement.where(DeclarationCycle.name == cycle_name)
    else:
        statement = statement.where(
            DeclarationCycle.opens_on <= today,
            DeclarationCycle.due_on >= today - timedelta(days=365),
        )
    session = runtime.session()
    cycles = session.scalars(statement).all()
    if cycle_name and not cycles:
        raise click.ClickException(f"No cycle called {cycle_name}")
    for cycle in cycles:
        with runtime.transaction():  # one cycle at a time
            sent = send_scheduled(
                session, cycle, today=today, joiner_days=runtime.settings().joiner_days
            )
        click.echo(f"{cycle.name}: {len(sent)} reminders queued")


def init_app(app: Flask) -> None:
    """Reminders are sent with the other notifications: `notify reminders`."""
    notify_cli.add_command(send_reminders)
