"""The demonstration data set: departments, people, a cycle, real awards and a Morning Lane case."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from register.demo.build import DEMO_LOGINS, build_demo
from register.extensions import db


@click.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
@with_appcontext
def load_demo(if_empty: bool) -> None:
    """Load the demo data set into the configured database (once: loading it again does nothing)."""
    from sqlalchemy import func, select

    from register.models import User

    loaded = db.session.scalar(select(User.id).where(User.email == DEMO_LOGINS["users"][-1][1]))
    if loaded or (if_empty and db.session.scalar(select(func.count(User.id)))):
        click.echo("Demo data already loaded." if loaded else "The database is not empty.")
    else:
        summary = build_demo(db.session, progress=click.echo)
        db.session.commit()
        click.echo(summary)
    click.echo(f"Demo logins (password for all: {DEMO_LOGINS['password']}):")
    for role, email in DEMO_LOGINS["users"]:
        click.echo(f"  {role:<20} {email}")
