"""`flask --app wsgi awards import`: import contract award files, then screen what changed."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from register import runtime, screening
from register.awards.parse import SUFFIXES
from register.cli_support import ImportPrinter, errors_option, import_paths
from register.ingest.streams import iter_paths

awards_cli = AppGroup("awards", help="Import contract award records.")


def init_app(app: Flask) -> None:
    app.cli.add_command(awards_cli)


@awards_cli.command("import")
@import_paths
@errors_option
@click.option("--no-screen", is_flag=True, help="Do not screen new awards against declarations.")
def import_awards(paths: tuple[Path, ...], errors_file: Path | None, no_screen: bool) -> None:
    """Import OCDS (release/record packages, releases, JSON Lines, .gz) or CSV files and folders."""
    printer = ImportPrinter(errors_file)
    try:
        with runtime.transaction() as session:
            outcome = screening.import_awards(
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
        click.echo("Matching: " + outcome.screening.summary())
    if outcome.refused_or_rejected:
        sys.exit(1)
