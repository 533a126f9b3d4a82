"""`flask --app wsgi export KIND --format csv|xlsx --output FILE`: exports for auditors."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from register import clock, runtime
from register.exports import services
from register.models import DeclarationCycle

export_cli = AppGroup("export", help="Export completeness, declarations, flags or the audit log.")


def _command(kind: str) -> click.Command:
    @click.option(
        "--cycle",
        "cycle_name",
        help="Cycle name (required for completeness and declarations; optional for flags).",
    )
    @click.option(
        "--format", "fmt", type=click.Choice(services.FORMATS), default="csv", show_default=True
    )
    @click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
    @click.option(
        "--all-versions", is_flag=True, help="Declarations: every version, not only the latest."
    )
    @click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), help="Audit: first day.")
    @click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), help="Audit: last day.")
    def command(
        cycle_name: str | None,
        fmt: str,
        output: Path,
        all_versions: bool,
        start: datetime | None,
        end: datetime | None,
    ) -> None:
        session = runtime.session()
        cycle = None
        if cycle_name:
            cycle = session.scalar(
                select(DeclarationCycle).where(DeclarationCycle.name == cycle_name)
            )
            if cycle is None:
                raise click.ClickException(f"No cycle called {cycle_name}")
        request = services.ExportRequest(
            kind,
            fmt,
            cycle,
            all_versions,
            start.date() if start else None,
            end.date() if end else None,
        )
        problems = request.problems()
        if problems:
            raise click.ClickException("; ".join(problems))
        with runtime.transaction():  # the export is audited before it is written
            services.audit_export(session, request, actor=None, actor_label="command line")
        table = services.build(
            session, request, today=clock.today(), joiner_days=runtime.settings().joiner_days
        )
        rows = services.nonempty(table)
        services.write(rows or table, output, fmt)
        if rows is None:  # say so: a file with a header only is easily taken for a full one
            click.echo(f"{services.empty_message(request)} {output} has the header row only.")
        else:
            click.echo(f"Wrote {kind} to {output}")

    command.__doc__ = f"Export {kind} to a CSV or XLSX file."
    return click.command(kind)(command)


for _kind in services.KINDS:
    export_cli.add_command(_command(_kind))


def init_app(app: Flask) -> None:
    app.cli.add_command(export_cli)
