"""`flask --app wsgi ownership import|screen`: officer and PSC records, undeclared interests."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from register.extensions import db

ownership_cli = AppGroup("ownership", help="Company officers, PSCs and undeclared interests.")


def _files(paths: tuple[Path, ...]) -> list[Path]:
    from register.ownership.parse import SUFFIXES

    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(
                p for p in path.rglob("*") if p.is_file() and p.name.lower().endswith(SUFFIXES)
            )
        else:
            found.append(path)
    return found


@ownership_cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--no-screen", is_flag=True, help="Do not screen officials against the changed companies."
)
def import_officers(paths: tuple[Path, ...], no_screen: bool) -> None:
    """Import BODS statements (JSON arrays, JSON Lines) or officers CSV files and folders."""
    from register.cli import _ProgressLine
    from register.ownership.importer import import_file
    from register.ownership.screening import screen_undeclared

    rejected = failed = 0
    changed: set[str] = set()
    for path in _files(paths):
        progress = _ProgressLine(path.name)
        report = import_file(db.session, path, progress=progress)
        progress.done()
        click.echo(report.summary())
        for item in report.rejected:
            click.echo(f"  rejected {item.source}: {item.reason}", err=True)
        rejected += len(report.rejected)
        failed += bool(report.failed)
        changed |= report.changed_companies
    if changed and not no_screen:
        screening = screen_undeclared(
            db.session, current_app.config["LOOKBACK_MONTHS"], company_numbers=changed
        )
        db.session.commit()
        click.echo("Undeclared interests: " + screening.summary())
    if rejected or failed:
        sys.exit(1)


@ownership_cli.command("screen")
def screen() -> None:
    """Screen every official against the officers and PSCs of award suppliers."""
    from register.ownership.screening import screen_undeclared

    report = screen_undeclared(
        db.session, int(current_app.config.get("LOOKBACK_MONTHS", 24)),
        progress=lambda message: click.echo(message, err=True),
    )  # fmt: skip
    db.session.commit()
    click.echo("Undeclared interests: " + report.summary())
