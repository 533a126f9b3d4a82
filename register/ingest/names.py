"""The cleaning every imported name and text field gets, whatever the file format."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from typing import Any

from register.matching.normalise import unescape_html

__all__ = ["BAD_CHARS", "clean_name", "clean_text"]

# Control characters (but tab, newline and carriage return) and lone surrogates.
BAD_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_WS = re.compile(r"\s+")


def clean_text(value: Any) -> str | None:
    """A string or number as text: HTML entities unescaped, control characters dropped, NFC.

    None for anything else (objects, lists, booleans, None).
    """
    if isinstance(value, str):
        text = value
    elif isinstance(value, int | Decimal | float) and not isinstance(value, bool):
        text = str(value)
    else:
        return None
    return unicodedata.normalize("NFC", BAD_CHARS.sub("", unescape_html(text)))


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
    text = clean_text(value)
    return (_WS.sub(" ", text).strip() or None) if text is not None else None
