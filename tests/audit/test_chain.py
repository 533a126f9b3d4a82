"""The audit log: entries for every action, the hash chain, and tamper detection."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from register.audit.chain import GENESIS_HASH, entry_hash, verify_chain
from register.audit.log import Entry, record, record_all, verify
from register.extensions import db
from register.models import AuditEntry, AuditHead, ImmutableRecordError
from tests.audit.tamper import as_database_owner
from tests.conftest import sign_in
from tests.declarations.helpers import add, directorship, open_cycle, start, submit

KEY = b"a key for the plain Python chain"


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))


def run_verify(runner: Any) -> Any:
    db.session.remove()  # the command reads what is committed, like a separate process would
    return runner.invoke(args=["audit", "verify"])


def test_every_foundation_action_is_audited(client, make_user, department):
    official = make_user("official")
    cycle = open_cycle([department])
    sign_in(client, official, "wrong-password-1")
    sign_in(client, official)
    url = start(client, cycle)
    add(client, url, "directorship", directorship())
    submit(client, url)
    client.post(f"{url}/amend")
    submit(client, url, amendment_reason="No change")
    client.post("/auth/sign-out")
    logged = actions()
    expected = ["auth.sign_in_failed", "auth.sign_in", "declaration.started", "interest.added",
                "declaration.submitted", "declaration.amendment_started", "declaration.amended",
                "auth.sign_out"]  # fmt: skip
    assert logged[-len(expected) :] == expected
    mine = db.session.scalars(select(AuditEntry).where(AuditEntry.action.in_(expected[1:])))
    assert {e.actor_id for e in mine} == {official.id}


def test_verify_passes_then_detects_an_altered_entry(app, runner, make_user):
    for n in range(5):
        make_user("official", email=f"person{n}@example.gov.uk")
    result = run_verify(runner)
    assert result.exit_code == 0, result.output
    total = db.session.scalar(select(AuditHead.seq))
    assert f"Audit chain intact: {total} entries verified" in result.output
    as_database_owner("UPDATE audit_entry SET summary = 'nothing happened' WHERE seq = 4")
    result = run_verify(runner)
    assert result.exit_code == 1
    assert "BROKEN at entry 4" in result.output and "altered" in result.output
    assert "3 entries verified before it" in result.output


def test_verify_detects_a_rewritten_link(app, runner, make_user):
    for n in range(3):
        make_user("official", email=f"person{n}@example.gov.uk")
    as_database_owner(
        "UPDATE audit_entry SET prev_hash = :genesis WHERE seq = 2", {"genesis": GENESIS_HASH}
    )
    result = run_verify(runner)
    assert result.exit_code == 1 and "BROKEN at entry 2" in result.output


def test_verify_detects_a_deleted_entry(app, runner, make_user):
    for n in range(5):
        make_user("official", email=f"person{n}@example.gov.uk")
    as_database_owner("DELETE FROM audit_entry WHERE seq = 3")
    result = run_verify(runner)
    assert result.exit_code == 1
    assert "entry 3 is missing" in result.output


def test_verify_detects_deleting_the_newest_entries(app, runner, make_user):
    for n in range(5):
        make_user("official", email=f"person{n}@example.gov.uk")
    last = db.session.scalar(select(AuditHead.seq))
    as_database_owner("DELETE FROM audit_entry WHERE seq >= :seq", {"seq": last - 1})
    result = run_verify(runner)
    assert result.exit_code == 1, "truncating the tail of the log went unnoticed"
    assert f"entry {last - 1} is missing" in result.output


def test_orm_refuses_to_change_or_delete_entries(app, make_user):
    make_user("official")
    entry = db.session.scalars(select(AuditEntry)).first()
    entry.summary = "changed"
    with pytest.raises(ImmutableRecordError):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(ImmutableRecordError):
        db.session.delete(db.session.scalars(select(AuditEntry)).first())
        db.session.flush()
    db.session.rollback()


def test_rolled_back_changes_leave_no_entry_and_no_gap(app, make_user):
    make_user("official")
    before = db.session.scalar(select(AuditHead.seq))
    record(db.session, "test.rolled_back", "never happened")
    db.session.rollback()
    record(db.session, "test.kept", "happened")
    db.session.commit()
    assert db.session.scalar(select(AuditHead.seq)) == before + 1
    assert verify(db.session).ok


def test_entries_recorded_together_take_consecutive_places_in_the_chain(app, make_user):
    """record_all takes the head once for several entries (a screening opening many cases):
    they link in order, the head ends at the last, and a single entry follows on."""
    official = make_user("official")
    before = db.session.scalar(select(AuditHead.seq))
    written = record_all(
        db.session,
        [Entry("test.together", f"entry {n}", actor=official, details={"n": n}) for n in range(3)],
    )
    after = record(db.session, "test.after", "next")
    db.session.commit()
    assert [e.seq for e in written] == [before + 1, before + 2, before + 3]
    assert [e.prev_hash for e in written[1:]] == [e.entry_hash for e in written[:-1]]
    assert after.seq == before + 4 and after.prev_hash == written[-1].entry_hash
    head = db.session.execute(select(AuditHead.seq, AuditHead.last_hash)).one()
    assert tuple(head) == (before + 4, after.entry_hash)
    stored = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "test.together").order_by(AuditEntry.seq)
    )
    assert [(e.seq, e.actor_id, e.entry_hash) for e in stored] == [
        (w.seq, official.id, w.entry_hash) for w in written
    ]
    assert record_all(db.session, []) == []
    assert verify(db.session).ok


def test_verify_chain_in_plain_python():
    entries, prev = [], GENESIS_HASH
    for seq in (1, 2, 3):
        fields = {"seq": seq, "occurred_at": "2026-01-01T00:00:00+00:00", "actor_id": None,
                  "actor_label": "system", "action": "x", "object_type": None,
                  "object_id": None, "summary": f"entry {seq}", "details": "{}",
                  "ip_address": None}  # fmt: skip
        digest = entry_hash(prev, fields, KEY)
        entries.append({**fields, "prev_hash": prev, "entry_hash": digest})
        prev = digest
    assert verify_chain(entries, KEY).ok and verify_chain(entries, KEY).checked == 3
    tampered = [dict(e) for e in entries]
    tampered[1]["actor_label"] = "someone else"
    report = verify_chain(tampered, KEY)
    assert (report.first_broken_seq, report.checked) == (2, 1)
    # Without the key, the same entries do not verify: the hashes are keyed.
    assert verify_chain(entries, b"another key").first_broken_seq == 1


def write_entries(engine: Any, label: str, count: int, barrier: threading.Barrier,
                  errors: list[BaseException]) -> None:  # fmt: skip
    try:
        barrier.wait(timeout=10)
        for n in range(count):
            with Session(engine) as session:
                record(session, "test.concurrent", f"{label} {n}")
                session.commit()
    except BaseException as exc:  # noqa: BLE001 - reported by the test
        errors.append(exc)


def concurrent_writes(engine: Any, threads: int = 2, each: int = 20) -> list[BaseException]:
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []
    workers = [threading.Thread(target=write_entries, args=(engine, f"t{t}", each, barrier, errors))
               for t in range(threads)]  # fmt: skip
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    return errors


@pytest.mark.postgres
def test_concurrent_writers_do_not_fork_the_chain_on_postgres(pg_app):
    engine = db.engine
    assert engine.dialect.name == "postgresql"
    assert db.session.scalar(select(AuditHead)) is None  # the very first entries race too
    errors = concurrent_writes(engine)
    assert errors == []
    seqs = list(db.session.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)))
    assert seqs == list(range(1, 41))
    assert verify(db.session).ok
    result = pg_app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "40 entries verified" in result.output


def test_concurrent_writers_do_not_fork_the_chain_on_sqlite(app):
    db.session.execute(delete(AuditHead))
    db.session.commit()
    errors = concurrent_writes(db.engine, each=10)
    assert errors == []
    assert verify(db.session).ok
    assert db.session.scalar(select(AuditHead.seq)) == 20
