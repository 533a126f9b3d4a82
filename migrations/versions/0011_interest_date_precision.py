"""interest: how precisely each date was given (day, or month and year only)

People remember appointments as "June 2021". A month-only start is stored as the 1st of the
month and a month-only end as the last day, so screening and search never shorten the interest;
`start_date_precision` and `end_date_precision` say how the date was given, so it is shown as
it was typed. Every existing row was given to the day.

Declaration versions carry the precision in their content only for a month-only date, so the
content (and the attested digest) of every existing version reads as before.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('interest') as batch:
        batch.add_column(
            sa.Column('start_date_precision', sa.String(length=5), nullable=False,
                      server_default='day')
        )
        batch.add_column(
            sa.Column('end_date_precision', sa.String(length=5), nullable=False,
                      server_default='day')
        )


def downgrade():
    with op.batch_alter_table('interest') as batch:
        batch.drop_column('end_date_precision')
        batch.drop_column('start_date_precision')
