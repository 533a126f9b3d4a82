"""Streaming parser for contract award records: OCDS JSON, JSON Lines and CSV, gzip or not.

Pure Python (no Flask, no database). `iter_awards` yields one `ParsedAward` per award, or a
`RejectedRecord` for a bad record, and raises `FormatError` for a malformed file. Decisions:

- A release without awards (a tender notice) yields nothing; `ParseStats.releases_without_awards`
  counts them.
- Errors in one award reject that award only (source ends in ``awards[i]``); errors in the
  release itself (no ocid, bad release date, buyer) reject all of its awards in one record.
- `award_date` is ``awards[].date`` only, with no fallback: the release date is when the notice was
  published, so callers that want a fallback choose it themselves (`release_date`,
  `contract_start`). Dates keep the calendar date as written, without time-zone conversion.
- Suppliers come from ``awards[].suppliers[]`` merged with the party they reference by id. An
  award without suppliers takes the parties with role "supplier" only if it is the release's
  single award. A supplier with neither a name nor an identifier is dropped.
- Title and description fall back to the tender's when the award's are empty.
- CSV: one row per award and supplier; rows of one award (same ocid and award_id) must be
  adjacent, so memory stays flat. A repeated, non-adjacent award is yielded again as a separate
  award. Later rows may leave award columns blank; a different value there rejects the award.

This module detects the format and dispatches; `ocds` reads OCDS JSON and JSON Lines, `csv_rows`
CSV, `values` the field values, `parsed` holds what is yielded. Streams, rejections and name
cleaning are the shared import toolkit, `register.ingest`; identifiers follow
`register.matching.identifiers`.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import ijson

from register.awards.csv_rows import iter_csv
from register.awards.ocds import iter_json, iter_jsonl
from register.awards.parsed import ParsedAward, ParseStats
from register.ingest.jsonstream import ijson_message
from register.ingest.rejections import FormatError, RejectedRecord
from register.ingest.streams import HEAD_BYTES, CountingReader, open_stream

__all__ = ["SUFFIXES", "detect_format", "iter_awards"]

SUFFIXES = (".json", ".jsonl", ".json.gz", ".jsonl.gz", ".csv", ".csv.gz")

_RELEASE_KEYS = {"ocid", "id", "date", "tag", "awards", "parties", "buyer", "tender"}
_UNKNOWN_FORMAT = (
    "unknown format: not an OCDS release package, record package, release, JSON Lines or CSV"
)


def _detect(path: Path, head: bytes) -> str:
    name = path.name.lower().removesuffix(".gz")
    if name.endswith(".csv"):
        return "csv"
    if name.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    stripped = head.lstrip()
    if not stripped:
        raise FormatError(f"{path}: empty file")
    if stripped.startswith(b"{"):
        first, _, rest = stripped.partition(b"\n")
        if rest.strip() and _is_json_object(first):
            return "jsonl"
        return _json_kind(path, stripped)
    if not name.endswith(".json") and _looks_like_csv(stripped):
        return "csv"
    raise FormatError(f"{path}: {_UNKNOWN_FORMAT}")


def _is_json_object(line: bytes) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except (ValueError, RecursionError):
        return False


def _json_kind(path: Path, head: bytes) -> str:
    keys: set[str] = set()
    depth = 0
    try:
        for event, value in ijson.basic_parse(io.BytesIO(head)):
            if event == "start_map" or event == "start_array":
                depth += 1
            elif event == "end_map" or event == "end_array":
                depth -= 1
            elif depth == 1 and event == "map_key":
                if value in ("releases", "records"):
                    return "release_package" if value == "releases" else "record_package"
                keys.add(value)
    except ijson.JSONError as exc:
        if len(head) < HEAD_BYTES and not keys & _RELEASE_KEYS:
            raise FormatError(f"{path}: invalid JSON ({ijson_message(exc)})") from None
    if keys & _RELEASE_KEYS:
        return "release"
    raise FormatError(f"{path}: {_UNKNOWN_FORMAT}")


def _looks_like_csv(head: bytes) -> bool:
    first = head.split(b"\n", 1)[0].decode("utf-8", "replace").lower()
    return "," in first and "ocid" in first


def detect_format(path: Path) -> str:
    """One of "release_package", "record_package", "release", "jsonl", "csv".

    Reads only the first 64 KiB (decompressed). Raises FormatError for anything else.
    """
    path = Path(path)
    with open_stream(path) as (_, head):
        return _detect(path, head)


def iter_awards(
    path: Path, stats: ParseStats | None = None
) -> Iterator[ParsedAward | RejectedRecord]:
    """Stream the awards of one file; raises FormatError (after the good records) if malformed."""
    path = Path(path)
    stats = stats if stats is not None else ParseStats()
    with open_stream(path) as (stream, head):
        kind = _detect(path, head)
        if kind == "jsonl":
            yield from iter_jsonl(path, stream, stats)
        elif kind == "csv":
            yield from iter_csv(path, stream, stats)
        else:
            yield from iter_json(path, kind, CountingReader(stream, stream.tell()), stats)
