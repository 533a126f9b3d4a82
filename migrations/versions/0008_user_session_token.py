"""user: a session token, so that sign-out, a password change or deactivation ends sessions

The session cookie holds the user's session token instead of their id; replacing the token makes
every copy of an earlier cookie worthless. The database fills in a random token (64 hex digits)
for every existing user and for any row inserted without one (bulk loads, plain SQL); the app
makes its own (register.models.people.new_session_token).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# Evaluated for each row: 32 random bytes as hex on SQLite; two random (version 4) UUIDs without
# their dashes on PostgreSQL.
RANDOM_TOKEN = {
    'sqlite': '(lower(hex(randomblob(32))))',
    'postgresql': "replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '')",
}


def upgrade():
    dialect = op.get_bind().dialect.name
    # SQLite cannot add a column whose default is an expression, so it copies the table; each
    # copied row gets its own token. PostgreSQL evaluates the default once for every row.
    with op.batch_alter_table(
        'user', schema=None, recreate='always' if dialect == 'sqlite' else 'auto'
    ) as batch_op:
        batch_op.add_column(sa.Column(
            'session_token', sa.String(length=64), nullable=False,
            server_default=sa.text(RANDOM_TOKEN[dialect]),
        ))
        batch_op.create_unique_constraint(batch_op.f('uq_user_session_token'), ['session_token'])


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_user_session_token'), type_='unique')
        batch_op.drop_column('session_token')
