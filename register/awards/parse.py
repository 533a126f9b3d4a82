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
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import re
import unicodedata
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import ijson

from register.matching.normalise import unescape_html

__all__ = [
    "CSV_COLUMNS",
    "CSV_REQUIRED_COLUMNS",
    "FormatError",
    "ParseStats",
    "ParsedAward",
    "ParsedSupplier",
    "RejectedRecord",
    "clean_name",
    "detect_format",
    "iter_awards",
    "iter_paths",
    "normalise_identifier",
    "split_trading_as",
]

CSV_COLUMNS: tuple[str, ...] = (
    "ocid",
    "award_id",
    "release_date",
    "title",
    "description",
    "status",
    "buyer_name",
    "buyer_identifier",
    "value",
    "currency",
    "award_date",
    "contract_start",
    "contract_end",
    "supplier_name",
    "supplier_scheme",
    "supplier_id",
)
CSV_REQUIRED_COLUMNS: tuple[str, ...] = ("ocid", "award_id", "supplier_name")
_CSV_AWARD_COLUMNS = CSV_COLUMNS[:13]

SUFFIXES = (".json", ".jsonl", ".json.gz", ".jsonl.gz", ".csv", ".csv.gz")
HEAD_BYTES = 64 * 1024
RECORD_TEXT_LIMIT = 2000
MAX_VALUE = Decimal("1e15")
MAX_JSON_DEPTH = 100  # OCDS releases nest about 6 levels

_GZIP_MAGIC = b"\x1f\x8b"
_UTF16_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_RELEASE_KEYS = {"ocid", "id", "date", "tag", "awards", "parties", "buyer", "tender"}
_UNKNOWN_FORMAT = (
    "unknown format: not an OCDS release package, record package, release, JSON Lines or CSV"
)


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


@dataclass(frozen=True, slots=True)
class RejectedRecord:
    source: str
    reason: str
    record: str


@dataclass(slots=True)
class ParseStats:
    """Counters a caller can pass to `iter_awards` to see what was read and skipped."""

    releases: int = 0  # OCDS releases read, including rejected ones (0 for CSV)
    releases_without_awards: int = 0
    awards: int = 0
    rejected: int = 0


class FormatError(Exception):
    """The file as a whole cannot be read: truncated JSON, wrong encoding, unknown format."""


class _Invalid(Exception):
    """A record-level problem; becomes a RejectedRecord with this message as the reason."""


# ---------------------------------------------------------------------------------------------
# Field cleaning


_WS = re.compile(r"\s+")
_BAD_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_TRADING_AS_PAREN = re.compile(
    r"\(\s*(?:t\s*/\s*as?|trading\s+as|ta)\b\s*[:\-]?\s*([^()]*)\)?", re.IGNORECASE
)
_TRADING_AS = re.compile(
    r"\s*,?\s*(?:(?<![\w/])(?i:t\s*/\s*as?|trading\s+as)(?![\w/])|(?<=\s)TA(?=\s))\s*[:\-]?\s*"
)
_TRADING_AS_HINT = re.compile(r"t\s*/|trading|\bta\b", re.IGNORECASE)
_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")
_CURRENCY = re.compile(r"[A-Z]{3}")
_COH = re.compile(r"([A-Z]{2})?(\d+)([A-Z]?)")


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        text = value
    elif isinstance(value, int | Decimal | float) and not isinstance(value, bool):
        text = str(value)
    else:
        return None
    return unicodedata.normalize("NFC", _BAD_CHARS.sub("", unescape_html(text)))


def clean_name(value: Any) -> str | None:
    """HTML entities unescaped, control characters dropped, whitespace collapsed; None if empty."""
    if (
        isinstance(value, str)
        and value.isascii()
        and value.isprintable()
        and "&" not in value
        and "  " not in value
    ):
        return value.strip() or None  # the common case, ten times faster
    text = _text(value)
    return (_WS.sub(" ", text).strip() or None) if text is not None else None


def _clean_description(value: Any) -> str | None:
    text = _text(value)
    return (text.replace("\r\n", "\n").strip() or None) if text is not None else None


def split_trading_as(name: str) -> tuple[str, tuple[str, ...]]:
    """Split "X Ltd T/A Y", "X (trading as Y)", "X TA Y" into ("X Ltd", ("Y",))."""
    if not _TRADING_AS_HINT.search(name):
        return name, ()
    aliases = [m.group(1) for m in _TRADING_AS_PAREN.finditer(name)]
    rest = _TRADING_AS_PAREN.sub(" ", name)
    first, *others = _TRADING_AS.split(rest)
    aliases.extend(others)
    cleaned = [clean_name(a.strip(" ,;-")) for a in aliases]
    main = clean_name(first.strip(" ,;-"))
    if not main:
        return name, ()
    return main, tuple(dict.fromkeys(a for a in cleaned if a and a != main))


def normalise_identifier(scheme: Any, identifier: Any) -> tuple[str, str] | None:
    """(scheme, id) with whitespace removed; GB-COH zero-padded to 8 characters, upper case.

    Returns None for an empty scheme or id, and for a GB-COH number with no non-zero digit
    (placeholders such as "0", "N/A"), which would otherwise "match" unrelated companies.
    """
    scheme_text = clean_name(scheme)
    id_text = clean_name(identifier)
    if not scheme_text or not id_text:
        return None
    scheme_text = scheme_text.upper().replace(" ", "")
    if scheme_text == "GB-COH":
        id_text = id_text.upper().replace(" ", "")
        if not any(ch in "123456789" for ch in id_text):
            return None
        if m := _COH.fullmatch(id_text):
            prefix, digits, suffix = (g or "" for g in m.groups())
            width = 8 - len(prefix) - len(suffix)
            if len(digits) < width:
                id_text = prefix + digits.zfill(width) + suffix
    return scheme_text, id_text


def _parse_amount(raw: Any) -> Decimal | None:
    if raw is None:
        return None
    if isinstance(raw, str):
        text = raw.strip().replace(",", "")
        if not text:
            return None
        if not _NUMBER.fullmatch(text):
            raise _Invalid(f"value {raw!r} is not a number")
        amount = Decimal(text)
    elif isinstance(raw, int | Decimal | float) and not isinstance(raw, bool):
        amount = Decimal(str(raw))
    else:
        raise _Invalid(f"value {_compact(raw, 100)} is not a number")
    if not amount.is_finite():
        raise _Invalid(f"value {raw!r} is not a number")
    if abs(amount) >= MAX_VALUE:
        raise _Invalid(f"value {raw!r} is out of range")
    return amount


def _parse_currency(raw: Any) -> str | None:
    if raw is None or raw == "":
        return None
    code = raw.strip().upper() if isinstance(raw, str) else ""
    if not _CURRENCY.fullmatch(code):
        raise _Invalid(f"currency {_compact(raw, 100)} is not a 3-letter ISO 4217 code")
    return code


def _parse_datetime(raw: Any, field: str) -> datetime | None:
    if raw is None or raw == "":
        return None
    try:
        parsed = datetime.fromisoformat(raw.strip())
    except (AttributeError, ValueError):
        raise _Invalid(f"{field} {_compact(raw, 100)} is not an ISO 8601 date") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _parse_date(raw: Any, field: str) -> date | None:
    parsed = _parse_datetime(raw, field)
    return parsed.date() if parsed else None


def _compact(value: Any, limit: int = RECORD_TEXT_LIMIT) -> str:
    if isinstance(value, str):
        text = repr(value) if limit < RECORD_TEXT_LIMIT else value
    else:
        try:
            text = json.dumps(value, default=str, ensure_ascii=False, separators=(",", ":"))
        except RecursionError:
            text = "(nested too deeply to show)"
    text = _BAD_CHARS.sub("\ufffd", text)  # no NUL or lone surrogates in a database column
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _reject(source: str, reason: str, record: Any, stats: ParseStats) -> RejectedRecord:
    stats.rejected += 1
    return RejectedRecord(source=source, reason=reason, record=_compact(record))


def _child(source: str, part: str) -> str:
    return f"{source}.{part}" if "#" in source else f"{source}#{part}"


# ---------------------------------------------------------------------------------------------
# OCDS releases


def _mapping(obj: dict[str, Any], key: str, where: str = "") -> dict[str, Any]:
    value = obj.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _Invalid(f"'{where}{key}' is not an object")
    return value


def _sequence(obj: dict[str, Any], key: str, where: str = "") -> list[Any]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise _Invalid(f"'{where}{key}' is not a list")
    return value


def _identifiers(org: dict[str, Any]) -> list[tuple[str, str]]:
    found = []
    entries = [org.get("identifier")]
    additional = org.get("additionalIdentifiers")
    if isinstance(additional, list):
        entries.extend(additional)
    for entry in entries:
        if isinstance(entry, dict) and (
            pair := normalise_identifier(entry.get("scheme"), entry.get("id"))
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
        self.ocid = clean_name(release.get("ocid")) or clean_name(fallback_ocid)
        if not self.ocid:
            raise _Invalid("missing ocid")
        self.release_id = clean_name(release.get("id"))
        self.date = _parse_datetime(release.get("date"), "release date")
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
) -> ParsedAward:  # raises _Invalid
    if not isinstance(award, dict):
        raise _Invalid("award is not a JSON object")
    award_id = clean_name(award.get("id"))
    if not award_id:
        raise _Invalid("missing award id")
    value = _mapping(award, "value")
    period = release.contract_period(award, award_id)
    entries = _sequence(award, "suppliers")
    if not entries and single:
        entries = [p for p in release.parties.values() if "supplier" in _roles(p)]
    suppliers: dict[ParsedSupplier, None] = {}  # ordered set
    for position, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise _Invalid(f"suppliers[{position}] is not a JSON object")
        if supplier := release.supplier(entry):
            suppliers[supplier] = None
    return ParsedAward(
        ocid=release.ocid,
        award_id=award_id,
        release_id=release.release_id,
        release_date=release.date,
        title=clean_name(award.get("title")) or clean_name(release.tender.get("title")),
        description=_clean_description(award.get("description"))
        or _clean_description(release.tender.get("description")),
        status=clean_name(award.get("status")),
        buyer_name=release.buyer_name,
        buyer_identifier=release.buyer_identifier,
        value=_parse_amount(value.get("amount")),
        currency=_parse_currency(value.get("currency")),
        award_date=_parse_date(award.get("date"), "award date"),
        contract_start=_parse_date(period.get("startDate"), "contract start date"),
        contract_end=_parse_date(period.get("endDate"), "contract end date"),
        suppliers=tuple(suppliers),
        source=source,
    )


def _release_awards(
    release: Any, source: str, stats: ParseStats, fallback_ocid: Any = None
) -> Iterator[ParsedAward | RejectedRecord]:
    stats.releases += 1
    if not isinstance(release, dict):
        yield _reject(source, "release is not a JSON object", release, stats)
        return
    try:
        context = _Release(release, fallback_ocid)
        awards = _sequence(release, "awards")
    except _Invalid as exc:
        yield _reject(source, str(exc), release, stats)
        return
    if not awards:
        stats.releases_without_awards += 1
    for position, award in enumerate(awards):
        award_source = _child(source, f"awards[{position}]")
        try:
            parsed = _award(award, context, len(awards) == 1, award_source)
        except _Invalid as exc:
            yield _reject(award_source, str(exc), award, stats)
        else:
            stats.awards += 1
            yield parsed


def _record_awards(
    record: Any, source: str, stats: ParseStats
) -> Iterator[ParsedAward | RejectedRecord]:
    """A record package entry: its compiledRelease, else the last embedded release."""
    if not isinstance(record, dict):
        stats.releases += 1
        yield _reject(source, "record is not a JSON object", record, stats)
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
            yield _reject(source, reason, record, stats)
            return
        compiled = embedded[-1]
    yield from _release_awards(compiled, source, stats, record.get("ocid"))


def _object_awards(
    obj: Any, source: str, stats: ParseStats
) -> Iterator[ParsedAward | RejectedRecord]:
    """One JSON Lines object: a release, a release package or a record package."""
    if isinstance(obj, dict) and isinstance(obj.get("releases"), list) and "ocid" not in obj:
        for position, release in enumerate(obj["releases"]):
            yield from _release_awards(release, _child(source, f"releases[{position}]"), stats)
    elif isinstance(obj, dict) and isinstance(obj.get("records"), list):
        for position, record in enumerate(obj["records"]):
            yield from _record_awards(record, _child(source, f"records[{position}]"), stats)
    else:
        yield from _release_awards(obj, source, stats)


# ---------------------------------------------------------------------------------------------
# Files


class _Counter:
    """Binary reader that counts the bytes handed out, for error positions."""

    def __init__(self, raw: IO[bytes], position: int) -> None:
        self.raw = raw
        self.position = position

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.position += len(data)
        return data


@contextmanager
def open_stream(path: Path) -> Iterator[tuple[IO[bytes], bytes]]:
    """Open `path`, decompressing gzip; yield the stream after any UTF-8 BOM, and its head.

    The head (first 64 KiB, BOM removed) serves format detection; the stream starts after it.
    """
    with open(path, "rb") as raw:
        compressed = raw.read(2) == _GZIP_MAGIC
        raw.seek(0)
        stream: IO[bytes] = gzip.GzipFile(fileobj=raw) if compressed else raw
        with _read_errors(path):
            head = stream.read(HEAD_BYTES)
            if head.startswith(_UTF16_BOMS):
                raise FormatError(f"{path}: not UTF-8 (UTF-16 or UTF-32 byte order mark)")
            bom = len(codecs.BOM_UTF8) if head.startswith(codecs.BOM_UTF8) else 0
            stream.seek(bom)
        yield stream, head[bom:]


@contextmanager
def _read_errors(path: Path) -> Iterator[None]:
    try:
        yield
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise FormatError(f"{path}: corrupt gzip data ({exc})") from None


def _lines(path: Path, stream: IO[bytes]) -> Iterator[tuple[int, str]]:
    """(line number, text) of each line; raises FormatError at the first byte that isn't UTF-8."""
    offset = stream.tell()
    with _read_errors(path):
        for number, line in enumerate(stream, start=1):
            try:
                yield number, line.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise FormatError(
                    f"{path}: not UTF-8 (byte 0x{line[exc.start]:02x} at position"
                    f" {offset + exc.start}, line {number})"
                ) from None
            offset += len(line)


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
            raise FormatError(f"{path}: invalid JSON ({_ijson_message(exc)})") from None
    if keys & _RELEASE_KEYS:
        return "release"
    raise FormatError(f"{path}: {_UNKNOWN_FORMAT}")


def _looks_like_csv(head: bytes) -> bool:
    first = head.split(b"\n", 1)[0].decode("utf-8", "replace").lower()
    return "," in first and "ocid" in first


def _ijson_message(exc: Exception) -> str:
    message = str(exc)
    if message.startswith(("b'", 'b"')):
        message = message[2:]
    return message.split("\n", 1)[0].split("\\n", 1)[0].strip()


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
            yield from _iter_jsonl(path, stream, stats)
        elif kind == "csv":
            yield from _iter_csv(path, stream, stats)
        else:
            yield from _iter_json(path, kind, _Counter(stream, stream.tell()), stats)


def _iter_json(
    path: Path, kind: str, reader: _Counter, stats: ParseStats
) -> Iterator[ParsedAward | RejectedRecord]:
    target = {"release_package": "releases", "record_package": "records"}.get(kind)
    items = _json_items(path, reader, target)
    position = 0
    while True:
        try:
            with _read_errors(path):
                item = next(items)
        except StopIteration:
            return
        except ijson.JSONError as exc:
            message = _ijson_message(exc)
            if "premature EOF" in message or "Incomplete" in message:
                raise FormatError(f"{path}: truncated JSON at byte {reader.position}") from None
            if "UTF8" in message:
                raise FormatError(f"{path}: not UTF-8 (before byte {reader.position})") from None
            raise FormatError(
                f"{path}: invalid JSON before byte {reader.position} ({message})"
            ) from None
        if kind == "release_package":
            yield from _release_awards(item, f"{path}#releases[{position}]", stats)
        elif kind == "record_package":
            yield from _record_awards(item, f"{path}#records[{position}]", stats)
        else:
            yield from _release_awards(item, str(path), stats)
        position += 1


def _json_items(path: Path, reader: _Counter, target: str | None) -> Iterator[Any]:
    """The items of the top-level `target` array ("releases", "records"), or the whole object.

    Built from ijson's basic events rather than with `ijson.items`, whose per-level prefixes take
    memory quadratic in the nesting depth (a 200 kB file of nested brackets exhausts gigabytes).
    """
    stack: list[Any] = []  # the open containers of the item being built
    keys: list[Any] = []  # the current key of each open container
    depth = 0  # nesting depth outside items
    top_key = None
    in_target = False  # directly inside the top-level target array
    for event, value in ijson.basic_parse(reader, use_float=False):
        opens = event == "start_map" or event == "start_array"
        if stack:
            if event == "map_key":
                keys[-1] = value
            elif event == "end_map" or event == "end_array":
                done = stack.pop()
                keys.pop()
                if not stack:
                    yield done
            else:
                if opens:
                    value = {} if event == "start_map" else []
                parent = stack[-1]
                if type(parent) is list:
                    parent.append(value)
                else:
                    parent[keys[-1]] = value
                if opens:
                    stack.append(value)
                    keys.append(None)
                    if len(stack) > MAX_JSON_DEPTH:
                        raise FormatError(
                            f"{path}: JSON nested more than {MAX_JSON_DEPTH} levels deep"
                            f" before byte {reader.position}"
                        )
        elif opens and ((depth == 2 and in_target) or (depth == 0 and target is None)):
            stack.append({} if event == "start_map" else [])
            keys.append(None)
        elif opens:
            depth += 1
            in_target = depth == 2 and event == "start_array" and top_key == target
        elif event == "end_map" or event == "end_array":
            depth -= 1
            in_target = in_target and depth == 2
        elif depth == 1 and event == "map_key":
            top_key = value
        elif depth == 2 and in_target:
            yield value


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _iter_jsonl(
    path: Path, stream: IO[bytes], stats: ParseStats
) -> Iterator[ParsedAward | RejectedRecord]:
    for number, line in _lines(path, stream):
        if not line.strip():
            continue
        source = f"{path}:{number}"
        try:
            obj = json.loads(line, parse_float=Decimal, parse_constant=_reject_constant)
        except json.JSONDecodeError as exc:
            stats.releases += 1
            yield _reject(source, f"invalid JSON: {exc.msg} (column {exc.colno})", line, stats)
        except (ValueError, RecursionError) as exc:
            stats.releases += 1
            yield _reject(source, f"invalid JSON: {exc}", line, stats)
        else:
            yield from _object_awards(obj, source, stats)


# ---------------------------------------------------------------------------------------------
# CSV


def _iter_csv(
    path: Path, stream: IO[bytes], stats: ParseStats
) -> Iterator[ParsedAward | RejectedRecord]:
    lines = _lines(path, stream)
    current_line = 0

    def texts() -> Iterator[str]:
        nonlocal current_line
        for number, text in lines:
            current_line = number
            yield text

    reader = csv.reader(texts())
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise FormatError(f"{path}: empty file (no CSV header row)") from None
    except csv.Error as exc:
        raise FormatError(f"{path}: invalid CSV header ({exc})") from None
    missing = [c for c in CSV_REQUIRED_COLUMNS if c not in header]
    if missing:
        raise FormatError(f"{path}: missing required CSV columns: {', '.join(missing)}")
    index = {c: header.index(c) for c in CSV_COLUMNS if c in header}
    group: list[tuple[int, list[str]]] = []
    first_line = current_line + 1
    try:
        for row in reader:
            start, first_line = first_line, current_line + 1
            if not any(cell.strip() for cell in row):
                continue
            source = f"{path}:{start}"
            if len(row) != len(header):
                reason = f"row has {len(row)} fields, the header has {len(header)}"
                yield _reject(source, reason, _csv_text([row]), stats)
                continue
            cells = {c: row[i].strip() for c, i in index.items()}
            if not cells["ocid"] or not cells["award_id"]:
                reason = "missing ocid" if not cells["ocid"] else "missing award_id"
                yield _reject(source, reason, _csv_text([row]), stats)
                continue
            if group and _csv_key(group[0][1], index) != (cells["ocid"], cells["award_id"]):
                yield _csv_award(path, group, index, stats)
                group = []
            group.append((start, row))
    except csv.Error as exc:
        error: FormatError | None = FormatError(
            f"{path}: invalid CSV at line {current_line} ({exc})"
        )
    except FormatError as exc:
        error = exc
    else:
        error = None
    if group:  # the rows read before a file error are still good
        yield _csv_award(path, group, index, stats)
    if error:
        raise error


def _csv_key(row: list[str], index: dict[str, int]) -> tuple[str, str]:
    return row[index["ocid"]].strip(), row[index["award_id"]].strip()


def _csv_text(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().rstrip("\n")


def _csv_award(
    path: Path, group: list[tuple[int, list[str]]], index: dict[str, int], stats: ParseStats
) -> ParsedAward | RejectedRecord:
    source = f"{path}:{group[0][0]}"
    rows = [row for _, row in group]
    first = {c: rows[0][i].strip() for c, i in index.items()}
    try:
        for column in _CSV_AWARD_COLUMNS:
            if column in index:
                for row in rows[1:]:
                    other = row[index[column]].strip()
                    if other and other != first[column]:
                        raise _Invalid(
                            f"rows of award {first['award_id']!r} disagree on {column}:"
                            f" {first[column]!r} and {other!r}"
                        )
        suppliers: list[ParsedSupplier] = []
        for row in rows:
            supplier = _csv_supplier({c: row[i].strip() for c, i in index.items()})
            if supplier and supplier not in suppliers:
                suppliers.append(supplier)
        award = ParsedAward(
            ocid=clean_name(first["ocid"]) or "",
            award_id=clean_name(first["award_id"]) or "",
            release_id=None,
            release_date=_parse_datetime(first.get("release_date"), "release_date"),
            title=clean_name(first.get("title")),
            description=_clean_description(first.get("description")),
            status=clean_name(first.get("status")),
            buyer_name=clean_name(first.get("buyer_name")),
            buyer_identifier=clean_name(first.get("buyer_identifier")),
            value=_parse_amount(first.get("value")),
            currency=_parse_currency(first.get("currency")),
            award_date=_parse_date(first.get("award_date"), "award_date"),
            contract_start=_parse_date(first.get("contract_start"), "contract_start"),
            contract_end=_parse_date(first.get("contract_end"), "contract_end"),
            suppliers=tuple(suppliers),
            source=source,
        )
    except _Invalid as exc:
        return _reject(source, str(exc), _csv_text(rows), stats)
    stats.awards += 1
    return award


def _csv_supplier(cells: dict[str, str]) -> ParsedSupplier | None:
    scheme, identifier = cells.get("supplier_scheme", ""), cells.get("supplier_id", "")
    if identifier and not scheme:
        raise _Invalid(f"supplier_id {identifier!r} has no supplier_scheme")
    pair = normalise_identifier(scheme, identifier)
    raw_name = clean_name(cells["supplier_name"])
    if not raw_name and not pair:
        return None
    name, aliases = split_trading_as(raw_name) if raw_name else ("", ())
    return ParsedSupplier(name, aliases, (pair,) if pair else (), None)


def iter_paths(paths: Iterable[Path], suffixes: tuple[str, ...] = SUFFIXES) -> Iterator[Path]:
    """Files as given, and the files under folders whose names end with one of `suffixes`
    (recursive, sorted, hidden skipped)."""
    for path in map(Path, paths):
        if path.is_dir():
            found = (
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.name.lower().endswith(suffixes)
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            yield from sorted(found)
        elif path.exists():
            yield path
        else:
            raise FileNotFoundError(f"{path}: no such file or folder")
