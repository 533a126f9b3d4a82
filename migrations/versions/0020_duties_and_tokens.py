"""separation of duties and API tokens with scopes, expiry and a rate limit

- `access_request`: a grant of the compliance, auditor or administrator role, or of departments
  to review, waiting for a second administrator's approval (before, after, who asked, who
  decided, when, the outcome).
- `user.is_service_account`: an account used only through the API (it never signs in on the
  web); an administrator may mint tokens for it, and for no other person.
- `api_token.scopes`, `expires_at`, `rate_window_start`, `rate_window_count`: what a token may
  do, when it stops working, and its per-minute request count (kept in the database so the
  limit holds across workers and servers). Tokens made before this migration had no scope and no
  expiry, and administrators minted them for anyone: every one still live is revoked and given
  its creation time as its expiry. Their owners make new ones.

Revision ID: 0020
Revises: 0019
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "access_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("before", sa.Text(), nullable=False),
        sa.Column("after", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_access_request_user_id_user"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["user.id"], name=op.f("fk_access_request_requested_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["user.id"], name=op.f("fk_access_request_decided_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_request")),
    )  # fmt: skip
    with op.batch_alter_table("access_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_access_request_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_access_request_status"), ["status"], unique=False)
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_service_account", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("scopes", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("rate_window_start", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("rate_window_count", sa.Integer(), nullable=False, server_default="0")
        )
    op.execute("UPDATE api_token SET revoked_at = CURRENT_TIMESTAMP WHERE revoked_at IS NULL")
    op.execute("UPDATE api_token SET expires_at = created_at")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.alter_column(
            "expires_at", existing_type=sa.DateTime(timezone=True), nullable=False
        )


def downgrade():
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_column("rate_window_count")
        batch_op.drop_column("rate_window_start")
        batch_op.drop_column("expires_at")
        batch_op.drop_column("scopes")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("is_service_account")
    with op.batch_alter_table("access_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_request_status"))
        batch_op.drop_index(batch_op.f("ix_access_request_user_id"))
    op.drop_table("access_request")
