"""The hash chain over audit entries, in plain Python so it can be checked anywhere.

Each entry's hash is an HMAC-SHA256, keyed with the deployment's AUDIT_KEY, of the previous
entry's hash and the entry's fields. The key is held outside the database: whoever can write to
the database but lacks the key cannot rewrite an entry and recompute the hashes after it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS_HASH = "0" * 64
HASHED_FIELDS = (
    "seq",
    "occurred_at",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "summary",
    "details",
    "ip_address",
)


def canonical_fields(fields: Mapping[str, Any]) -> str:
    payload = {name: fields[name] for name in HASHED_FIELDS}
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)


def entry_hash(prev_hash: str, fields: Mapping[str, Any], key: bytes) -> str:
    """Hash an entry's fields together with the previous entry's hash, keyed."""
    message = (prev_hash + canonical_fields(fields)).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def unkeyed_entry_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    """The chain's hash before it was keyed (migration 0015 re-keys entries written with it)."""
    return hashlib.sha256((prev_hash + canonical_fields(fields)).encode()).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_broken_seq: int | None
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.first_broken_seq is None


def verify_chain(entries: Iterable[Mapping[str, Any]], key: bytes) -> ChainReport:
    """Check entries in sequence order; report the first one whose link or content is wrong."""
    prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for entry in entries:
        seq = entry["seq"]
        if seq != expected_seq:
            return ChainReport(checked, seq, f"entry {expected_seq} is missing (found {seq})")
        if entry["prev_hash"] != prev:
            return ChainReport(checked, seq, f"entry {seq} does not link to entry {seq - 1}")
        if not hmac.compare_digest(entry_hash(prev, entry, key), entry["entry_hash"]):
            return ChainReport(checked, seq, f"entry {seq} was altered after it was written")
        prev = entry["entry_hash"]
        expected_seq += 1
        checked += 1
    return ChainReport(checked, None, None)
