"""How an import says no: a whole file refused (`FormatError`) or one record (`RejectedRecord`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from register.ingest.names import BAD_CHARS

__all__ = ["RECORD_TEXT_LIMIT", "FormatError", "InvalidRecord", "RejectedRecord", "record_text"]

# A rejected record keeps this many characters of itself, enough to find it in the file.
RECORD_TEXT_LIMIT = 2000


class FormatError(Exception):
    """The file as a whole cannot be read: truncated JSON, wrong encoding, unknown format."""


class InvalidRecord(Exception):
    """A record-level problem, raised while a parser reads one record; the parser turns it into a
    RejectedRecord with this message as the reason and goes on with the next record."""


@dataclass(frozen=True, slots=True)
class RejectedRecord:
    source: str  # the file and the position in it ("awards.jsonl:12", "pkg.json#releases[3]")
    reason: str
    record: str  # the record as text, at most RECORD_TEXT_LIMIT characters


def record_text(value: Any, limit: int = RECORD_TEXT_LIMIT) -> str:
    """A record (or a value in it) as text for a rejection: JSON for objects, strings as they
    are (quoted when `limit` is short, for a reason), cut to `limit` characters with "…"."""
    if isinstance(value, str):
        text = repr(value) if limit < RECORD_TEXT_LIMIT else value
    else:
        try:
            text = json.dumps(value, default=str, ensure_ascii=False, separators=(",", ":"))
        except RecursionError:
            text = "(nested too deeply to show)"
    text = BAD_CHARS.sub("\ufffd", text)  # no NUL or lone surrogates in a database column
    return text if len(text) <= limit else text[: limit - 1] + "…"
