"""Bulk inserts (register.models.base.insert_rows): COPY on PostgreSQL, executemany on SQLite,
with what insert() would do to each row (Python-side defaults, types' bind processing) and in
the session's transaction."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

from flask import Flask
from sqlalchemy import func, select

from register.extensions import db
from register.models import Award
from register.models.base import core_table, insert_rows

WINTER = datetime(2026, 1, 15, 9, 30, tzinfo=timezone(timedelta(hours=5)))


def _row(ocid: str, **values: object) -> dict[str, object]:
    return {
        "ocid": ocid, "award_id": "1", "release_id": None, "release_date": WINTER,
        "title": "Roof repairs, Block C", "description": None, "status": "active",
        "buyer_name": "Leeds City Council", "buyer_identifier": None, "buyer_key": "leeds",
        "department_id": None, "value": Decimal("2900000.50"), "currency": "GBP",
        "award_date": date(2026, 1, 14), "contract_start": None, "contract_end": None,
        "content_digest": "d" * 64, "source": "a.jsonl:1", "duplicate_key": None,
        **values,
    }  # fmt: skip


def test_rows_go_in_with_their_defaults_and_types(app: Flask) -> None:
    before = datetime.now(UTC)
    insert_rows(db.session, core_table(Award), [_row("ocds-1"), _row("ocds-2", value=None)])
    first, second = db.session.scalars(select(Award).order_by(Award.ocid)).all()
    assert first.value == Decimal("2900000.50") and second.value is None
    assert first.award_date == date(2026, 1, 14)
    assert first.release_date == WINTER and first.release_date.tzinfo == UTC  # stored in UTC
    assert before <= first.imported_at <= datetime.now(UTC)  # the column's default, utcnow


def test_rows_are_in_the_session_transaction(app: Flask) -> None:
    insert_rows(db.session, core_table(Award), [_row("ocds-1")])
    assert db.session.scalar(select(func.count(Award.id))) == 1
    db.session.rollback()
    assert db.session.scalar(select(func.count(Award.id))) == 0


def test_nothing_to_insert_is_nothing(app: Flask) -> None:
    insert_rows(db.session, core_table(Award), [])
    assert db.session.scalar(select(func.count(Award.id))) == 0
