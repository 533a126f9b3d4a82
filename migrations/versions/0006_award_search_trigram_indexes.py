"""award search: trigram indexes on supplier names (PostgreSQL)

The award search matches `lower(name) LIKE '%text%'`; without these it reads every supplier
(1.4 s at 1.1 million suppliers in bench/load.py, 0.07-0.36 s with them). SQLite: nothing.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 20:10:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

COLUMNS = ("name", "aliases")


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        for column in COLUMNS:  # the same names, so the schema matches the models
            op.execute(
                f"CREATE INDEX ix_award_supplier_{column}_trgm ON award_supplier (lower({column}))"
            )
        return
    # pg_trgm is a trusted extension: the database owner may create it (PostgreSQL 13+).
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        op.execute(
            f"CREATE INDEX IF NOT EXISTS ix_award_supplier_{column}_trgm "
            f"ON award_supplier USING gin (lower({column}) gin_trgm_ops)"
        )


def downgrade():
    for column in COLUMNS:
        op.execute(f"DROP INDEX IF EXISTS ix_award_supplier_{column}_trgm")
