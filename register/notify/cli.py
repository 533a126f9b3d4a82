"""`flask --app wsgi notify due|send`: queue plan reminders and send the outbox."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from register.extensions import db
from register.notify.mail import MailSettings, send_pending
from register.review.services import queue_due_reminders
from register.web import uk_today

notify_cli = AppGroup("notify", help="Queue reminders and send emails.")


def _send() -> None:
    report = send_pending(db.session, MailSettings.from_config(current_app.config))
    click.echo(f"Emails: {report.summary()}")


@notify_cli.command("due")
def due() -> None:
    """Queue reminders for management plans due for review, then send everything pending."""
    count = queue_due_reminders(db.session, uk_today())
    db.session.commit()
    click.echo(f"Queued {count} plan review reminders")
    _send()


@notify_cli.command("send")
def send() -> None:
    """Send queued emails and retry failed ones whose time has come."""
    _send()
