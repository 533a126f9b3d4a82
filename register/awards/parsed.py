"""What the award parser yields (`ParsedAward`, `ParsedSupplier`), its counters, and how a
record-level problem becomes a `RejectedRecord`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from register.ingest.rejections import RejectedRecord, record_text

__all__ = ["ParseStats", "ParsedAward", "ParsedSupplier", "child", "reject"]


@dataclass(frozen=True, slots=True)
class ParsedSupplier:
    name: str
    aliases: tuple[str, ...]
    identifiers: tuple[tuple[str, str], ...]
    party_id: str | None


@dataclass(frozen=True, slots=True)
class ParsedAward:
    ocid: str
    award_id: str
    release_id: str | None
    release_date: datetime | None
    title: str | None
    description: str | None
    status: str | None
    buyer_name: str | None
    buyer_identifier: str | None
    value: Decimal | None
    currency: str | None
    award_date: date | None
    contract_start: date | None
    contract_end: date | None
    suppliers: tuple[ParsedSupplier, ...]
    source: str


@dataclass(slots=True)
class ParseStats:
    """Counters a caller can pass to `iter_awards` to see what was read and skipped."""

    releases: int = 0  # OCDS releases read, including rejected ones (0 for CSV)
    releases_without_awards: int = 0
    awards: int = 0
    rejected: int = 0


def reject(source: str, reason: str, record: Any, stats: ParseStats) -> RejectedRecord:
    stats.rejected += 1
    return RejectedRecord(source=source, reason=reason, record=record_text(record))


def child(source: str, part: str) -> str:
    """The source of a part of a record: "f.json#releases[0]" + "awards[1]" -> "...].awards[1]"."""
    return f"{source}.{part}" if "#" in source else f"{source}#{part}"
