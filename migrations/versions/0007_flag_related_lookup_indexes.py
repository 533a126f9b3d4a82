"""flag page: indexes for the related flags about the same organisation

The flag page lists other flags whose supplier or declared organisation has the same name, case
aside; without these indexes each lookup reads every flag (100,000 in bench/load.py).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 00:50:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

COLUMNS = ("supplier_name", "organisation_name")


def upgrade():
    for column in COLUMNS:
        op.execute(f"CREATE INDEX ix_flag_{column}_lower ON flag (lower({column}))")


def downgrade():
    for column in COLUMNS:
        op.execute(f"DROP INDEX IF EXISTS ix_flag_{column}_lower")
