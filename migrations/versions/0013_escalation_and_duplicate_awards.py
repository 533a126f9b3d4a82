"""escalation to a named person; one contract published twice is one award

- `flag.escalated_to_id`: who an escalated flag waits for (a compliance officer); the flag keeps
  the status "escalated" until a final decision clears it. `decision.escalated_to_id` records
  who each escalation named. Flags escalated before this migration were closed as "decided"
  with an "escalated" decision that named nobody; they stay as they are (the decision page
  shows them; a compliance officer can escalate them again to a named person).
- `award.duplicate_key` and `award.duplicate_of_id` (register.awards.duplicates): every stored
  award gets its key from the stored buyer, value, currency, award date, title and suppliers;
  of the awards sharing a key the first imported is the award, the others point at it. Active
  flags on those other publications are withdrawn (inactive, kept with their decisions), as
  the next screening would do: the award itself carries the flag.

The key is computed by the application's rule (register.awards.duplicates.duplicate_key), not
a copy of it.

Downgrade drops the columns (the links can be computed again).

Revision ID: 0013
Revises: 0010
Create Date: 2026-12-01 10:00:00

"""
import sqlalchemy as sa
from alembic import op

from register.awards.duplicates import duplicate_key


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = "0012"
branch_labels = None
depends_on = None

BATCH = 5000

award = sa.table(
    'award',
    sa.column('id', sa.Integer), sa.column('buyer_name', sa.String), sa.column('value', sa.Numeric),
    sa.column('currency', sa.String), sa.column('award_date', sa.Date),
    sa.column('title', sa.Text), sa.column('duplicate_key', sa.String),
    sa.column('duplicate_of_id', sa.Integer),
)
supplier = sa.table(
    'award_supplier',
    sa.column('award_id', sa.Integer), sa.column('name', sa.String),
    sa.column('company_number', sa.String), sa.column('position', sa.Integer),
)
flag = sa.table('flag', sa.column('award_id', sa.Integer), sa.column('active', sa.Boolean))


def upgrade():
    with op.batch_alter_table('flag', schema=None) as batch_op:
        batch_op.add_column(sa.Column('escalated_to_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_flag_escalated_to_id'), ['escalated_to_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_flag_escalated_to_id_user'), 'user', ['escalated_to_id'], ['id'])
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.add_column(sa.Column('escalated_to_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_decision_escalated_to_id_user'), 'user', ['escalated_to_id'], ['id'])
    with op.batch_alter_table('award', schema=None) as batch_op:
        batch_op.add_column(sa.Column('duplicate_key', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('duplicate_of_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_award_duplicate_key'), ['duplicate_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_award_duplicate_of_id'), ['duplicate_of_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_award_duplicate_of_id_award'), 'award', ['duplicate_of_id'], ['id'])
    link_existing_awards(op.get_bind())


def link_existing_awards(connection):
    """Key every award, point the later publications at the first, withdraw their flags."""
    first_with_key = {}
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(award.c.id, award.c.buyer_name, award.c.value, award.c.currency,
                      award.c.award_date, award.c.title)
            .where(award.c.id > last_id).order_by(award.c.id).limit(BATCH)
        ).all()
        if not rows:
            break
        last_id = rows[-1].id
        suppliers = {}
        for row in connection.execute(
            sa.select(supplier.c.award_id, supplier.c.name, supplier.c.company_number)
            .where(supplier.c.award_id.in_([r.id for r in rows]))
            .order_by(supplier.c.award_id, supplier.c.position)
        ):
            suppliers.setdefault(row.award_id, []).append((row.name, row.company_number))
        for row in rows:
            key = duplicate_key(row.buyer_name, row.value, row.currency, row.award_date,
                                row.title, suppliers.get(row.id, []))
            if key is None:
                continue
            first = first_with_key.setdefault(key, row.id)
            values = {'duplicate_key': key}
            if first != row.id:
                values['duplicate_of_id'] = first
                connection.execute(
                    flag.update().where(flag.c.award_id == row.id, flag.c.active.is_(True))
                    .values(active=False)
                )
            connection.execute(award.update().where(award.c.id == row.id).values(**values))


def downgrade():
    with op.batch_alter_table('award', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_award_duplicate_of_id_award'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_award_duplicate_of_id'))
        batch_op.drop_index(batch_op.f('ix_award_duplicate_key'))
        batch_op.drop_column('duplicate_of_id')
        batch_op.drop_column('duplicate_key')
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_decision_escalated_to_id_user'), type_='foreignkey')
        batch_op.drop_column('escalated_to_id')
    with op.batch_alter_table('flag', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_flag_escalated_to_id_user'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_flag_escalated_to_id'))
        batch_op.drop_column('escalated_to_id')
