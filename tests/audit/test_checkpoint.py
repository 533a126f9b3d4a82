"""A database writer cannot rewrite the audit log unseen: keyed hashes, append-only triggers,
and signed checkpoints of the head kept outside the register."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from register import ConfigurationError, create_app
from register.audit.chain import unkeyed_entry_hash
from register.audit.log import hashable
from register.extensions import db
from register.models import AuditEntry, AuditHead, OutboundEmail, PublishedEdition
from tests.audit.tamper import as_database_owner


def entries(make_user: Any, count: int = 6) -> None:
    for n in range(count):
        make_user("official", email=f"person{n}@example.gov.uk")
    db.session.commit()


def checkpoint(runner: Any, path: Path) -> None:
    db.session.remove()
    result = runner.invoke(args=["audit", "checkpoint", "--output", str(path)])
    assert result.exit_code == 0, result.output


def verify(runner: Any, *paths: Path) -> Any:
    db.session.remove()  # the command reads what is committed, like a separate process would
    options = [arg for path in paths for arg in ("--checkpoint", str(path))]
    return runner.invoke(args=["audit", "verify", *options])


@pytest.mark.parametrize(
    "sql", ["UPDATE audit_entry SET summary = 'nothing happened' WHERE seq = 2",
            "DELETE FROM audit_entry WHERE seq = 2"],
)  # fmt: skip
def test_the_database_refuses_to_change_or_delete_an_entry(app, make_user, sql):
    entries(make_user, 3)
    with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as connection:
        connection.execute(text(sql))
    assert db.session.scalar(select(AuditEntry.summary).where(AuditEntry.seq == 2)) != (
        "nothing happened"
    )


def test_a_checkpoint_catches_the_newest_entries_deleted_and_the_head_reset(
    app, runner, make_user, tmp_path
):
    entries(make_user)
    saved = tmp_path / "checkpoint.json"
    checkpoint(runner, saved)
    document = json.loads(saved.read_text())
    assert document["seq"] == db.session.scalar(select(AuditHead.seq)) and document["signature"]
    result = verify(runner, saved)
    assert result.exit_code == 0, result.output
    assert "its head is in the log" in result.output

    # Delete the last three entries and move the head back: the chain itself is intact again.
    keep = document["seq"] - 3
    last_kept = db.session.scalar(select(AuditEntry.entry_hash).where(AuditEntry.seq == keep))
    as_database_owner("DELETE FROM audit_entry WHERE seq > :seq", {"seq": keep})
    with db.engine.begin() as connection:
        connection.execute(
            text("UPDATE audit_head SET seq = :seq, last_hash = :hash"),
            {"seq": keep, "hash": last_kept},
        )
    assert verify(runner).exit_code == 0  # only the checkpoint can tell
    result = verify(runner, saved)
    assert result.exit_code == 1
    assert f"checkpoint {saved}" in result.output
    assert f"entry {document['seq']}, the head at the checkpoint, is no longer" in result.output


def test_an_entry_rewritten_with_the_unkeyed_hash_is_detected(app, runner, make_user, tmp_path):
    entries(make_user)
    saved = tmp_path / "checkpoint.json"
    checkpoint(runner, saved)
    # An attacker edits entry 2 and recomputes every later hash the old way (no key).
    rows = list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
    prev = rows[0].entry_hash
    updates = []
    for row in rows[1:]:
        fields = hashable(row)
        if row.seq == 2:
            fields["summary"] = "nothing happened"
        digest = unkeyed_entry_hash(prev, fields)
        updates.append({"seq": row.seq, "summary": fields["summary"], "prev": prev, "hash": digest})
        prev = digest
    db.session.rollback()
    for change in updates:
        as_database_owner(
            "UPDATE audit_entry SET summary = :summary, prev_hash = :prev, entry_hash = :hash "
            "WHERE seq = :seq",
            change,
        )
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE audit_head SET last_hash = :hash"), {"hash": prev})
    result = verify(runner, saved)
    assert result.exit_code == 1
    assert "BROKEN at entry 2" in result.output and "altered" in result.output
    assert "different hash from the one checkpointed" in result.output


def test_an_edited_checkpoint_is_refused(app, runner, make_user, tmp_path):
    entries(make_user, 2)
    saved = tmp_path / "checkpoint.json"
    checkpoint(runner, saved)
    document = json.loads(saved.read_text())
    document["entries"] = 1  # hide later losses by lowering what was checkpointed
    saved.write_text(json.dumps(document))
    result = verify(runner, saved)
    assert result.exit_code == 1 and "signature is wrong" in result.output
    saved.write_text("not json")
    assert "not a checkpoint document" in verify(runner, saved).output


def test_checkpoint_is_audited_and_emailed_to_the_auditors(app, runner, make_user):
    entries(make_user, 2)
    db.session.remove()
    result = runner.invoke(args=["audit", "checkpoint", "--email"])
    assert result.exit_code == 0, result.output
    email = db.session.scalar(select(OutboundEmail).where(OutboundEmail.kind == "audit_checkpoint"))
    assert email is not None and email.to == app.config["AUDITOR_MAILBOX"]
    head = db.session.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
    assert head.action == "audit.checkpoint"
    assert f'"seq": {head.seq}' in email.body  # the checkpoint includes its own entry
    assert runner.invoke(args=["audit", "checkpoint"]).exit_code == 1  # nowhere to put it


@pytest.mark.parametrize("key", [None, "", "short", "dev-only-audit-key", "x" * 64])
def test_production_refuses_a_missing_weak_or_shared_audit_key(tmp_path, key):
    with pytest.raises(ConfigurationError, match="AUDIT_KEY"):
        create_app("production", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.sqlite",
                                   "SECRET_KEY": "x" * 64, "AUDIT_KEY": key,
                                   "BASE_URL": "https://register.example.gov.uk"})  # fmt: skip


def test_the_demo_verifies_against_its_own_checkpoint(app, runner, tmp_path):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    saved = tmp_path / "checkpoint.json"
    checkpoint(runner, saved)
    result = verify(runner, saved)
    assert result.exit_code == 0, result.output


def test_each_public_edition_carries_a_checkpoint_that_verify_reads(
    app, client, runner, make_user, department, tmp_path
):
    from register.admin.services import create_cycle
    from tests.conftest import sign_in

    cycle = create_cycle(db.session, "2026/27", date(2026, 4, 1), date(2026, 6, 30), [department],
                         None)  # fmt: skip
    db.session.commit()
    sign_in(client, make_user("admin"))
    assert client.post("/admin/public-register/", data={"cycle_id": cycle.id}).status_code == 302
    edition = db.session.scalars(select(PublishedEdition)).one()
    saved = tmp_path / "edition.json"
    saved.write_bytes(client.get(f"/public/editions/{edition.id}.json").get_data())
    checkpointed = json.loads(saved.read_text())["audit_checkpoint"]
    page = client.get(f"/public/editions/{edition.id}").get_data(as_text=True)
    assert checkpointed["entry_hash"] in page
    result = verify(runner, saved)
    assert result.exit_code == 0, result.output
    as_database_owner("DELETE FROM audit_entry WHERE seq >= :seq", {"seq": checkpointed["seq"]})
    assert verify(runner, saved).exit_code == 1
