"""`flask --app wsgi audit verify`: check the audit log's hash chain."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from register import runtime
from register.audit.log import verify
from register.cli_support import fail

audit_cli = AppGroup("audit", help="Check the audit log.")


def init_app(app: Flask) -> None:
    app.cli.add_command(audit_cli)


@audit_cli.command("verify")
def verify_audit() -> None:
    """Verify the whole audit hash chain; report the first broken entry."""
    report = verify(runtime.session())
    if report.ok:
        click.echo(f"Audit chain intact: {report.checked} entries verified")
    else:
        fail(
            f"Audit chain BROKEN at entry {report.first_broken_seq}: {report.problem} "
            f"({report.checked} entries verified before it)"
        )
