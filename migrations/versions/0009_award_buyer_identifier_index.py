"""award: index the buyer identifier, for mapping a renamed buyer to its department

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 02:15:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_award_buyer_identifier", "award", ["buyer_identifier"])


def downgrade():
    op.drop_index("ix_award_buyer_identifier", table_name="award")
