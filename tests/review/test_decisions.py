"""Decisions: required reason, superseding, reopening, bulk dismissal, concurrency."""

import json
import threading

import pytest
from sqlalchemy import select, update
from werkzeug.datastructures import MultiDict

from register import runtime
from register.extensions import db
from register.models import AuditEntry, Decision, Flag, User
from register.models.declarations import ImmutableRecordError
from register.models.flags import DECIDED, REOPENED
from register.review import services
from register.screening import screen_declaration
from tests.conftest import PASSWORD, create_user_with_password, date_fields, sign_in
from tests.review.helpers import add_award


def _decide(client, flag_id, outcome, reason, **extra):
    return client.post(
        f"/review/flags/{flag_id}/decide", data={"outcome": outcome, "reason": reason, **extra}
    )


def test_reason_required_and_nothing_saved(client, scene):
    sign_in(client, scene.officer)
    response = _decide(client, scene.flag.id, "same_no_conflict", "  ")
    assert response.status_code == 400
    assert "Give the reason" in response.get_data(as_text=True)
    assert db.session.query(Decision).count() == 0


def test_new_decision_supersedes_and_both_are_kept(client, scene):
    flag_id = scene.flag.id
    sign_in(client, scene.officer)
    escalation = _decide(client, flag_id, "escalated", "Needs the permanent secretary",
                         escalate_to_id=scene.other_officer.id)  # fmt: skip
    assert escalation.status_code == 302
    assert (
        _decide(client, flag_id, "same_no_conflict", "Contract let before she joined").status_code
        == 302
    )
    db.session.expire_all()
    first, second = db.session.scalars(select(Decision).order_by(Decision.id)).all()
    assert first.superseded_by_id == second.id and second.superseded_by_id is None
    flag = db.session.get(Flag, flag_id)
    assert flag.status == DECIDED and flag.current_decision.id == second.id
    assert second.interest_digest == flag.interest_digest
    assert second.award_digest == flag.award_digest
    page = client.get(f"/review/flags/{flag_id}").get_data(as_text=True)
    assert f"superseded by decision {second.id}" in page and "Needs the permanent secretary" in page
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "decision.recorded")
    ).all()
    assert len(entries) == 2 and entries[1].actor_id == scene.officer.id
    assert json.loads(entries[1].details)["before"][0]["decision_id"] == first.id
    # Kept means kept: a recorded decision can be neither edited nor deleted, nor re-superseded.
    for change in (
        lambda: setattr(first, "reason", "rewritten"),
        lambda: setattr(first, "superseded_by_id", None),
        lambda: db.session.delete(second),
    ):
        change()
        with pytest.raises(ImmutableRecordError):
            db.session.flush()
        db.session.rollback()


def test_amended_interest_reopens_flag_with_reason(client, scene):
    flag_id = scene.flag.id
    sign_in(client, scene.officer)
    _decide(client, flag_id, "same_no_conflict", "Interest ended before the award")
    client.post("/auth/sign-out")
    sign_in(client, scene.official)
    url = f"/declarations/{scene.declaration.id}"
    assert client.post(url + "/amend").status_code == 302
    interest = scene.declaration.interests[0]
    data = MultiDict(
        [
            ("whose", "self"),
            ("organisation_name", "Morning Lane Associates Ltd"),
            ("identifier_scheme", "GB-COH"),
            ("organisation_identifier", "07125387"),
            ("role", "executive_director"),
            ("paid", "yes"),
            *date_fields("start_date", 1, 2, 2009),
            *date_fields("end_date", 31, 3, 2025),
        ]
    )
    assert client.post(f"{url}/interests/{interest.id}/edit", data=data).status_code == 302
    response = client.post(
        url + "/review", data={"attest": "y", "amendment_reason": "Resigned later"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    flag = db.session.get(Flag, flag_id)
    assert flag.status == REOPENED
    client.post("/auth/sign-out")
    sign_in(client, scene.officer)
    page = client.get(f"/review/flags/{flag_id}").get_data(as_text=True)
    assert "the declared interest had its end date changed in version 2" in page
    assert "Morning Lane" in client.get("/review/?status=reopened").get_data(as_text=True)


def test_bulk_dismiss_one_decision_per_flag(client, scene, department):
    add_award(department, "Morning Lane Associates Ltd", "07125387", n=2)
    screen_declaration(db.session, scene.declaration, runtime.settings())
    db.session.commit()
    ids = [f.id for f in db.session.scalars(select(Flag))]
    assert len(ids) == 2
    sign_in(client, scene.officer)
    data = MultiDict([("reason", "A different Morning Lane"), *[("flag_id", i) for i in ids]])
    assert client.post("/review/dismiss", data=data).status_code == 302
    decisions = db.session.scalars(select(Decision)).all()
    assert sorted(d.flag_id for d in decisions) == sorted(ids)
    assert {d.outcome for d in decisions} == {"not_same_organisation"}
    assert {d.reason for d in decisions} == {"A different Morning Lane"}
    audited = db.session.scalars(
        select(AuditEntry.object_id).where(AuditEntry.action == "decision.recorded")
    ).all()
    assert sorted(audited) == sorted(str(i) for i in ids)
    assert "No flags match" in client.get("/review/").get_data(as_text=True)


def _race(app, flag_id: int, officer_ids: list[int]) -> list[BaseException]:
    barrier = threading.Barrier(len(officer_ids))
    errors: list[BaseException] = []

    def work(officer_id: int) -> None:
        with app.app_context():
            try:
                officer = db.session.get(User, officer_id)
                barrier.wait()
                services.decide(
                    db.session, flag_id, officer, "same_no_conflict", f"by {officer_id}"
                )
                db.session.commit()
            except BaseException as exc:  # noqa: BLE001 - reported by the test
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(i,)) for i in officer_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def _assert_one_current(flag_id: int) -> None:
    db.session.expire_all()
    decisions = db.session.scalars(select(Decision).where(Decision.flag_id == flag_id)).all()
    assert len(decisions) == 2
    assert [d.superseded_by_id is None for d in decisions].count(True) == 1


def test_concurrent_decisions_sqlite(app, scene):
    flag_id = scene.flag.id
    errors = _race(app, flag_id, [scene.officer.id, scene.other_officer.id])
    assert not errors
    _assert_one_current(flag_id)


def _postgres_scene():
    from register.admin.services import UserFields, create_department
    from tests.review.helpers import build_scene

    department = create_department(db.session, "DCS", "Department for Children's Services", None)
    count = iter(range(100))

    def make_user(role="official", full_name=None):
        fields = UserFields(
            f"{role}{next(count)}@example.gov.uk",
            full_name or role.title(),
            role,
            department if role == "official" else None,
        )
        user = create_user_with_password(db.session, fields, None, PASSWORD)
        if role == "compliance":
            user.assigned_departments = [department]
        db.session.flush()
        return user

    return build_scene(make_user, department)


def test_concurrent_decisions_postgresql(pg_app):
    scene = _postgres_scene()
    flag_id = scene.flag.id
    errors = _race(pg_app, flag_id, [scene.officer.id, scene.other_officer.id])
    assert not errors
    _assert_one_current(flag_id)


def test_a_decision_during_a_screening_of_the_same_flags_waits_and_never_deadlocks(pg_app):
    """A submission audits first and then its screening writes the official's flags; a decision
    writes the flags and then audits. The decision takes the audit chain first, so it waits for
    the screening instead of holding a flag the screening needs (a deadlock: one request 503)."""
    from register.audit.log import record

    scene = _postgres_scene()
    db.session.commit()
    flag_id, officer_id = scene.flag.id, scene.officer.id
    record(db.session, "declaration.submitted", "Declaration submitted")  # holds the head
    errors: list[BaseException] = []

    def decide() -> None:
        with pg_app.app_context():
            try:
                officer = db.session.get(User, officer_id)
                services.decide(db.session, flag_id, officer, "same_no_conflict", "Checked")
                db.session.commit()
            except BaseException as exc:  # noqa: BLE001 - reported by the test
                errors.append(exc)
            finally:
                db.session.remove()

    deciding = threading.Thread(target=decide)
    deciding.start()
    deciding.join(2.0)  # beyond PostgreSQL's deadlock_timeout (1 s), had it written the flag
    assert deciding.is_alive(), f"the decision did not wait for the audit chain: {errors}"
    db.session.execute(update(Flag).where(Flag.id == flag_id).values(active=True))  # screening
    db.session.commit()
    deciding.join(30)
    assert not errors, errors
    db.session.expire_all()
    assert db.session.get(Flag, flag_id).status == DECIDED
