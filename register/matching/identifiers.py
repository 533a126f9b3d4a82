"""The register's one rule for organisation identifiers (Companies House, charity numbers, ...).

Every identifier is compared and stored in one form: scheme and value trimmed, upper case, with
no spaces inside; a Companies House number (GB-COH) is also padded with zeros to the 8
characters Companies House uses, after any letter prefix and before any letter suffix
("1234567" -> "01234567", "sc 12345" -> "SC012345", "IP19059R" stays). Award files, officer
files, declarations, the matching engine, undeclared-interest screening and the declaration
search all use this module, so "SC12345" in one place and "SC012345" in another are one company.

Pure: no Flask, no database, no other register module.
"""

from __future__ import annotations

import re

__all__ = ["COMPANIES_HOUSE", "company_number", "identifier_pair", "normalise_identifier"]

COMPANIES_HOUSE = "GB-COH"
COMPANY_NUMBER_LENGTH = 8
_COMPANY_NUMBER = re.compile(r"([A-Z]{2})?(\d+)([A-Z]?)")


def normalise_identifier(scheme: str, value: str) -> tuple[str, str]:
    """(scheme, value) in the register's form; always a pair, possibly of empty strings.

    Use `identifier_pair` for identifiers read from outside, which drops empty ones and
    Companies House placeholders.
    """
    scheme = "".join(scheme.split()).upper()
    value = "".join(value.split()).upper()
    if scheme == COMPANIES_HOUSE and (match := _COMPANY_NUMBER.fullmatch(value)):
        prefix, digits, suffix = match.groups(default="")
        width = COMPANY_NUMBER_LENGTH - len(prefix) - len(suffix)
        value = prefix + digits.zfill(width) + suffix  # zfill never shortens a longer number
    return scheme, value


def identifier_pair(scheme: str, value: str) -> tuple[str, str] | None:
    """`normalise_identifier`, or None for an empty scheme or value, and for a Companies House
    number with no non-zero digit (placeholders such as "0", "N/A"), which would otherwise
    "match" unrelated companies."""
    scheme, value = normalise_identifier(scheme, value)
    if not scheme or not value:
        return None
    if scheme == COMPANIES_HOUSE and not any(ch in "123456789" for ch in value):
        return None
    return scheme, value


def company_number(value: str) -> str | None:
    """A Companies House number in the register's form, or None if empty or a placeholder."""
    pair = identifier_pair(COMPANIES_HOUSE, value)
    return pair[1] if pair else None
