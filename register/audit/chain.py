"""The hash chain over audit entries, in plain Python so it can be checked anywhere."""

from __future__ import annotations

import hashlib
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


def entry_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    """Hash an entry's fields together with the previous entry's hash."""
    payload = {name: fields[name] for name in HASHED_FIELDS}
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_broken_seq: int | None
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.first_broken_seq is None


def verify_chain(entries: Iterable[Mapping[str, Any]]) -> ChainReport:
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
        if entry_hash(prev, entry) != entry["entry_hash"]:
            return ChainReport(checked, seq, f"entry {seq} was altered after it was written")
        prev = entry["entry_hash"]
        expected_seq += 1
        checked += 1
    return ChainReport(checked, None, None)
