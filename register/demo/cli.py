"""`flask --app wsgi demo [load]`: load the demonstration data set."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import func, select

from register import runtime
from register.demo.build import DEMO_LOGINS, build_demo
from register.models import User


@click.group("demo", cls=AppGroup, invoke_without_command=True)
@click.pass_context
def demo_cli(context: click.Context) -> None:
    """Load the demonstration data set (`demo` alone is `demo load`)."""
    if context.invoked_subcommand is None:
        context.invoke(load_demo)


def init_app(app: Flask) -> None:
    app.cli.add_command(demo_cli)


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
@with_appcontext
def load_demo(if_empty: bool) -> None:
    """Load the demo data set into the configured database (once: loading it again does nothing).

    Refused in production: the demo makes an administrator with a published password."""
    if runtime.settings().production:
        raise click.ClickException(
            "demo load refuses to run in production: the demo's accounts share a published "
            "password. Create the first administrator with `users create` instead."
        )
    with runtime.transaction() as session:
        loaded = session.scalar(select(User.id).where(User.email == DEMO_LOGINS["users"][-1][1]))
        empty = not session.scalar(select(func.count(User.id)))
        if not loaded and (empty or not if_empty):
            click.echo(build_demo(session, runtime.settings(), progress=click.echo))
    if loaded or (if_empty and not empty):
        click.echo("Demo data already loaded." if loaded else "The database is not empty.")
    click.echo(f"Demo logins (password for all: {DEMO_LOGINS['password']}):")
    for role, email in DEMO_LOGINS["users"]:
        click.echo(f"  {role:<20} {email}")
