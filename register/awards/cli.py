"""`flask --app wsgi awards import`: import contract award files, then screen what changed."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from register import screening
from register.awards.parse import SUFFIXES
from register.cli_support import errors_option, import_paths, run_import_command

awards_cli = AppGroup("awards", help="Import contract award records.")


def init_app(app: Flask) -> None:
    app.cli.add_command(awards_cli)


@awards_cli.command("import")
@import_paths
@errors_option
@click.option("--no-screen", is_flag=True, help="Do not screen new awards against declarations.")
def import_awards(paths: tuple[Path, ...], errors_file: Path | None, no_screen: bool) -> None:
    """Import OCDS (release/record packages, releases, JSON Lines, .gz) or CSV files and folders."""
    run_import_command(
        screening.import_awards,
        paths,
        SUFFIXES,
        errors_file=errors_file,
        screen=not no_screen,
        screening_label="Matching",
    )
