"""Helpers the command groups of every capability share: failing with a message, progress lines,
the options of import commands and printing their reports."""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import click
from sqlalchemy.orm import Session

from register.ingest.reports import FileReport
from register.ingest.streams import iter_paths
from register.runtime import settings, transaction
from register.screening import ImportFile, ImportOutcome, ImportWatch


def fail(message: str) -> NoReturn:
    click.secho(message, fg="red", err=True)
    sys.exit(1)


@contextmanager
def command_transaction(*errors: type[Exception]) -> Iterator[Session]:
    """A command's unit of work: committed when it succeeds; on one of `errors`, rolled back and
    the command fails with the error's message."""
    try:
        with transaction() as session:
            yield session
    except errors as exc:
        fail(str(exc))


class ProgressLine:
    """A progress line (records, rate, elapsed): redrawn on a terminal; otherwise a plain line
    every 5 seconds and the final figures at the end."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.tty = sys.stderr.isatty()
        self.last_plain = 0.0
        self.pending: str | None = None  # the latest figures not yet printed (plain lines)

    def __call__(self, records: int, elapsed: float) -> None:
        rate = records / elapsed if elapsed > 0 else 0.0
        text = f"{self.label}: {records:,} records, {rate:,.0f}/s, {elapsed:,.1f}s"
        if self.tty:
            click.echo("\r" + text.ljust(78), nl=False, err=True)
        elif elapsed - self.last_plain >= 5:
            self.last_plain, self.pending = elapsed, None
            click.echo(text, err=True)
        else:
            self.pending = text

    def done(self) -> None:
        if self.tty:
            click.echo("", err=True)
        elif self.pending:
            click.echo(self.pending, err=True)


class ImportPrinter:
    """Prints each file's progress, summary and rejected records as an import goes, writes the
    rejections to an optional CSV file, and the totals at the end."""

    def __init__(self, errors_file: Path | None) -> None:
        self.handle = errors_file.open("w", newline="", encoding="utf-8") if errors_file else None
        self.writer = csv.writer(self.handle) if self.handle else None
        if self.writer:
            self.writer.writerow(["file_position", "reason", "record"])
        self.progress: ProgressLine | None = None

    def progress_for(self, file: ImportFile) -> ProgressLine:
        self.progress = ProgressLine(file.path.name)
        return self.progress

    def file_done(self, report: FileReport) -> None:
        if self.progress:
            self.progress.done()
        click.echo(report.summary())
        for rejected in report.rejected:
            click.echo(f"  rejected {rejected.source}: {rejected.reason}", err=True)
            if self.writer:
                self.writer.writerow([rejected.source, rejected.reason, rejected.record])
        if report.failed and self.writer:
            self.writer.writerow([report.path, report.failed, ""])

    def totals(self, reports: Iterable[FileReport]) -> None:
        reports = list(reports)
        total = {
            name: sum(getattr(r, name) for r in reports)
            for name in ("read", "imported", "updated", "unchanged")
        }
        click.echo(
            f"Total: read {total['read']}, imported {total['imported']}, "
            f"updated {total['updated']}, unchanged {total['unchanged']}, "
            f"rejected {sum(len(r.rejected) for r in reports)}, "
            f"files refused {sum(bool(r.failed) for r in reports)}"
        )

    def close(self) -> None:
        if self.handle:
            self.handle.close()


import_paths = click.argument(
    "paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path)
)
errors_option = click.option(
    "--errors",
    "errors_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write rejected records with their reasons to this CSV file.",
)


def run_import_command(
    use_case: Callable[..., ImportOutcome[Any]],
    paths: Iterable[Path],
    suffixes: tuple[str, ...],
    *,
    errors_file: Path | None,
    screen: bool,
    screening_label: str,
) -> None:
    """An import command: every file of the kind under `paths`, with progress lines and each
    rejected record printed (and written to `errors_file`), then the screening of what changed
    (committed); exits 1 if any record was rejected or any file refused."""
    printer = ImportPrinter(errors_file)
    try:
        with transaction() as session:
            outcome = use_case(
                session,
                (ImportFile(path) for path in iter_paths(paths, suffixes)),
                settings(),
                screen=screen,
                watch=ImportWatch(printer.progress_for, printer.file_done),
            )
    finally:
        printer.close()
    printer.totals(outcome.reports)
    if outcome.screening is not None:
        click.echo(f"{screening_label}: " + outcome.screening.summary())
    if outcome.refused_or_rejected:
        sys.exit(1)
