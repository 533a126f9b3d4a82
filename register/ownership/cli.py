"""`flask --app wsgi ownership import|screen`: officer and PSC records, undeclared interests."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from register import runtime, screening
from register.cli_support import errors_option, import_paths, run_import_command
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
    run_import_command(
        screening.import_officers,
        paths,
        SUFFIXES,
        errors_file=errors_file,
        screen=not no_screen,
        screening_label="Undeclared interests",
    )


@ownership_cli.command("screen")
def screen() -> None:
    """Screen every official against the officers and PSCs of award suppliers."""
    with runtime.transaction() as session:
        report = screening.screen_companies(
            session, runtime.settings(), progress=lambda message: click.echo(message, err=True)
        )
    click.echo("Undeclared interests: " + report.summary())
