"""Two app servers on one PostgreSQL: what one commits, the other screens against at once.

No worker holds a candidate index: an award imported through one server is found when a
declaration is submitted through the other, a buyer remapped through one changes the "own
department" reason seen by the other, and submissions and an import at the same moment leave
the index exactly as a rebuild from the rows would make it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select, text

from register import runtime, screening
from register.admin.services import UserFields, create_cycle, create_department
from register.candidate_index import SCREENING_LOCK, hold_screening_lock
from register.declarations import services as declarations
from register.extensions import db
from register.models import BuyerMapping, Declaration, DeclarationCycle, Department, Flag, Interest
from register.screening import ImportFile, rebuild_candidate_index, screen_declaration
from tests.candidate_index.test_stored_index import index_snapshot
from tests.conftest import PASSWORD, create_user_with_password, make_app

BUYER = "Department for Children's Services"


@pytest.fixture
def second_server(pg_app: Flask, postgres_url: str, tmp_path: Path) -> Iterator[Flask]:
    """Another app on the same database, as a second server behind the load balancer is."""
    (tmp_path / "second").mkdir()
    other = make_app(postgres_url, tmp_path / "second")
    yield other
    with other.app_context():
        db.engine.dispose()


def award_file(path: Path, supplier: str, ocid: str, buyer: str = BUYER) -> ImportFile:
    release = {
        "ocid": ocid, "id": f"{ocid}-r1", "date": "2025-06-01T00:00:00Z", "tag": ["award"],
        "buyer": {"id": "B", "name": buyer},
        "parties": [
            {"id": "B", "roles": ["buyer"], "name": buyer},
            {"id": "S", "roles": ["supplier"], "name": supplier},
        ],
        "awards": [{"id": "A1", "date": "2025-06-01T00:00:00Z",
                    "value": {"amount": 975000, "currency": "GBP"},
                    "suppliers": [{"id": "S", "name": supplier}]}],
    }  # fmt: skip
    path.write_text(json.dumps(release))
    return ImportFile(path)


def import_awards(path: Path, supplier: str, ocid: str, buyer: str = BUYER) -> None:
    with runtime.transaction() as session:
        screening.import_awards(
            session, [award_file(path, supplier, ocid, buyer)], runtime.settings()
        )


def department() -> Department:
    found = db.session.scalar(select(Department).where(Department.code == "DCS"))
    return found or create_department(db.session, "DCS", "Children's Services", None)


def official(n: int) -> int:
    fields = UserFields(email=f"official{n}@example.gov.uk", full_name=f"Official {n}",
                        role="official", department=department())  # fmt: skip
    user = create_user_with_password(db.session, fields, None, PASSWORD)
    db.session.commit()
    return user.id


def submit(official_id: int, organisations: list[str]) -> screening.ScreeningReport:
    """File and submit a declaration of directorships, screened as the web door does."""
    from register.models import User

    with runtime.transaction() as session:
        user = session.get(User, official_id)
        cycle = session.scalar(select(DeclarationCycle).where(DeclarationCycle.name == "2025/26"))
        if cycle is None:
            cycle = create_cycle(session, "2025/26", date(2025, 4, 1), date(2025, 6, 30),
                                 [user.department], None)  # fmt: skip
        declaration = declarations.start_declaration(session, user, cycle, lookback_months=24)
        for name in organisations:
            declaration.interests.append(Interest(
                category="directorship", whose="self", organisation_name=name,
                role="executive_director", paid=True, start_date=date(2015, 1, 1),
            ))  # fmt: skip
        session.flush()
        declarations.submit(session, declaration, user, nil_return=False,
                            amendment_reason=None, ip_address=None)  # fmt: skip
        return screen_declaration(session, declaration, runtime.settings())


def flags() -> list[tuple[str, str, str]]:
    db.session.expire_all()
    return [
        (f.organisation_name, f.supplier_name, f.explanation)
        for f in db.session.scalars(select(Flag).where(Flag.active.is_(True)).order_by(Flag.id))
    ]


def test_an_award_imported_through_one_server_is_screened_at_once_through_the_other(
    pg_app: Flask, second_server: Flask, tmp_path: Path
) -> None:
    official_id = official(1)
    with second_server.app_context():
        report = submit(official_id, ["Morning Lane Associates Ltd", "Kestrel Consulting Ltd"])
        assert report.new == 0  # no award yet
    import_awards(tmp_path / "one.json", "MORNING LANE ASSOCIATES LIMITED", "ocds-one")
    [(organisation, supplier, _)] = flags()
    assert (organisation, supplier) == (
        "Morning Lane Associates Ltd",
        "MORNING LANE ASSOCIATES LIMITED",
    )
    # And the other way: an award imported here, a declaration submitted there.
    import_awards(tmp_path / "two.json", "Harbour Analytics Limited", "ocds-two")
    other_id = official(2)
    with second_server.app_context():
        report = submit(other_id, ["Harbour Analytics Ltd"])
        assert report.new == 1, report.summary()


def test_a_buyer_remapped_through_one_server_changes_the_reason_the_other_shows(
    pg_app: Flask, second_server: Flask, tmp_path: Path
) -> None:
    official_id = official(1)
    import_awards(tmp_path / "a.json", "Morning Lane Associates Ltd", "ocds-a", buyer="DfCS")
    with second_server.app_context():
        submit(official_id, ["Morning Lane Associates Ltd"])
    [(_, _, before)] = flags()
    assert "own department" not in before
    with second_server.app_context(), runtime.transaction() as session:
        mapping = session.scalar(select(BuyerMapping))
        from register.models import User

        admin = session.get(User, official_id)  # the actor is only audited here
        screening.map_buyer(session, mapping, department(), admin, runtime.settings())
    [(_, _, after)] = flags()
    assert "awarded by the official's own department" in after


def test_submissions_and_an_import_at_once_leave_the_index_a_rebuild_would_make(
    pg_app: Flask, second_server: Flask, tmp_path: Path
) -> None:
    ids = [official(n) for n in range(4)]
    create_cycle(db.session, "2025/26", date(2025, 4, 1), date(2025, 6, 30), [department()], None)
    db.session.commit()
    names = ["Morning Lane Associates Ltd", "Kestrel Consulting Ltd", "Harbour Analytics Ltd"]
    errors: list[BaseException] = []
    start = threading.Barrier(5)

    def run(app: Flask, work) -> None:  # noqa: ANN001
        try:
            with app.app_context():
                start.wait()
                work()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    threads = [
        threading.Thread(
            target=run,
            args=(
                (pg_app, second_server)[n % 2],
                lambda n=n: submit(ids[n], [names[n % 3], f"Distinct Firm {n} Ltd"]),
            ),
        )
        for n in range(4)
    ]
    threads.append(
        threading.Thread(
            target=run,
            args=(
                pg_app,
                lambda: import_awards(tmp_path / "x.json", "Kestrel Consulting Limited", "ocds-x"),
            ),
        )
    )
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    db.session.expire_all()
    assert len(db.session.scalars(select(Declaration)).all()) == 4
    kept = index_snapshot()
    assert len(kept["declared"]) == 8  # type: ignore[arg-type]
    rebuild_candidate_index(db.session)
    assert index_snapshot() == kept
    # Whichever committed first, the Kestrel director's flag was raised (the screening lock).
    db.session.rollback()
    assert [f[:2] for f in flags()] == [("Kestrel Consulting Ltd", "Kestrel Consulting Limited")]


def _screening_lock_modes(session) -> list[str]:
    return list(session.scalars(text(
        "SELECT mode FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() "
        "AND objid = :lock"), {"lock": SCREENING_LOCK}))  # fmt: skip


def test_a_transaction_asks_for_the_screening_lock_once_unless_a_savepoint_released_it(
    pg_app: Flask,
) -> None:
    from register.audit.log import record

    record(db.session, "test.first", "first entry")
    record(db.session, "test.second", "second entry")  # asks nothing of the server again
    assert _screening_lock_modes(db.session) == ["ShareLock"]
    hold_screening_lock(db.session, exclusive=True)  # stronger than what is held: asked
    assert sorted(_screening_lock_modes(db.session)) == ["ExclusiveLock", "ShareLock"]
    db.session.commit()
    assert _screening_lock_modes(db.session) == []
    record(db.session, "test.third", "in the next transaction")
    assert _screening_lock_modes(db.session) == ["ShareLock"]
    db.session.rollback()
    # Taken inside a savepoint that rolls back, the lock is gone: it is asked for again.
    savepoint = db.session.begin_nested()
    record(db.session, "test.fourth", "in a savepoint rolled back")
    savepoint.rollback()
    assert _screening_lock_modes(db.session) == []
    record(db.session, "test.fifth", "after it")
    assert _screening_lock_modes(db.session) == ["ShareLock"]
    db.session.rollback()
