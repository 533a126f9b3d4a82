"""user: the single sign-on identity (OpenID provider's issuer and subject) linked to an account

People sign in with their organisation's OpenID provider and are matched to their register
account by verified email. The first such sign-in records the provider's issuer and subject on
the account; a later sign-in with the same email but another subject (the address given to
someone else at the provider) is refused. One identity links to one account at most.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sso_issuer', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('sso_subject', sa.String(length=255), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f('uq_user_sso_issuer'), ['sso_issuer', 'sso_subject']
        )


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_user_sso_issuer'), type_='unique')
        batch_op.drop_column('sso_subject')
        batch_op.drop_column('sso_issuer')
