"""The entry points' transaction: committed when the block succeeds, rolled back if it raises."""

import pytest
from sqlalchemy import select

from register import runtime
from register.extensions import db
from register.models import Department


def _codes() -> set[str]:
    db.session.expire_all()
    return set(db.session.scalars(select(Department.code)))


def test_transaction_commits_the_block(app):
    with runtime.transaction() as session:
        session.add(Department(code="KEPT", name="Kept"))
    db.session.rollback()  # nothing pending is left to lose: the block was committed
    assert "KEPT" in _codes()


def test_transaction_rolls_back_a_failed_block(app):
    with pytest.raises(RuntimeError), runtime.transaction() as session:
        session.add(Department(code="LOST", name="Lost"))
        session.flush()
        raise RuntimeError("the request failed half way")
    assert "LOST" not in _codes()
