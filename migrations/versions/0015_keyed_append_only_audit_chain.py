"""keyed, append-only audit chain: entries re-hashed with AUDIT_KEY; UPDATE and DELETE refused

Until now each audit entry's hash was a plain SHA-256 of the previous hash and its fields, so
whoever could write to the database could edit an entry and recompute every hash after it. The
chain is now an HMAC-SHA256 keyed with AUDIT_KEY, held outside the database
(`register.audit.chain`). This migration:

- checks the stored chain with the old, unkeyed hash, and refuses to upgrade if it is broken (a
  re-keyed chain would otherwise launder the tampering): run `flask --app wsgi audit verify` on
  the old version to find the entry;
- re-hashes every entry with the key in the environment (AUDIT_KEY must therefore be set, to
  the value the app will run with, before `flask db upgrade`), and moves the head to the new hash;
- installs triggers on PostgreSQL and SQLite that refuse UPDATE and DELETE on `audit_entry`.
  Only a migration that drops them (as this one's downgrade does) can change an entry; that is a
  schema change, visible in the database's own logs, not a silent edit.

The downgrade removes the triggers and re-hashes the entries without the key.
"""

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op
from flask import current_app

from register.audit.chain import GENESIS_HASH, entry_hash, unkeyed_entry_hash
from register.models.base import UTCDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

ENTRY = sa.table(
    "audit_entry",
    sa.column("id", sa.Integer),
    sa.column("seq", sa.Integer),
    sa.column("occurred_at", UTCDateTime),
    sa.column("actor_id", sa.Integer),
    sa.column("actor_label", sa.String),
    sa.column("action", sa.String),
    sa.column("object_type", sa.String),
    sa.column("object_id", sa.String),
    sa.column("summary", sa.Text),
    sa.column("details", sa.Text),
    sa.column("ip_address", sa.String),
    sa.column("prev_hash", sa.String),
    sa.column("entry_hash", sa.String),
)
HEAD = sa.table("audit_head", sa.column("id", sa.Integer), sa.column("last_hash", sa.String))
MESSAGE = "audit entries are append-only"
SQLITE_TRIGGERS = (
    f"CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    f"CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
)
POSTGRES_TRIGGER = (
    "CREATE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    f"BEGIN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege'; END $$",
    "CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry "
    "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()",
)

Hasher = Callable[[str, dict[str, Any]], str]


def _key() -> bytes:
    return str(current_app.config["AUDIT_KEY"]).encode()


def _rehash(accepted: tuple[Hasher, ...], write: Hasher) -> None:
    """Walk the chain in order, checking each entry against one of the `accepted` hashes (entries
    written by newer code before the upgrade already have the keyed one) and re-hashing it with
    `write`."""
    bind = op.get_bind()
    old_prev = new_prev = GENESIS_HASH
    last_seq = 0
    rows = bind.execute(sa.select(ENTRY).order_by(ENTRY.c.seq)).mappings().all()
    for row in rows:
        fields = dict(row)
        fields["occurred_at"] = row["occurred_at"].isoformat()
        if (
            row["seq"] != last_seq + 1
            or row["prev_hash"] != old_prev
            or all(check(old_prev, fields) != row["entry_hash"] for check in accepted)
        ):
            raise RuntimeError(
                f"the audit chain is broken at entry {row['seq']}: not re-hashing a tampered "
                "chain. Investigate with `flask --app wsgi audit verify` before upgrading."
            )
        new_hash = write(new_prev, fields)
        bind.execute(
            sa.update(ENTRY)
            .where(ENTRY.c.id == row["id"])
            .values(prev_hash=new_prev, entry_hash=new_hash)
        )
        old_prev, new_prev, last_seq = row["entry_hash"], new_hash, row["seq"]
    if rows:
        bind.execute(sa.update(HEAD).where(HEAD.c.id == 1).values(last_hash=new_prev))


def upgrade() -> None:
    key = _key()

    def keyed(prev: str, fields: dict[str, Any]) -> str:
        return entry_hash(prev, fields, key)

    _rehash((unkeyed_entry_hash, keyed), keyed)
    statements = POSTGRES_TRIGGER if op.get_bind().dialect.name == "postgresql" else SQLITE_TRIGGERS
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_entry_append_only ON audit_entry")
        op.execute("DROP FUNCTION audit_entry_append_only()")
    else:
        op.execute("DROP TRIGGER audit_entry_no_update")
        op.execute("DROP TRIGGER audit_entry_no_delete")
    key = _key()

    def keyed(prev: str, fields: dict[str, Any]) -> str:
        return entry_hash(prev, fields, key)

    _rehash((keyed, unkeyed_entry_hash), unkeyed_entry_hash)
