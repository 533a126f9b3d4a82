"""review: management plans, email outbox, review-queue index

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('management_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('flag_id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('official_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('constraints', sa.Text(), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('divest_by', sa.Date(), nullable=True),
    sa.Column('review_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminded_on', sa.Date(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_management_plan_created_by_id_user')),
    sa.ForeignKeyConstraint(['decision_id'], ['decision.id'], name=op.f('fk_management_plan_decision_id_decision')),
    sa.ForeignKeyConstraint(['flag_id'], ['flag.id'], name=op.f('fk_management_plan_flag_id_flag')),
    sa.ForeignKeyConstraint(['official_id'], ['user.id'], name=op.f('fk_management_plan_official_id_user')),
    sa.ForeignKeyConstraint(['owner_id'], ['user.id'], name=op.f('fk_management_plan_owner_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_management_plan'))
    )
    with op.batch_alter_table('management_plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_management_plan_flag_id'), ['flag_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_management_plan_official_id'), ['official_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_management_plan_review_on'), ['review_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_management_plan_status'), ['status'], unique=False)

    op.create_table('outbound_email',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('to', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbound_email'))
    )
    with op.batch_alter_table('outbound_email', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbound_email_kind'), ['kind'], unique=False)
        batch_op.create_index('ix_outbound_email_pending', ['status', 'next_attempt_at'], unique=False)

    with op.batch_alter_table('flag', schema=None) as batch_op:
        batch_op.create_index('ix_flag_review_order', ['active', 'score', 'id'], unique=False)
        batch_op.create_index('ix_flag_review_scope', ['department_id', 'status', 'active'], unique=False)
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.create_index('ix_decision_decided_at', ['decided_at'], unique=False)


def downgrade():
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.drop_index('ix_decision_decided_at')
    with op.batch_alter_table('flag', schema=None) as batch_op:
        batch_op.drop_index('ix_flag_review_scope')
        batch_op.drop_index('ix_flag_review_order')
    with op.batch_alter_table('outbound_email', schema=None) as batch_op:
        batch_op.drop_index('ix_outbound_email_pending')
        batch_op.drop_index(batch_op.f('ix_outbound_email_kind'))
    op.drop_table('outbound_email')
    with op.batch_alter_table('management_plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_management_plan_status'))
        batch_op.drop_index(batch_op.f('ix_management_plan_review_on'))
        batch_op.drop_index(batch_op.f('ix_management_plan_official_id'))
        batch_op.drop_index(batch_op.f('ix_management_plan_flag_id'))
    op.drop_table('management_plan')
