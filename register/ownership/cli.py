"""`flask --app wsgi ownership import|screen`: officer and PSC records, undeclared interests."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from register import runtime, screening
from register.cli_support import ImportPrinter, errors_option, import_paths
from register.ingest.streams import iter_paths
from register.ownership.parse import SUFFIXES

ownership_cli = AppGroup("ownership", help="Company officers, PSCs and undeclared interests.")


def init_app(app: Flask) -> None:
    app.cli.add_command(ownership_cli)


@ownership_cli.command("import")
@import_paths
@errors_option
@click.option(
    "--no-screen", is_flag=True, help="Do not screen officials against the changed companies."
)
def import_officers(paths: tuple[Path, ...], errors_file: Path | None, no_screen: bool) -> None:
    """Import BODS statements (JSON arrays, JSON Lines) or officers CSV files and folders."""
    printer = ImportPrinter(errors_file)
    try:
        with runtime.transaction() as session:
            outcome = screening.import_officers(
                session,
                (screening.ImportFile(path) for path in iter_paths(paths, SUFFIXES)),
                runtime.settings(),
                screen=not no_screen,
                progress_for=lambda file: printer.progress_for(file.path.name),
                on_file=printer.file_done,
            )
    finally:
        printer.close()
    printer.totals(outcome.reports)
    if outcome.screening is not None:
        click.echo("Undeclared interests: " + outcome.screening.summary())
    if outcome.refused_or_rejected:
        sys.exit(1)


@ownership_cli.command("screen")
def screen() -> None:
    """Screen every official against the officers and PSCs of award suppliers."""
    with runtime.transaction() as session:
        report = screening.screen_companies(
            session, runtime.settings(), progress=lambda message: click.echo(message, err=True)
        )
    click.echo("Undeclared interests: " + report.summary())
