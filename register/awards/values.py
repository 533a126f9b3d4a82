"""Award field values: amounts, currencies, dates, descriptions, supplier names ("X T/A Y") and
supplier identifiers, each in its typed form, or `InvalidRecord` with the reason."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from register.ingest.names import clean_name, clean_text
from register.ingest.rejections import InvalidRecord, record_text
from register.matching.identifiers import identifier_pair

__all__ = [
    "MAX_VALUE",
    "clean_description",
    "parse_amount",
    "parse_currency",
    "parse_date",
    "parse_datetime",
    "split_trading_as",
    "supplier_identifier",
]

MAX_VALUE = Decimal("1e15")

_TRADING_AS_PAREN = re.compile(
    r"\(\s*(?:t\s*/\s*as?|trading\s+as|ta)\b\s*[:\-]?\s*([^()]*)\)?", re.IGNORECASE
)
_TRADING_AS = re.compile(
    r"\s*,?\s*(?:(?<![\w/])(?i:t\s*/\s*as?|trading\s+as)(?![\w/])|(?<=\s)TA(?=\s))\s*[:\-]?\s*"
)
_TRADING_AS_HINT = re.compile(r"t\s*/|trading|\bta\b", re.IGNORECASE)
_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")
_CURRENCY = re.compile(r"[A-Z]{3}")


def clean_description(value: Any) -> str | None:
    text = clean_text(value)
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


def supplier_identifier(scheme: Any, identifier: Any) -> tuple[str, str] | None:
    """A (scheme, id) pair as written in a file (strings or numbers, HTML entities and all), in
    the register's one form (register.matching.identifiers); None if empty or a placeholder."""
    return identifier_pair(clean_name(scheme) or "", clean_name(identifier) or "")


def parse_amount(raw: Any) -> Decimal | None:
    if raw is None:
        return None
    if isinstance(raw, str):
        text = raw.strip().replace(",", "")
        if not text:
            return None
        if not _NUMBER.fullmatch(text):
            raise InvalidRecord(f"value {raw!r} is not a number")
        amount = Decimal(text)
    elif isinstance(raw, int | Decimal | float) and not isinstance(raw, bool):
        amount = Decimal(str(raw))
    else:
        raise InvalidRecord(f"value {record_text(raw, 100)} is not a number")
    if not amount.is_finite():
        raise InvalidRecord(f"value {raw!r} is not a number")
    # By exponent, not abs(): "1e999999999" is past what decimal arithmetic allows (Overflow).
    if amount and amount.adjusted() >= MAX_VALUE.adjusted():
        raise InvalidRecord(f"value {record_text(raw, 100)} is out of range")
    return amount


def parse_currency(raw: Any) -> str | None:
    if raw is None or raw == "":
        return None
    code = raw.strip().upper() if isinstance(raw, str) else ""
    if not _CURRENCY.fullmatch(code):
        raise InvalidRecord(f"currency {record_text(raw, 100)} is not a 3-letter ISO 4217 code")
    return code


def parse_datetime(raw: Any, field: str) -> datetime | None:
    if raw is None or raw == "":
        return None
    try:
        parsed = datetime.fromisoformat(raw.strip())
    except (AttributeError, ValueError):
        raise InvalidRecord(f"{field} {record_text(raw, 100)} is not an ISO 8601 date") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_date(raw: Any, field: str) -> date | None:
    parsed = parse_datetime(raw, field)
    return parsed.date() if parsed else None
