"""OCDS JSON: release packages, record packages, single releases and JSON Lines, read as a
stream and turned into `ParsedAward`s (one per award) or `RejectedRecord`s.

The rules (fallbacks, which errors reject a release or one award) are in register.awards.parse.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import ijson

from register.awards.parsed import ParsedAward, ParsedSupplier, ParseStats, child, reject
from register.awards.values import (
    clean_description,
    parse_amount,
    parse_currency,
    parse_date,
    parse_datetime,
    split_trading_as,
    supplier_identifier,
)
from register.ingest.jsonstream import ijson_message, json_items
from register.ingest.names import clean_name
from register.ingest.rejections import FormatError, InvalidRecord, RejectedRecord
from register.ingest.streams import CountingReader, iter_lines, read_errors

__all__ = ["iter_json", "iter_jsonl"]


def _mapping(obj: dict[str, Any], key: str, where: str = "") -> dict[str, Any]:
    value = obj.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidRecord(f"'{where}{key}' is not an object")
    return value


def _sequence(obj: dict[str, Any], key: str, where: str = "") -> list[Any]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidRecord(f"'{where}{key}' is not a list")
    return value


def _identifiers(org: dict[str, Any]) -> list[tuple[str, str]]:
    found = []
    entries = [org.get("identifier")]
    additional = org.get("additionalIdentifiers")
    if isinstance(additional, list):
        entries.extend(additional)
    for entry in entries:
        if isinstance(entry, dict) and (
            pair := supplier_identifier(entry.get("scheme"), entry.get("id"))
        ):
            found.append(pair)
    return found


def _legal_name(org: dict[str, Any]) -> str | None:
    identifier = org.get("identifier")
    return clean_name(identifier.get("legalName")) if isinstance(identifier, dict) else None


def _roles(party: dict[str, Any]) -> list[Any]:
    roles = party.get("roles")
    return roles if isinstance(roles, list) else []


class _Release:
    """Release-level fields shared by all awards of one release."""

    def __init__(self, release: dict[str, Any], fallback_ocid: Any = None) -> None:
        ocid = clean_name(release.get("ocid")) or clean_name(fallback_ocid)
        if not ocid:
            raise InvalidRecord("missing ocid")
        self.ocid: str = ocid
        self.release_id = clean_name(release.get("id"))
        self.date = parse_datetime(release.get("date"), "release date")
        self.parties: dict[str, dict[str, Any]] = {}
        for party in _sequence(release, "parties"):
            if isinstance(party, dict) and (party_id := clean_name(party.get("id"))):
                self.parties.setdefault(party_id, party)
        self.tender = _mapping(release, "tender")
        self.contracts = [c for c in _sequence(release, "contracts") if isinstance(c, dict)]
        self.buyer_name, self.buyer_identifier = self._buyer(release)

    def _buyer(self, release: dict[str, Any]) -> tuple[str | None, str | None]:
        buyer = _mapping(release, "buyer")
        party = self.parties.get(clean_name(buyer.get("id")) or "") if buyer else None
        if not buyer:
            party = next((p for p in self.parties.values() if "buyer" in _roles(p)), None)
        party = party or {}
        name = clean_name(buyer.get("name")) or clean_name(party.get("name"))
        pairs = _identifiers(buyer)[:1] or _identifiers(party)[:1]
        return name, (f"{pairs[0][0]}-{pairs[0][1]}" if pairs else None)

    def supplier(self, entry: dict[str, Any]) -> ParsedSupplier | None:
        party_id = clean_name(entry.get("id"))
        party = self.parties.get(party_id, {}) if party_id else {}
        raw_name = clean_name(entry.get("name")) or clean_name(party.get("name"))
        identifiers = tuple(dict.fromkeys(_identifiers(entry) + _identifiers(party)))
        if not raw_name and not identifiers:
            return None
        name, aliases = split_trading_as(raw_name) if raw_name else ("", ())
        legal = _legal_name(entry) or _legal_name(party)
        if legal and legal.casefold() not in {
            n.casefold() for n in (name, raw_name or "", *aliases)
        }:
            aliases = (*aliases, legal)
        return ParsedSupplier(name, aliases, identifiers, party_id)

    def contract_period(self, award: dict[str, Any], award_id: str) -> dict[str, Any]:
        period = _mapping(award, "contractPeriod")
        if period:
            return period
        for contract in self.contracts:
            if clean_name(contract.get("awardID")) == award_id:
                return _mapping(contract, "period", "contracts[].")
        return {}


def _award(
    award: Any, release: _Release, single: bool, source: str
) -> ParsedAward:  # raises InvalidRecord
    if not isinstance(award, dict):
        raise InvalidRecord("award is not a JSON object")
    award_id = clean_name(award.get("id"))
    if not award_id:
        raise InvalidRecord("missing award id")
    value = _mapping(award, "value")
    period = release.contract_period(award, award_id)
    entries = _sequence(award, "suppliers")
    if not entries and single:
        entries = [p for p in release.parties.values() if "supplier" in _roles(p)]
    suppliers: dict[ParsedSupplier, None] = {}  # ordered set
    for position, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise InvalidRecord(f"suppliers[{position}] is not a JSON object")
        if supplier := release.supplier(entry):
            suppliers[supplier] = None
    return ParsedAward(
        ocid=release.ocid,
        award_id=award_id,
        release_id=release.release_id,
        release_date=release.date,
        title=clean_name(award.get("title")) or clean_name(release.tender.get("title")),
        description=clean_description(award.get("description"))
        or clean_description(release.tender.get("description")),
        status=clean_name(award.get("status")),
        buyer_name=release.buyer_name,
        buyer_identifier=release.buyer_identifier,
        value=parse_amount(value.get("amount")),
        currency=parse_currency(value.get("currency")),
        award_date=parse_date(award.get("date"), "award date"),
        contract_start=parse_date(period.get("startDate"), "contract start date"),
        contract_end=parse_date(period.get("endDate"), "contract end date"),
        suppliers=tuple(suppliers),
        source=source,
    )


def release_awards(
    release: Any, source: str, stats: ParseStats, fallback_ocid: Any = None
) -> Iterator[ParsedAward | RejectedRecord]:
    stats.releases += 1
    if not isinstance(release, dict):
        yield reject(source, "release is not a JSON object", release, stats)
        return
    try:
        context = _Release(release, fallback_ocid)
        awards = _sequence(release, "awards")
    except InvalidRecord as exc:
        yield reject(source, str(exc), release, stats)
        return
    if not awards:
        stats.releases_without_awards += 1
    for position, award in enumerate(awards):
        award_source = child(source, f"awards[{position}]")
        try:
            parsed = _award(award, context, len(awards) == 1, award_source)
        except InvalidRecord as exc:
            yield reject(award_source, str(exc), award, stats)
        else:
            stats.awards += 1
            yield parsed


def record_awards(
    record: Any, source: str, stats: ParseStats
) -> Iterator[ParsedAward | RejectedRecord]:
    """A record package entry: its compiledRelease, else the last embedded release."""
    if not isinstance(record, dict):
        stats.releases += 1
        yield reject(source, "record is not a JSON object", record, stats)
        return
    compiled = record.get("compiledRelease")
    if compiled is None:
        releases = record.get("releases")
        embedded = (
            [r for r in releases if isinstance(r, dict) and "url" not in r]
            if isinstance(releases, list)
            else []
        )
        if not embedded:
            stats.releases += 1
            reason = "record has neither a compiledRelease nor embedded releases"
            yield reject(source, reason, record, stats)
            return
        compiled = embedded[-1]
    yield from release_awards(compiled, source, stats, record.get("ocid"))


def object_awards(
    obj: Any, source: str, stats: ParseStats
) -> Iterator[ParsedAward | RejectedRecord]:
    """One JSON Lines object: a release, a release package or a record package."""
    if isinstance(obj, dict) and isinstance(obj.get("releases"), list) and "ocid" not in obj:
        for position, release in enumerate(obj["releases"]):
            yield from release_awards(release, child(source, f"releases[{position}]"), stats)
    elif isinstance(obj, dict) and isinstance(obj.get("records"), list):
        for position, record in enumerate(obj["records"]):
            yield from record_awards(record, child(source, f"records[{position}]"), stats)
    else:
        yield from release_awards(obj, source, stats)


def iter_json(
    path: Path, kind: str, reader: CountingReader, stats: ParseStats
) -> Iterator[ParsedAward | RejectedRecord]:
    target = {"release_package": "releases", "record_package": "records"}.get(kind)
    items = json_items(path, reader, target)
    position = 0
    while True:
        try:
            with read_errors(path):
                item = next(items)
        except StopIteration:
            return
        except ijson.JSONError as exc:
            message = ijson_message(exc)
            if "premature EOF" in message or "Incomplete" in message:
                raise FormatError(f"{path}: truncated JSON at byte {reader.position}") from None
            if "UTF8" in message:
                raise FormatError(f"{path}: not UTF-8 (before byte {reader.position})") from None
            raise FormatError(
                f"{path}: invalid JSON before byte {reader.position} ({message})"
            ) from None
        if kind == "release_package":
            yield from release_awards(item, f"{path}#releases[{position}]", stats)
        elif kind == "record_package":
            yield from record_awards(item, f"{path}#records[{position}]", stats)
        else:
            yield from release_awards(item, str(path), stats)
        position += 1


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def iter_jsonl(
    path: Path, stream: IO[bytes], stats: ParseStats
) -> Iterator[ParsedAward | RejectedRecord]:
    for number, line in iter_lines(path, stream):
        if not line.strip():
            continue
        source = f"{path}:{number}"
        try:
            obj = json.loads(line, parse_float=Decimal, parse_constant=_reject_constant)
        except json.JSONDecodeError as exc:
            stats.releases += 1
            yield reject(source, f"invalid JSON: {exc.msg} (column {exc.colno})", line, stats)
        except (ValueError, RecursionError) as exc:
            stats.releases += 1
            yield reject(source, f"invalid JSON: {exc}", line, stats)
        else:
            yield from object_awards(obj, source, stats)
