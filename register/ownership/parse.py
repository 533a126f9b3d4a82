"""Streaming parser for company officers and PSCs: BODS JSON arrays or JSON Lines, officers CSV.

Pure Python (no Flask, no database). `iter_officers` yields a `ParsedOfficer` per appointment or a
`RejectedRecord` per bad record, and raises `FormatError` for a file it cannot read.

- BODS: an ownership-or-control statement whose subject is an entity with a GB-COH identifier and
  whose interested party is a person becomes one PSC record. Entity and person statements are
  kept as small tuples; an ownership statement that names one not yet read waits for the end of
  the file and is rejected if it never comes. Corporate PSCs are not people and are skipped.
- CSV columns: company_number, name, role (required), appointed_on, resigned_on (YYYY-MM-DD),
  birth_month, birth_year.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

import ijson

from register.ingest.jsonstream import TOP_LEVEL_ARRAY, ijson_message, json_items
from register.ingest.names import clean_name
from register.ingest.rejections import (
    RECORD_TEXT_LIMIT,
    FormatError,
    InvalidRecord,
    RejectedRecord,
)
from register.ingest.streams import CountingReader, iter_lines, open_stream
from register.matching.identifiers import company_number
from register.matching.people import parse_person_name
from register.models.ownership import OFFICER, PSC

__all__ = [
    "ParsedOfficer",
    "detect_format",
    "iter_officers",
    "officer_digest",
    "officer_record_key",
]

CSV_COLUMNS = (
    "company_number",
    "name",
    "role",
    "appointed_on",
    "resigned_on",
    "birth_month",
    "birth_year",
)
CSV_REQUIRED = ("company_number", "name", "role")
SUFFIXES = (".json", ".jsonl", ".ndjson", ".csv", ".json.gz", ".jsonl.gz", ".csv.gz")


@dataclass(frozen=True, slots=True)
class ParsedOfficer:
    source: str  # "bods" or "officers_csv"
    record_key: str
    kind: str  # OFFICER or PSC
    company_number: str
    company_name: str | None
    name: str
    person_key: str
    role: str
    appointed_on: date | None
    resigned_on: date | None
    birth_month: int | None
    birth_year: int | None
    origin: str

    def digest(self) -> str:
        return officer_digest(
            self.kind,
            self.company_number,
            self.company_name,
            self.name,
            self.role,
            self.appointed_on,
            self.resigned_on,
            self.birth_month,
            self.birth_year,
        )


def officer_digest(
    kind: str,
    company_number: str,
    company_name: str | None,
    name: str,
    role: str,
    appointed_on: date | None,
    resigned_on: date | None,
    birth_month: int | None,
    birth_year: int | None,
) -> str:
    """The digest of what an officer record says (its stored `content_digest`)."""
    content = [
        kind,
        company_number,
        company_name,
        name,
        role,
        str(appointed_on),
        str(resigned_on),
        birth_month,
        birth_year,
    ]
    return hashlib.sha256(json.dumps(content).encode()).hexdigest()


def officer_record_key(
    company_number: str, person_key: str, role: str, appointed_on: date | None
) -> str:
    """The identity of an officers CSV row: company, person, role and appointment date."""
    identity = json.dumps([company_number, person_key, role.casefold(), str(appointed_on)])
    return hashlib.sha256(identity.encode()).hexdigest()


@dataclass
class _Bods:
    """What a BODS stream has shown so far."""

    entities: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    people: dict[str, tuple[str, str, int | None, int | None]] = field(default_factory=dict)
    waiting: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def detect_format(path: Path) -> str:
    """The format: "bods_json" (an array), "bods_jsonl" or "officers_csv"; FormatError otherwise."""
    name = path.name.lower().removesuffix(".gz")
    if name.endswith(".csv"):
        return "officers_csv"
    if name.endswith((".jsonl", ".ndjson")):
        return "bods_jsonl"
    with open_stream(path) as (_, head):
        head = head.lstrip(b" \t\r\n")
    if head.startswith(b"["):
        return "bods_json"
    if head.startswith(b"{"):
        return "bods_jsonl"
    raise FormatError(f"{path}: unknown format: not a BODS JSON array, JSON Lines or officers CSV")


def iter_officers(path: Path) -> Iterator[ParsedOfficer | RejectedRecord]:
    """Stream one file's officer and PSC records."""
    path = Path(path)
    kind = detect_format(path)
    with open_stream(path) as (stream, _):
        try:
            if kind == "officers_csv":
                yield from _iter_csv(path, stream)
            else:
                yield from _iter_bods(path, kind, stream)
        except (OSError, EOFError, UnicodeDecodeError) as exc:
            raise FormatError(f"{path}: cannot read ({exc})") from None


def _text(record: Any) -> str:
    text = record if isinstance(record, str) else json.dumps(record, default=str)
    return text[:RECORD_TEXT_LIMIT]


def _date(value: Any, what: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise InvalidRecord(f"{what} {value!r} is not a date (YYYY-MM-DD)") from None


def _company_number(value: Any) -> str:
    number = company_number(str(value or ""))
    if not number or not number.isalnum() or len(number) > 10:
        raise InvalidRecord(f"company number {value!r} is not a Companies House number")
    return number


# BODS ---------------------------------------------------------------------------------------


def _statements(path: Path, kind: str, stream: IO[bytes]) -> Iterator[tuple[str, Any]]:
    if kind == "bods_json":
        index = 0
        try:
            reader = CountingReader(stream, stream.tell())
            for index, item in enumerate(json_items(path, reader, TOP_LEVEL_ARRAY)):
                yield f"{path}#[{index}]", item
        except ijson.JSONError as exc:
            raise FormatError(
                f"{path}: invalid JSON after statement {index} ({ijson_message(exc)})"
            ) from None
        return
    for number, line in iter_lines(path, stream):
        if not line.strip():
            continue
        try:
            yield f"{path}:{number}", json.loads(line)
        except (json.JSONDecodeError, RecursionError) as exc:
            reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
            yield (
                f"{path}:{number}",
                RejectedRecord(
                    f"{path}:{number}", f"invalid JSON: {reason}", line[:RECORD_TEXT_LIMIT]
                ),
            )


def _iter_bods(
    path: Path, kind: str, stream: IO[bytes]
) -> Iterator[ParsedOfficer | RejectedRecord]:
    seen = _Bods()
    for origin, item in _statements(path, kind, stream):
        if isinstance(item, RejectedRecord):
            yield item
            continue
        try:
            found = _bods_statement(seen, origin, item)
        except InvalidRecord as exc:
            yield RejectedRecord(origin, str(exc), _text(item))
            continue
        if found is not None:
            yield found
    for origin, item in seen.waiting:
        try:
            found = _ownership(seen, origin, item, final=True)
        except InvalidRecord as exc:
            yield RejectedRecord(origin, str(exc), _text(item))
            continue
        if found is not None:
            yield found


def _bods_statement(seen: _Bods, origin: str, item: Any) -> ParsedOfficer | None:
    if not isinstance(item, dict) or not item.get("statementID"):
        raise InvalidRecord("not a BODS statement (no statementID)")
    statement_type = item.get("statementType")
    if statement_type == "entityStatement":
        numbers = [
            i.get("id")
            for i in item.get("identifiers") or []
            if isinstance(i, dict) and i.get("scheme") == "GB-COH" and i.get("id")
        ]
        if numbers:
            seen.entities[item["statementID"]] = (
                _company_number(numbers[0]),
                clean_name(item.get("name")),
            )
        return None
    if statement_type == "personStatement":
        seen.people[item["statementID"]] = _bods_person(item)
        return None
    if statement_type == "ownershipOrControlStatement":
        found = _ownership(seen, origin, item, final=False)
        if found is None and _waits(seen, item):
            seen.waiting.append((origin, item))
        return found
    raise InvalidRecord(f"unknown statementType {statement_type!r}")


def _bods_person(item: dict[str, Any]) -> tuple[str, str, int | None, int | None]:
    names = [n for n in item.get("names") or [] if isinstance(n, dict)]
    names.sort(key=lambda n: n.get("type") != "individual")
    raw = None
    for entry in names:
        raw = clean_name(entry.get("fullName")) or clean_name(
            " ".join(filter(None, [entry.get("givenName"), entry.get("familyName")]))
        )
        if raw:
            break
    if not raw:
        raise InvalidRecord("person statement has no name")
    parsed = parse_person_name(raw)
    if parsed is None:
        raise InvalidRecord(f"person name {raw!r} has no forename and surname")
    month, year = _birth(item.get("birthDate"))
    return raw, parsed.text, month, year


def _birth(value: Any) -> tuple[int | None, int | None]:
    if not value:
        return None, None
    parts = str(value).split("-")
    try:
        year = int(parts[0])
        month = int(parts[1]) if len(parts) > 1 else None
    except ValueError:
        raise InvalidRecord(f"birthDate {value!r} is not YYYY-MM-DD") from None
    if month is not None and not 1 <= month <= 12:
        raise InvalidRecord(f"birthDate {value!r} has no month {month}")
    return month, year


def _party(item: dict[str, Any], side: str, key: str) -> str | None:
    party = item.get(side)
    return party.get(key) if isinstance(party, dict) else None


def _waits(seen: _Bods, item: dict[str, Any]) -> bool:
    """An ownership statement about a person that may still be described later in the file."""
    return bool(
        _party(item, "interestedParty", "describedByPersonStatement")
        and _party(item, "subject", "describedByEntityStatement")
    )


def _ownership(
    seen: _Bods, origin: str, item: dict[str, Any], *, final: bool
) -> ParsedOfficer | None:
    person_id = _party(item, "interestedParty", "describedByPersonStatement")
    entity_id = _party(item, "subject", "describedByEntityStatement")
    if not person_id or not entity_id:
        return None  # a corporate or unknown interested party is not a person
    if person_id not in seen.people or entity_id not in seen.entities:
        if final:
            missing = "person" if person_id not in seen.people else "entity"
            raise InvalidRecord(f"refers to a {missing} statement not in the file")
        return None
    company_number, company_name = seen.entities[entity_id]
    name, key, month, year = seen.people[person_id]
    interests = [i for i in item.get("interests") or [] if isinstance(i, dict)]
    starts = [d for i in interests if (d := _date(i.get("startDate"), "startDate"))]
    ends = [_date(i.get("endDate"), "endDate") for i in interests]
    kinds = sorted({str(i.get("type")).replace("-", " ") for i in interests if i.get("type")})
    return ParsedOfficer(
        source="bods",
        record_key=str(item["statementID"])[:200],
        kind=PSC,
        company_number=company_number,
        company_name=company_name,
        name=name[:300],
        person_key=key,
        role=("person with significant control (" + ", ".join(kinds) + ")")[:200]
        if kinds
        else "person with significant control",
        appointed_on=min(starts) if starts else _date(item.get("statementDate"), "statementDate"),
        resigned_on=max(ends) if ends and all(ends) else None,  # type: ignore[type-var]
        birth_month=month,
        birth_year=year,
        origin=origin[:500],
    )


# CSV ----------------------------------------------------------------------------------------


def _iter_csv(path: Path, stream: IO[bytes]) -> Iterator[ParsedOfficer | RejectedRecord]:
    reader = csv.reader(io.TextIOWrapper(stream, encoding="utf-8-sig", newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise FormatError(f"{path}: empty file (no CSV header row)") from None
    missing = [c for c in CSV_REQUIRED if c not in header]
    if missing:
        raise FormatError(f"{path}: missing required CSV columns: {', '.join(missing)}")
    index = {c: header.index(c) for c in CSV_COLUMNS if c in header}
    try:
        for row in reader:
            origin = f"{path}:{reader.line_num}"
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                reason = f"row has {len(row)} fields, the header has {len(header)}"
                yield RejectedRecord(origin, reason, ",".join(row)[:RECORD_TEXT_LIMIT])
                continue
            try:
                yield _csv_officer(origin, {c: row[i].strip() for c, i in index.items()})
            except InvalidRecord as exc:
                yield RejectedRecord(origin, str(exc), ",".join(row)[:RECORD_TEXT_LIMIT])
    except csv.Error as exc:
        raise FormatError(f"{path}: invalid CSV at line {reader.line_num} ({exc})") from None


def _int(value: str, what: str, low: int, high: int) -> int | None:
    if not value:
        return None
    if not value.isdigit() or not low <= int(value) <= high:
        raise InvalidRecord(f"{what} {value!r} is not a number from {low} to {high}")
    return int(value)


def _csv_officer(origin: str, cells: dict[str, str]) -> ParsedOfficer:
    number = _company_number(cells["company_number"])
    name = clean_name(cells["name"])
    role = clean_name(cells["role"])
    if not name or not role:
        raise InvalidRecord("missing name" if not name else "missing role")
    parsed = parse_person_name(name)
    if parsed is None:
        raise InvalidRecord(f"name {name!r} has no forename and surname")
    appointed = _date(cells.get("appointed_on"), "appointed_on")
    resigned = _date(cells.get("resigned_on"), "resigned_on")
    if appointed and resigned and resigned < appointed:
        raise InvalidRecord(f"resigned_on {resigned} is before appointed_on {appointed}")
    return ParsedOfficer(
        source="officers_csv",
        record_key=officer_record_key(number, parsed.text, role, appointed),
        kind=OFFICER,
        company_number=number,
        company_name=None,
        name=name[:300],
        person_key=parsed.text,
        role=role[:200],
        appointed_on=appointed,
        resigned_on=resigned,
        birth_month=_int(cells.get("birth_month", ""), "birth_month", 1, 12),
        birth_year=_int(cells.get("birth_year", ""), "birth_year", 1900, 2100),
        origin=origin[:500],
    )
