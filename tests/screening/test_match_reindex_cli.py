"""`flask match reindex`: the stored candidate index rebuilt from the rows, audited."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from register.extensions import db
from register.models import AuditEntry, ScreeningName, ScreeningNameKey
from tests.candidate_index.test_stored_index import add_suppliers, declare, index_snapshot


def test_match_reindex_rebuilds_what_was_lost(runner: Any, make_user) -> None:
    declare(make_user("official"), ["Morning Lane Associates Ltd"])
    add_suppliers(["Morning Lane Associates Limited", "Kestrel Consulting Ltd"])
    db.session.commit()
    kept = index_snapshot()
    db.session.execute(delete(ScreeningNameKey))  # an index damaged, say by a partial restore
    db.session.commit()
    assert index_snapshot() != kept
    result = runner.invoke(args=["match", "reindex"])
    assert result.exit_code == 0, result.output
    assert "Indexed 2 award suppliers and 1 officials' declarations" in result.output
    db.session.expire_all()
    assert index_snapshot() == kept
    assert db.session.scalar(select(ScreeningName.id).limit(1)) is not None
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "matching.reindexed")
    ).one()
    assert "2 award suppliers" in entry.summary
