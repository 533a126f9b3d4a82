"""password links: single-use invitation and reset links, stored as SHA-256 hashes

- `password_link`: a link that lets a person set their own password, sent by email when an
  administrator creates them (an invitation, 72 hours) or when they forgot it (a reset, 1 hour),
  or printed on the terminal for the first administrator. Only the SHA-256 of the token is
  kept; `used_at` makes it single-use, `revoked_at` marks one replaced by a newer link.

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "password_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_password_link_user_id_user"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user.id"],
            name=op.f("fk_password_link_created_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_link")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_password_link_token_hash")),
    )
    op.create_index(
        "ix_password_link_user_purpose",
        "password_link",
        ["user_id", "purpose", "created_at"],
        unique=False,
    )


def downgrade():
    op.drop_index("ix_password_link_user_purpose", table_name="password_link")
    op.drop_table("password_link")
