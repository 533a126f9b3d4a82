"""Writing audit entries and verifying the stored chain (SQLAlchemy session, no Flask)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from register.audit.chain import GENESIS_HASH, HASHED_FIELDS, ChainReport, entry_hash, verify_chain
from register.candidate_index import hold_screening_lock
from register.clock import utcnow
from register.models import AuditEntry, AuditHead, User

# The deployment's AUDIT_KEY, set once at start-up from the settings (`runtime.init_app`), as the
# clock's display zone is: every entry point of one process writes to one register.
_key: bytes | None = None


def use_key(key: bytes) -> None:
    global _key
    _key = key


def chain_key() -> bytes:
    if _key is None:
        raise RuntimeError("the audit key is not set: create the app before writing audit entries")
    return _key


@dataclass(frozen=True)
class Entry:
    """What one audit entry says; `record_all` writes several under one take of the head."""

    action: str
    summary: str
    actor: User | None = None
    actor_label: str | None = None
    object_type: str | None = None
    object_id: object = None
    details: dict[str, Any] | None = None
    ip_address: str | None = None


@dataclass(frozen=True)
class Written:
    """Where an entry went in the chain."""

    seq: int
    prev_hash: str
    entry_hash: str


def record(
    session: Session,
    action: str,
    summary: str,
    *,
    actor: User | None = None,
    actor_label: str | None = None,
    object_type: str | None = None,
    object_id: object = None,
    details: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> Written:
    """Append an entry in the caller's transaction; it commits or rolls back with the change."""
    entry = Entry(action, summary, actor, actor_label, object_type, object_id, details, ip_address)
    return record_all(session, [entry])[0]


def hold_chain(session: Session) -> None:
    """Take the chain head now, until the transaction ends, as the first entry would (the
    screening lock shared, then the head; PostgreSQL only, SQLite has one writer).

    For a change that writes rows another audited transaction may also write before it
    records its entry: a screening that audited a submission and then withdraws the official's
    flags, against a decision that wrote those flags and then waited for the head, deadlocked.
    Taken first, the head is the one queue both wait in."""
    if session.get_bind().dialect.name != "postgresql":
        return
    hold_screening_lock(session, exclusive=False)
    session.execute(select(AuditHead.id).where(AuditHead.id == 1).with_for_update())


# The head is changed with Core semantics: no object in the session mirrors it, and ORM-enabled
# UPDATEs would otherwise search every object in the session after each entry (quadratic in a
# screening that opens hundreds of cases).
_NO_SYNC = {"synchronize_session": False}


def record_all(session: Session, entries: Sequence[Entry]) -> list[Written]:
    """Append entries in order, in the caller's transaction, taking the chain head once."""
    if not entries:
        return []
    # One lock order for every transaction: the screening lock, then the chain head. An import's
    # screening batch takes the screening lock exclusive and then audits; a transaction that
    # took the chain head first and then waited for the screening lock (a declaration started
    # and submitted at once) would deadlock with it. Shared here, so auditors never wait for
    # each other on it; a transaction that holds it exclusive already has it.
    hold_screening_lock(session, exclusive=False)
    # Take the chain head with an UPDATE first: it holds a write lock on every database, so two
    # concurrent writers queue up instead of linking to the same previous entry. RETURNING
    # reads the new head in the same statement: the entries take the sequence numbers up to it.
    bump = (
        update(AuditHead)
        .where(AuditHead.id == 1)
        .values(seq=AuditHead.seq + len(entries))
        .returning(AuditHead.seq, AuditHead.last_hash)
        .execution_options(**_NO_SYNC)
    )
    head = session.execute(bump).one_or_none()
    if head is None:
        # The very first entry: create the head. Two first writers may race to insert it; the
        # loser's insert fails on the primary key, and both then take the head with the UPDATE.
        try:
            with session.begin_nested():
                session.add(AuditHead(id=1, seq=0, last_hash=GENESIS_HASH))
        except IntegrityError:
            pass
        head = session.execute(bump).one()
    previous = head.last_hash
    rows: list[dict[str, Any]] = []
    written: list[Written] = []
    for seq, fields in enumerate(entries, start=head.seq - len(entries) + 1):
        actor = fields.actor
        row = {
            "seq": seq,
            "occurred_at": utcnow(),
            "actor_id": actor.id if actor is not None else None,
            "actor_label": fields.actor_label or (actor.email if actor is not None else "system"),
            "action": fields.action,
            "object_type": fields.object_type,
            "object_id": None if fields.object_id is None else str(fields.object_id),
            "summary": fields.summary,
            "details": json.dumps(fields.details or {}, sort_keys=True, default=str),
            "ip_address": fields.ip_address,
            "prev_hash": previous,
        }
        row["entry_hash"] = entry_hash(previous, _hashed(row), chain_key())
        written.append(Written(seq, previous, row["entry_hash"]))
        previous = row["entry_hash"]
        rows.append(row)
    # Rows, not objects: one statement for many entries, and no object per entry to track.
    session.execute(insert(AuditEntry), rows)
    session.execute(
        update(AuditHead)
        .where(AuditHead.id == 1)
        .values(last_hash=previous)
        .execution_options(**_NO_SYNC)
    )
    return written


def hashable(entry: AuditEntry) -> dict[str, Any]:
    return _hashed({name: getattr(entry, name) for name in HASHED_FIELDS})


def _hashed(row: dict[str, Any]) -> dict[str, Any]:
    """The fields an entry's hash covers, from an entry's row."""
    fields = {name: row[name] for name in HASHED_FIELDS}
    fields["occurred_at"] = row["occurred_at"].isoformat()
    return fields


def _stored_entries(session: Session, batch: int = 5000) -> Iterator[dict[str, Any]]:
    last = 0
    while True:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.seq > last).order_by(AuditEntry.seq).limit(batch)
        ).all()
        if not rows:
            return
        for row in rows:
            fields = hashable(row)
            fields["prev_hash"] = row.prev_hash
            fields["entry_hash"] = row.entry_hash
            yield fields
        last = rows[-1].seq
        session.expunge_all()


def verify(session: Session) -> ChainReport:
    """Verify the whole stored chain, reading it in batches, and that it ends at the head.

    The head row records the last sequence number and hash written, so deleting the newest
    entries (which leaves an intact but shorter chain) is detected too.
    """
    last: dict[str, Any] = {"seq": 0, "hash": GENESIS_HASH}

    def tracked() -> Iterator[dict[str, Any]]:
        for fields in _stored_entries(session):
            last["seq"], last["hash"] = fields["seq"], fields["entry_hash"]
            yield fields

    report = verify_chain(tracked(), chain_key())
    if not report.ok:
        return report
    head = session.scalar(select(AuditHead).where(AuditHead.id == 1))
    head_seq = head.seq if head is not None else 0
    head_hash = head.last_hash if head is not None else GENESIS_HASH
    if head_seq > last["seq"]:
        missing = last["seq"] + 1
        return ChainReport(
            report.checked,
            missing,
            f"entry {missing} is missing (the log should end at entry {head_seq})",
        )
    if head_seq != last["seq"] or head_hash != last["hash"]:
        return ChainReport(
            report.checked,
            last["seq"],
            f"entry {last['seq']} does not match the chain head (seq {head_seq})",
        )
    return report
