"""server-side sessions and sign-in throttles in place of the per-user lock

- `user_session`: one row per signed-in browser (the SHA-256 of the cookie's key, the user's
  credential generation, started and last-seen times for the idle and absolute limits).
- `sign_in_throttle`: failed attempts counted per account and address, per address, per
  account and per device cookie, with the time attempts must wait until.
- `user.failed_logins` and `user.locked_until` go. A lock still running becomes the account's
  throttle until the same time (keyed by the email, lower-cased, as register.auth.throttle
  keys it), with its count of failures. The downgrade puts account throttles back as locks.

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

from register.clock import utcnow
from register.models.base import UTCDateTime

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

USER = sa.table(
    "user",
    sa.column("id", sa.Integer),
    sa.column("email", sa.String),
    sa.column("failed_logins", sa.Integer),
    sa.column("locked_until", UTCDateTime),
)
THROTTLE = sa.table(
    "sign_in_throttle",
    sa.column("scope", sa.String),
    sa.column("account", sa.String),
    sa.column("address", sa.String),
    sa.column("device", sa.String),
    sa.column("failures", sa.Integer),
    sa.column("first_failure_at", UTCDateTime),
    sa.column("last_failure_at", UTCDateTime),
    sa.column("blocked_until", UTCDateTime),
)


def upgrade():
    op.create_table(
        "user_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("generation", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("ip_address", sa.String(length=64), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_user_session_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_session")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_user_session_key_hash")),
    )
    op.create_index(op.f("ix_user_session_user_id"), "user_session", ["user_id"])
    op.create_table(
        "sign_in_throttle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("account", sa.String(length=254), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("device", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("first_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("owner_warned_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_throttle")),
        sa.UniqueConstraint(
            "scope", "account", "address", "device", name="uq_sign_in_throttle_key"
        ),
    )
    op.create_index(op.f("ix_sign_in_throttle_account"), "sign_in_throttle", ["account"])
    now = utcnow()
    locked = op.get_bind().execute(
        sa.select(USER.c.email, USER.c.failed_logins, USER.c.locked_until).where(
            USER.c.locked_until > now
        )
    ).all()
    if locked:
        op.bulk_insert(
            THROTTLE,
            [
                {"scope": "account", "account": email.lower(), "address": "", "device": "",
                 "failures": failures, "first_failure_at": now, "last_failure_at": now,
                 "blocked_until": until}
                for email, failures, until in locked
            ],
        )
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("locked_until")
        batch_op.drop_column("failed_logins")


def downgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.alter_column("failed_logins", server_default=None)
    bind = op.get_bind()
    accounts = bind.execute(
        sa.select(THROTTLE.c.account, THROTTLE.c.failures, THROTTLE.c.blocked_until).where(
            THROTTLE.c.scope == "account", THROTTLE.c.blocked_until > utcnow()
        )
    ).all()
    for account, failures, until in accounts:
        bind.execute(
            USER.update()
            .where(sa.func.lower(USER.c.email) == account)
            .values(failed_logins=failures, locked_until=until)
        )
    op.drop_index(op.f("ix_sign_in_throttle_account"), table_name="sign_in_throttle")
    op.drop_table("sign_in_throttle")
    op.drop_index(op.f("ix_user_session_user_id"), table_name="user_session")
    op.drop_table("user_session")
