"""Tampering as a database owner would: with the append-only triggers out of the way.

The triggers refuse UPDATE and DELETE on audit entries; someone with the owner's rights can
still disable them for a moment. These tests show the keyed chain and the checkpoints catch
what such a writer does.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from register.extensions import db


def as_database_owner(sql: str, params: dict[str, Any] | None = None) -> None:
    """Run `sql` with the audit triggers disabled, then put them back, in one transaction."""
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE audit_entry DISABLE TRIGGER USER"))
            connection.execute(text(sql), params or {})
            connection.execute(text("ALTER TABLE audit_entry ENABLE TRIGGER USER"))
            return
        triggers = connection.execute(
            text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'audit_entry'"
            )  # fmt: skip
        ).all()
        for name, _ in triggers:
            connection.execute(text(f"DROP TRIGGER {name}"))
        connection.execute(text(sql), params or {})
        for _, create in triggers:
            connection.execute(text(create))
