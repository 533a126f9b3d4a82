"""identifiers in one form: award suppliers, company officers, undeclared findings and their flags

Until now the award parser padded Companies House numbers ("SC12345" -> "SC012345") while the
officer parser did not, so an award supplier and an officer record of one company could be
stored under two numbers and never joined. Both now follow `register.matching.identifiers`;
this migration rewrites what is stored to that form:

- `award_supplier.identifiers` (a JSON list of [scheme, id]) and `award_supplier.company_number`;
- `company_officer.company_number`, with the row's `content_digest` and, for officers CSV rows,
  its `record_key` (both include the number), so re-importing the same file changes nothing.
  A row whose new record key another row already has (the same appointment imported once with
  each form of the number) keeps its old key;
- `undeclared_finding.company_number`, and the lineage of its flag, `u{official_id}:{number}`,
  which identifies the flag when screening runs again: without the rewrite the next run would
  raise a second flag for the same official and company and withdraw the first with its
  decision. If a flag with the new lineage already exists, the old one is left as it is and
  the next full screening withdraws it.

Not rewritten: declared identifiers. They live in `interest` rows (the working copy) and in
`declaration_version.content`, whose SHA-256 is the attested `content_digest`; a submitted
version never changes, and changing the working copy would show up as an amendment the official
never made and reopen decided flags. The matching engine, undeclared screening and the
declaration search normalise declared identifiers when they read them; declaration forms store
newly typed numbers in the one form. Award `buyer_identifier` ("GB-GOR-PB197", scheme and id
joined) and awards' `content_digest` are left as they are: an award whose file had a lower-case
or spaced identifier of another scheme counts as updated once when that file is imported again.

After upgrading, screen everything again so flags follow the rewritten numbers:

    flask --app wsgi match run
    flask --app wsgi ownership screen

The rule is imported from the application (`register.matching.identifiers`, and the officer
digest and record key from `register.ownership.parse`) rather than copied here, so that there
is one rule; the migration rewrites to whatever that rule is when it runs.

Downgrade: a no-op. The earlier forms were not kept and cannot be recovered, and earlier code
reads the rewritten values (it compared numbers after its own normalisation).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 09:30:00

"""
import json

import sqlalchemy as sa
from alembic import op

from register.matching.identifiers import company_number, identifier_pair
from register.ownership.parse import officer_digest, officer_record_key


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

BATCH = 5000

award_supplier = sa.table(
    'award_supplier',
    sa.column('id', sa.Integer),
    sa.column('identifiers', sa.Text),
    sa.column('company_number', sa.String),
)
company_officer = sa.table(
    'company_officer',
    sa.column('id', sa.Integer),
    sa.column('source', sa.String),
    sa.column('record_key', sa.String),
    sa.column('kind', sa.String),
    sa.column('company_number', sa.String),
    sa.column('company_name', sa.String),
    sa.column('name', sa.String),
    sa.column('person_key', sa.String),
    sa.column('role', sa.String),
    sa.column('appointed_on', sa.Date),
    sa.column('resigned_on', sa.Date),
    sa.column('birth_month', sa.Integer),
    sa.column('birth_year', sa.Integer),
    sa.column('content_digest', sa.String),
)
undeclared_finding = sa.table(
    'undeclared_finding',
    sa.column('id', sa.Integer),
    sa.column('flag_id', sa.Integer),
    sa.column('company_number', sa.String),
)
flag = sa.table(
    'flag',
    sa.column('id', sa.Integer),
    sa.column('kind', sa.String),
    sa.column('official_id', sa.Integer),
    sa.column('interest_lineage', sa.String),
)


def _number(value):
    """A stored company number in the one form; placeholders and oddities stay as they are."""
    return (company_number(value) or value) if value else value


def _pages(connection, table, columns, condition):
    """The rows matching `condition`, BATCH at a time in id order (memory stays flat)."""
    last = 0
    while True:
        rows = connection.execute(
            sa.select(table.c.id, *columns)
            .where(table.c.id > last, condition)
            .order_by(table.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        yield rows
        last = rows[-1].id


def _suppliers(connection):
    condition = sa.or_(
        award_supplier.c.identifiers != '[]', award_supplier.c.company_number.is_not(None)
    )
    columns = (award_supplier.c.identifiers, award_supplier.c.company_number)
    for rows in _pages(connection, award_supplier, columns, condition):
        changes = []
        for row in rows:
            pairs = json.loads(row.identifiers or '[]')
            rewritten = list(dict.fromkeys(
                identifier_pair(scheme, value) or (scheme, value) for scheme, value in pairs
            ))
            text = json.dumps(rewritten) if rewritten else '[]'
            number = _number(row.company_number)
            if text != row.identifiers or number != row.company_number:
                changes.append({'row_id': row.id, 'new_identifiers': text, 'new_number': number})
        if changes:
            connection.execute(
                award_supplier.update()
                .where(award_supplier.c.id == sa.bindparam('row_id'))
                .values(identifiers=sa.bindparam('new_identifiers'),
                        company_number=sa.bindparam('new_number')),
                changes,
            )


def _officers(connection):
    columns = [c for c in company_officer.c if c.name != 'id']
    for rows in _pages(connection, company_officer, columns, sa.true()):
        for row in rows:
            number = _number(row.company_number)
            if number == row.company_number:
                continue
            values = {
                'company_number': number,
                'content_digest': officer_digest(
                    row.kind, number, row.company_name, row.name, row.role, row.appointed_on,
                    row.resigned_on, row.birth_month, row.birth_year,
                ),
            }
            if row.source == 'officers_csv':
                # The key of an officer row with a role longer than the 200 characters stored
                # was made from the whole role, so it cannot be rebuilt; such rows keep theirs.
                key = officer_record_key(number, row.person_key, row.role, row.appointed_on)
                taken = connection.execute(
                    sa.select(company_officer.c.id).where(
                        company_officer.c.source == row.source,
                        company_officer.c.record_key == key,
                    )
                ).first()
                if taken is None and len(row.role) < 200:
                    values['record_key'] = key
            connection.execute(
                company_officer.update().where(company_officer.c.id == row.id).values(**values)
            )


def _findings(connection):
    columns = (undeclared_finding.c.flag_id, undeclared_finding.c.company_number)
    for rows in _pages(connection, undeclared_finding, columns, sa.true()):
        for row in rows:
            number = _number(row.company_number)
            if number == row.company_number:
                continue
            connection.execute(
                undeclared_finding.update()
                .where(undeclared_finding.c.id == row.id)
                .values(company_number=number)
            )
            official_id = connection.execute(
                sa.select(flag.c.official_id).where(flag.c.id == row.flag_id)
            ).scalar()
            old = f'u{official_id}:{row.company_number}'[:32]
            new = f'u{official_id}:{number}'[:32]
            clash = connection.execute(
                sa.select(flag.c.id).where(flag.c.kind == 'undeclared',
                                           flag.c.interest_lineage == new)
            ).first()
            if clash is None:
                connection.execute(
                    flag.update()
                    .where(flag.c.id == row.flag_id, flag.c.interest_lineage == old)
                    .values(interest_lineage=new)
                )


def upgrade():
    connection = op.get_bind()
    _suppliers(connection)
    _officers(connection)
    _findings(connection)


def downgrade():
    pass  # see the module docstring: the earlier forms cannot be recovered, and need not be
