"""Checkpoints of the audit chain's head, for auditors to keep outside the register.

The keyed chain stops a database writer without AUDIT_KEY from rewriting entries, but not from
deleting the newest entries and moving the head back, nor someone holding the key from
rewriting everything. A checkpoint is a small signed document naming the head at one moment
(sequence number, hash, entry count, time). Kept outside the system (emailed to the auditors,
printed in each public register edition), it proves later that the log still contains that head
and at least that many entries.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from register.audit.log import chain_key
from register.clock import utcnow
from register.models import AuditEntry, AuditHead

FORMAT = "register-audit-checkpoint/1"
FIELDS = ("format", "seq", "entry_hash", "entries", "taken_at")


class CheckpointError(ValueError):
    """A checkpoint document that cannot be read or whose signature is wrong."""


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    entry_hash: str
    entries: int
    taken_at: str

    def fields(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "seq": self.seq,
            "entry_hash": self.entry_hash,
            "entries": self.entries,
            "taken_at": self.taken_at,
        }

    def signed(self, key: bytes) -> dict[str, Any]:
        return {**self.fields(), "signature": _sign(self.fields(), key)}

    def document(self, key: bytes) -> str:
        """The signed JSON document."""
        return json.dumps(self.signed(key), indent=2)


def _sign(fields: dict[str, Any], key: bytes) -> str:
    # Domain-separated from the chain's own hashes, so a signature is never a valid entry hash.
    message = ("checkpoint:" + json.dumps(fields, sort_keys=True, separators=(",", ":"))).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def take(session: Session, at: datetime | None = None) -> Checkpoint:
    """The chain's head now (an empty log has the head 0)."""
    # Columns, not the object: audit writes change the head row without refreshing objects.
    head = session.execute(
        select(AuditHead.seq, AuditHead.last_hash).where(AuditHead.id == 1)
    ).one_or_none()
    entries = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
    return Checkpoint(
        seq=head.seq if head is not None else 0,
        entry_hash=head.last_hash if head is not None else "0" * 64,
        entries=entries,
        taken_at=(at or utcnow()).isoformat(timespec="seconds"),
    )


def parse(text: str) -> Checkpoint:
    """Read a checkpoint document, or the one in a public register edition's JSON, and check
    its signature with this deployment's key."""
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise CheckpointError(f"not a checkpoint document: {error}") from None
    if isinstance(raw, dict) and isinstance(raw.get("audit_checkpoint"), dict):
        raw = raw["audit_checkpoint"]
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise CheckpointError(f"not a checkpoint document (format {FORMAT!r} expected)")
    try:
        checkpoint = Checkpoint(
            seq=int(raw["seq"]),
            entry_hash=str(raw["entry_hash"]),
            entries=int(raw["entries"]),
            taken_at=str(raw["taken_at"]),
        )
        signature = str(raw["signature"])
    except (KeyError, TypeError, ValueError) as error:
        raise CheckpointError(f"checkpoint field missing or wrong: {error}") from None
    if not hmac.compare_digest(_sign(checkpoint.fields(), chain_key()), signature):
        raise CheckpointError("the checkpoint's signature is wrong (edited, or another key)")
    return checkpoint


def problem_with(session: Session, checkpoint: Checkpoint) -> str | None:
    """Why the stored log no longer contains the checkpoint's head, or None if it does."""
    if checkpoint.seq == 0:
        return None
    stored = session.scalar(select(AuditEntry.entry_hash).where(AuditEntry.seq == checkpoint.seq))
    if stored is None:
        return f"entry {checkpoint.seq}, the head at the checkpoint, is no longer in the log"
    if not hmac.compare_digest(stored, checkpoint.entry_hash):
        return f"entry {checkpoint.seq} has a different hash from the one checkpointed"
    head_seq = session.scalar(select(AuditHead.seq).where(AuditHead.id == 1)) or 0
    entries = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
    if head_seq < checkpoint.seq or entries < checkpoint.entries:
        return (
            f"the log has {entries} entries up to entry {head_seq}, fewer than the "
            f"{checkpoint.entries} up to entry {checkpoint.seq} checkpointed"
        )
    return None
