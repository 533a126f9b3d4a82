"""The Alembic migrations go up, down and up again, and build exactly the schema the models say.

A model whose table no migration creates yet (someone's work in progress) is reported as a
warning, not a failure; every other difference fails.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from register import PROJECT_ROOT, create_app
from register.extensions import db

VERSIONS = PROJECT_ROOT / "migrations" / "versions"


def tables_created_by_migrations() -> set[str]:
    found: set[str] = set()
    for path in VERSIONS.glob("*.py"):
        found |= set(re.findall(r"create_table\(\s*['\"](\w+)['\"]", path.read_text()))
    return found


def schema_differences() -> list[Any]:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def describe(diff: Any) -> str:
    return repr(diff)[:300]


def table_of(diff: Any) -> str | None:
    if isinstance(diff, tuple) and diff and diff[0] == "add_table":
        return diff[1].name
    return None


def up_down_up_and_compare(app: Flask) -> None:
    upgrade(revision="heads")
    downgrade(revision="base")
    left = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert left == set(), f"downgrade to base left tables behind: {sorted(left)}"
    upgrade(revision="heads")
    created = tables_created_by_migrations()
    assert {"user", "declaration", "declaration_version", "audit_entry", "audit_head"} <= created
    in_progress, problems = [], []
    for diff in schema_differences():
        table = table_of(diff)
        if table is not None and table not in created:
            in_progress.append(table)
        else:
            problems.append(describe(diff))
    if in_progress:
        warnings.warn(f"models without a migration yet (not checked): {sorted(in_progress)}",
                      stacklevel=1)  # fmt: skip
    assert not problems, "the migrated schema differs from the models:\n" + "\n".join(problems)


def test_migrations_round_trip_on_sqlite(tmp_path: Path) -> None:
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/m.sqlite"})
    with app.app_context():
        try:
            up_down_up_and_compare(app)
        finally:
            db.engine.dispose()


@pytest.mark.postgres
def test_migrations_round_trip_on_postgres(pg_app: Flask) -> None:
    assert db.engine.dialect.name == "postgresql"
    db.session.remove()
    up_down_up_and_compare(pg_app)


def test_comparison_can_fail(tmp_path: Path) -> None:
    """A schema missing a column is reported (the comparison is not vacuous)."""
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/m.sqlite"})
    with app.app_context():
        upgrade(revision="heads")
        with db.engine.begin() as connection:
            connection.exec_driver_sql("ALTER TABLE department DROP COLUMN created_at")
        diffs = [describe(d) for d in schema_differences()]
        db.engine.dispose()
    assert any("add_column" in d and "created_at" in d for d in diffs), diffs
