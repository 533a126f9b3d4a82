"""roster uploads kept between preview and confirmation, closing a cycle, one reminder a day

- `roster_upload`: a roster file the administrator previewed, kept (with its SHA-256) until
  they confirm the import, so the import is exactly what was previewed.
- `declaration_cycle.closed_on`: an administrator closed the cycle.
- `reminder.sent_on`: the day a reminder was sent, unique per cycle and official, so at most
  one reminder a day reaches an official for a cycle whichever button sent it. Existing rows
  get the date of `sent_at` (UTC); where one official had several reminders for a cycle on one
  day, only the first gets a date, the others keep NULL (the constraint ignores them).

Revision ID: 0014
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "roster_upload",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["user.id"],
            name=op.f("fk_roster_upload_uploaded_by_id_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_upload")),
    )
    with op.batch_alter_table("declaration_cycle", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_on", sa.Date(), nullable=True))
    with op.batch_alter_table("reminder", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sent_on", sa.Date(), nullable=True))
    day = "date(sent_at)" if op.get_bind().dialect.name == "sqlite" else "CAST(sent_at AS DATE)"
    op.execute(
        f"UPDATE reminder SET sent_on = {day} WHERE id IN "
        f"(SELECT MIN(id) FROM reminder GROUP BY cycle_id, official_id, {day})"
    )
    with op.batch_alter_table("reminder", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            "uq_reminder_once_a_day", ["cycle_id", "official_id", "sent_on"]
        )


def downgrade():
    with op.batch_alter_table("reminder", schema=None) as batch_op:
        batch_op.drop_constraint("uq_reminder_once_a_day", type_="unique")
        batch_op.drop_column("sent_on")
    with op.batch_alter_table("declaration_cycle", schema=None) as batch_op:
        batch_op.drop_column("closed_on")
    op.drop_table("roster_upload")
