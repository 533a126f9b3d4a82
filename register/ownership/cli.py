"""`flask --app wsgi ownership import|screen`: officer and PSC records, undeclared interests."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup

from register.cli import errors_option, import_paths
from register.extensions import db

ownership_cli = AppGroup("ownership", help="Company officers, PSCs and undeclared interests.")


@ownership_cli.command("import")
@import_paths
@errors_option
@click.option(
    "--no-screen", is_flag=True, help="Do not screen officials against the changed companies."
)
def import_officers(paths: tuple[Path, ...], errors_file: Path | None, no_screen: bool) -> None:
    """Import BODS statements (JSON arrays, JSON Lines) or officers CSV files and folders."""
    from register.cli import import_files
    from register.ownership.importer import import_file
    from register.ownership.parse import SUFFIXES

    reports = import_files(paths, import_file, errors_file, SUFFIXES)
    changed = set().union(*(report.changed_companies for report in reports))
    if changed and not no_screen:
        _screen(company_numbers=changed)
    if any(report.rejected or report.failed for report in reports):
        sys.exit(1)


@ownership_cli.command("screen")
def screen() -> None:
    """Screen every official against the officers and PSCs of award suppliers."""
    _screen(progress=lambda message: click.echo(message, err=True))


def _screen(**scope: Any) -> None:
    """Screen (everything, or `scope`), alert compliance to new high-risk flags, and commit."""
    from register.notify.messages import notify_new_high_risk
    from register.ownership.screening import screen_undeclared

    report = screen_undeclared(db.session, current_app.config["LOOKBACK_MONTHS"], **scope)
    notify_new_high_risk(
        db.session, report.high_risk_new, mailbox=current_app.config["COMPLIANCE_MAILBOX"]
    )
    db.session.commit()
    click.echo("Undeclared interests: " + report.summary())
