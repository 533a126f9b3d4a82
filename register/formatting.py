"""Numbers as people write them and as people read them: the one rule for every page and file.

Officials type "7.5", "12.5%" or "£1,250.50"; pages, exports, the personal-data download and
the public register show "7.5", "12.5%" and "£1,250.50", never "5E+1" or "1.8E+2".

Submitted versions keep their content as it was attested (its digest proves it), and versions
written before this rule hold decimals in Python's shortest form ("5E+1" for 50), so every
reader formats on output with these functions rather than trusting the stored text.

Plain Python, no Flask: templates reach it through the filters that register.web installs.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

_TYPED_NUMBER = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?$")
# A number in scientific notation as Python writes it: "5E+1", "1.8E+2", "1e-05"; not a piece
# of a UUID or an OCID ("...-337e-4489-...").
SCIENTIFIC = re.compile(r"(?<![\w.])(?<![0-9a-fA-F]-)\d+(?:\.\d+)?[eE][+-]\d+(?![\w-])")


def to_decimal(value: Any) -> Decimal | None:
    """A number from the database, a version's content or a form, as an exact Decimal; None
    for no value. Raises ValueError for text that is not a number."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"not a number: {value!r}") from None
    else:
        raise ValueError(f"not a number: {value!r}")
    if not number.is_finite():
        raise ValueError(f"not a number: {value!r}")
    return number


def parse_typed(text: str, *, currency: bool = False) -> Decimal:
    """A number as a person types it: "7.5", "1,250.50", and with `currency` "£1,250.50".
    Raises ValueError when it is not one (commas must group thousands)."""
    cleaned = text.strip().replace(" ", "")
    if currency and cleaned.startswith("£"):
        cleaned = cleaned[1:]
    if not cleaned or not _TYPED_NUMBER.match(cleaned) or cleaned in ("+", "-", "."):
        raise ValueError(f"not a number: {text!r}")
    return Decimal(cleaned.replace(",", ""))


def plain_number(value: Any, *, grouped: bool = False) -> str:
    """A number in fixed-point form with no trailing zeros: 50, 12.5, 0.001 (never 5E+1);
    with `grouped`, thousands separated by commas. Empty text for no value."""
    number = to_decimal(value)
    if number is None:
        return ""
    text = f"{number:,f}" if grouped else f"{number:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def percentage(value: Any) -> str:
    """A percentage as people read it: "50%", "12.5%", "0.001%"."""
    text = plain_number(value)
    return f"{text}%" if text else ""


def money(value: Any) -> str:
    """Pounds as people read them: "£180", "£1,250.50", "£2,900,000" (pence only when there
    are some)."""
    number = to_decimal(value)
    if number is None:
        return ""
    text = f"{number.quantize(Decimal('0.01')):,f}"
    if text.endswith(".00"):
        text = text[:-3]
    return f"-£{text[1:]}" if text.startswith("-") else f"£{text}"


def hours_content(value: Decimal | int | None) -> int | str | None:
    """Hours per month as a version's content holds them: whole hours stay JSON integers, as
    they were when hours were whole numbers only (so older versions compare equal), and part
    hours are exact text ("7.5")."""
    number = to_decimal(value)
    if number is None:
        return None
    if number == number.to_integral_value():
        return int(number)
    return plain_number(number)


def has_scientific_notation(text: str) -> bool:
    """Whether any number in `text` is written in scientific notation."""
    return SCIENTIFIC.search(text) is not None


# The interest fields that hold numbers, and how each is read.
NUMBER_FIELDS = {
    "percentage": percentage,
    "value_pounds": money,
    "hours_per_month": plain_number,
}


def field_value(value: Any, field: str) -> Any:
    """One field of an interest as people read it: numbers by their rule, the rest as given."""
    shown = NUMBER_FIELDS.get(field)
    if shown is None or value is None or value == "":
        return value
    try:
        return shown(value)
    except ValueError:
        return value


def plain_interest(item: dict[str, Any]) -> dict[str, Any]:
    """A version's interest (its content dict) with its numbers in plain form ("50", not
    "5E+1"), for files people read: the stored content itself is attested and never changes."""
    return {
        name: plain_number(value) if name in NUMBER_FIELDS and value not in (None, "") else value
        for name, value in item.items()
    }


def plain_content(content: dict[str, Any]) -> dict[str, Any]:
    """A version's content with every interest's numbers in plain form (see plain_interest)."""
    return {
        **content,
        "interests": [plain_interest(i) for i in content.get("interests", [])],
    }
