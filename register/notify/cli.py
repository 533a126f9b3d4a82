"""`flask --app wsgi notify due|send`: queue plan reminders and send the outbox."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from register import clock, runtime
from register.notify.mail import send_pending
from register.procurement import services as procurements
from register.review.services import queue_due_reminders

notify_cli = AppGroup("notify", help="Queue reminders and send emails.")


def init_app(app: Flask) -> None:
    app.cli.add_command(notify_cli)


def _send() -> None:
    """Send the outbox; each email is committed as it is sent (send_pending commits)."""
    report = send_pending(runtime.session(), runtime.settings().mail)
    click.echo(f"Emails: {report.summary()}")


@notify_cli.command("due")
def due() -> None:
    """Queue reminders for management plans due for review and for people who have not yet
    declared for a procurement they act on, then send everything pending."""
    with runtime.transaction() as session:
        count = queue_due_reminders(session, clock.today())
        procurement_count = procurements.send_reminders(session, runtime.settings())
    click.echo(f"Queued {count} plan review reminders")
    click.echo(f"Queued {procurement_count} procurement declaration reminders")
    _send()


@notify_cli.command("send")
def send() -> None:
    """Send queued emails and retry failed ones whose time has come."""
    _send()
