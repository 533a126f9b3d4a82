"""hours per month as decimals; each related organisation's own identifier scheme

- `interest.hours_per_month` becomes Numeric(6, 2): people work 7.5 hours a month. Whole hours
  stored before are kept exactly; versions' content keeps whole hours as JSON integers.
- `related_organisation.identifier_scheme`: the scheme of the other organisation's own number
  (Companies House, Charity Commission), never the main organisation's. The form offered only a
  Companies House number until now, so numbers stored before are marked GB-COH.

Downgrade: drops the scheme, and rounds part hours to whole hours (the only loss).

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-01 10:15:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('interest', schema=None) as batch_op:
        batch_op.alter_column(
            'hours_per_month',
            existing_type=sa.Integer(),
            type_=sa.Numeric(precision=6, scale=2),
            existing_nullable=True,
        )
    with op.batch_alter_table('related_organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('identifier_scheme', sa.String(length=20), nullable=True))
    op.execute(
        "UPDATE related_organisation SET identifier_scheme = 'GB-COH' "
        "WHERE organisation_identifier IS NOT NULL AND organisation_identifier <> ''"
    )


def downgrade():
    with op.batch_alter_table('related_organisation', schema=None) as batch_op:
        batch_op.drop_column('identifier_scheme')
    op.execute("UPDATE interest SET hours_per_month = ROUND(hours_per_month)")
    with op.batch_alter_table('interest', schema=None) as batch_op:
        batch_op.alter_column(
            'hours_per_month',
            existing_type=sa.Numeric(precision=6, scale=2),
            type_=sa.Integer(),
            existing_nullable=True,
            postgresql_using='hours_per_month::integer',
        )
