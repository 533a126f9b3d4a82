"""The one way a download names its file: an RFC 6266 `Content-Disposition` header.

File names are built from cycle and department names, which people type. Interpolated into a
quoted header, a quote adds parameters, a newline or a character outside Latin-1 (the en dash
of "2026–27") makes the header impossible to send. Here the name is given twice: an ASCII
fallback with nothing but letters, digits, dots, hyphens and underscores, and the exact name
percent-encoded in UTF-8 (`filename*=`), which every current browser prefers.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

__all__ = ["content_disposition"]

_UNSAFE_ASCII = re.compile(r"[^A-Za-z0-9._-]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def ascii_filename(name: str) -> str:
    """Letters, digits, '.', '-' and '_' only: accents dropped, anything else becomes '-'."""
    plain = "".join(
        char if char.isascii() else "" if unicodedata.combining(char) else "-"
        for char in unicodedata.normalize("NFKD", name)
    )
    safe = _UNSAFE_ASCII.sub("-", plain).strip("-.")
    return safe or "download"


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII `filename` and the exact UTF-8 `filename*`."""
    exact = _CONTROL.sub("", filename).strip() or "download"
    encoded = quote(exact, safe="")
    return f"attachment; filename=\"{ascii_filename(exact)}\"; filename*=UTF-8''{encoded}"
