"""Two submissions of the same draft at once make exactly one version."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from register.admin.services import UserFields, create_department
from register.declarations import services
from register.extensions import db
from register.models import AuditEntry, Declaration, DeclarationVersion, Interest, User
from register.models.declarations import SUBMITTED
from tests.conftest import create_user_with_password
from tests.declarations.helpers import open_cycle


def draft(make_user: Any, department: Any) -> tuple[int, int]:
    official = make_user("official")
    cycle = open_cycle([department])
    declaration = services.start_declaration(db.session, official, cycle, lookback_months=24)
    declaration.interests.append(
        Interest(category="membership", organisation_name="Club", role="Member", whose="self")
    )
    db.session.commit()
    return declaration.id, official.id


def submit_in_own_session(engine: Any, declaration_id: int, official_id: int,
                          barrier: threading.Barrier, outcomes: list[str]) -> None:  # fmt: skip
    with Session(engine) as session:
        declaration = session.get(Declaration, declaration_id)
        official = session.get(User, official_id)
        assert declaration is not None and official is not None
        services.live_interests(declaration)  # both have read the draft before either submits
        barrier.wait(timeout=10)
        try:
            services.submit(session, declaration, official, nil_return=False,
                            amendment_reason=None, ip_address=None)  # fmt: skip
            session.commit()
            outcomes.append("submitted")
        except services.DeclarationError as exc:
            session.rollback()
            outcomes.append(f"refused: {exc}")
        except Exception as exc:  # noqa: BLE001 - the test reports anything else
            outcomes.append(f"error: {exc!r}")


def race(engine: Any, declaration_id: int, official_id: int) -> list[str]:
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    threads = [threading.Thread(target=submit_in_own_session,
                                args=(engine, declaration_id, official_id, barrier, outcomes))
               for _ in range(2)]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(outcomes)


def assert_one_version(declaration_id: int, outcomes: list[str]) -> None:
    assert outcomes == ["refused: This declaration has already been submitted", "submitted"]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(DeclarationVersion)) == 1
    declaration = db.session.get(Declaration, declaration_id)
    assert declaration.version_count == 1 and declaration.state == SUBMITTED
    submitted = db.session.scalar(
        select(func.count()).where(AuditEntry.action == "declaration.submitted")
    )
    assert submitted == 1


@pytest.fixture
def make_pg_user(pg_app: Any) -> tuple[Any, Any]:
    """A department and a user factory on the PostgreSQL app (make_user is SQLite's)."""
    department = create_department(db.session, "DCS", "Department for Children's Services", None)
    db.session.commit()

    def factory(role: str) -> User:
        fields = UserFields(f"{role}@example.gov.uk", "Pat Official", role, department)
        user = create_user_with_password(db.session, fields)
        db.session.commit()
        return user

    return department, factory


@pytest.mark.postgres
def test_two_threads_submit_one_draft_on_postgres(pg_app, make_pg_user):
    department, make_user = make_pg_user
    assert db.engine.dialect.name == "postgresql"
    declaration_id, official_id = draft(make_user, department)
    assert_one_version(declaration_id, race(db.engine, declaration_id, official_id))


def test_two_threads_submit_one_draft_on_sqlite(app, make_user, department):
    declaration_id, official_id = draft(make_user, department)
    assert_one_version(declaration_id, race(db.engine, declaration_id, official_id))


def test_a_stale_copy_of_the_draft_cannot_submit_again(app, make_user, department):
    """The same rule without threads: the second session still thinks the draft is a draft."""
    declaration_id, official_id = draft(make_user, department)
    first, second = Session(db.engine), Session(db.engine)
    copies = [(s, s.get(Declaration, declaration_id), s.get(User, official_id))
              for s in (first, second)]  # fmt: skip
    for _, declaration, _ in copies:
        services.live_interests(declaration)
    session, declaration, official = copies[0]
    services.submit(session, declaration, official, nil_return=False, amendment_reason=None,
                    ip_address=None)  # fmt: skip
    session.commit()
    session, declaration, official = copies[1]
    assert declaration.version_count == 0  # stale
    with pytest.raises(services.DeclarationError, match="already been submitted"):
        services.submit(session, declaration, official, nil_return=False, amendment_reason=None,
                        ip_address=None)  # fmt: skip
    first.close()
    second.close()
    assert_one_version(declaration_id, ["refused: This declaration has already been submitted",
                                        "submitted"])  # fmt: skip
