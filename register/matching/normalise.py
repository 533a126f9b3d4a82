"""Organisation names as written: HTML entities, trading and former names, a normalised form.

The comparison itself reads names with rigour (names.py); `normalise_name` is a plain form for
keys that are not compared, such as a gift donor's name.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

from rigour.names import extract_org_types
from rigour.text import ascii_text

# "X Ltd T/A Y", "X trading as Y", "X (formerly Y)", "X, known as Y", "Serco (ta Serco Education)".
_ALIAS_SPLIT = re.compile(
    r"\b(?:t\s*/\s*as?|trading\s+as|(?:also\s+|formerly\s+|previously\s+)?known\s+as"
    r"|formerly|previously|a\.k\.a\.?|f/k/a)(?!\w)|(?<=\()\s*ta\b"
    # "Relx (UK) Ltd TA LexisNexis", "Precise Media Monitoring TA Kantar Media"
    r"|(?<=\bltd)\s+ta\b|(?<=\blimited)\s+ta\b|(?<=\bllp)\s+ta\b|(?<=\bplc)\s+ta\b"
    r"|(?-i:(?<=[a-z])\s+TA(?=\s+[A-Z]))",
    re.IGNORECASE,
)
_BRACKETED = re.compile(r"\([^()]*\)")
# "ALCATEL N.V., AMSTERDAM": a place after the legal form, as patent offices write the seat.
_ADDRESS = re.compile(r"(.+?),\s*([^,()]+(?:,\s*[^,()]+)*)")
# After a legal form, only punctuation or one bracketed qualifier may follow: "Foo Ltd (UK)".
_TAIL = re.compile(r"[\s.,;:]*(?:\([^()]*\)[\s.,;:]*)?")
_JOINERS = re.compile(r"(?<=[a-z0-9])[.'`](?=[a-z0-9])")
_AND = re.compile(r"[&+]")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_INITIALS = re.compile(r"\b[a-z](?: [a-z]\b)+")


def unescape_html(text: str) -> str:
    """HTML entities decoded, even when escaped twice or three times, as Contracts Finder has
    them ("&amp;amp;")."""
    for _ in range(3):
        if "&" not in text:
            break
        unescaped = html.unescape(text)
        if unescaped == text:
            break
        text = unescaped
    return text


_MAX_FORMS = 8  # legal forms removed from one name at most ("GmbH & Co. KG" is three)


def _strip_legal_forms(text: str) -> str:
    """Remove legal forms at the end of a name; keep the text if nothing would be left."""
    stripped = text
    for _ in range(_MAX_FORMS):
        found = extract_org_types(stripped)
        if not found:
            break
        form, canonical = found[-1]
        at = stripped.rfind(form)
        before = stripped[at - 1 : at] if at > 0 else ""
        if at <= 0 or before.isalnum() or not _TAIL.fullmatch(stripped, at + len(form)):
            break
        if form != canonical and extract_org_types(canonical) == [(canonical, canonical)]:
            # "Pte Limited" is "pte ltd": a spelled-out form may complete a compound one, so it
            # is put in its short form and looked at again, as "Pte Ltd" would be.
            stripped = stripped[:at] + canonical + stripped[at + len(form) :]
            continue
        stripped = stripped[:at] + stripped[at + len(form) :]
    return stripped if stripped.strip(" .,;:()") else text


def _clean(text: str) -> str:
    text = _JOINERS.sub("", text)
    text = _AND.sub(" and ", text)
    return _NON_ALNUM.sub(" ", text).strip()


def _join_initials(text: str) -> str:
    # "M W Cripwell" and "M.W. Cripwell" become "mw cripwell".
    return _INITIALS.sub(lambda m: m.group(0).replace(" ", ""), text)


@lru_cache(maxsize=1 << 16)
def normalise_name(name: str) -> str:
    """Return the canonical comparison form of an organisation name."""
    text = _strip_legal_forms(ascii_text(unescape_html(name)).casefold())
    # Legal forms again once punctuation is gone ("N. V." is "n v"), then once initials are joined.
    text = _strip_legal_forms(_clean(text))
    return _strip_legal_forms(_join_initials(text)).strip()


def alias_texts(name: str) -> list[tuple[str, str, bool]]:
    """The names a raw name gives, as written: (text, its bracketed text normalised, whether
    this is the name without its bracketed text).

    "Morning Lane Associates (Leeds) Ltd T/A ML Consulting" gives the main name, the main name
    without "(Leeds)" and "ML Consulting".
    """
    texts: list[tuple[str, str, bool]] = []
    for part in _ALIAS_SPLIT.split(unescape_html(name)):
        part = part.strip(" ,;:-")
        if not part:
            continue
        brackets = _BRACKETED.findall(part)
        qualifier = normalise_name(" ".join(b.strip("()") for b in brackets)) if brackets else ""
        texts.append((part, qualifier, False))
        if brackets:
            texts.append((_BRACKETED.sub(" ", part), qualifier, True))
        address = _ADDRESS.fullmatch(part)
        if address and _ends_with_legal_form(address.group(1)):
            texts.append((address.group(1), normalise_name(address.group(2)), True))
    return texts


def _ends_with_legal_form(text: str) -> bool:
    found = extract_org_types(text.casefold())
    return bool(found) and text.casefold().rstrip(" .,").endswith(found[-1][0].rstrip(" ."))


def name_aliases(name: str) -> list[str]:
    """Split a name into its normalised names: trading names, former names, unqualified form.

    The first entry is the organisation's main name; "Morning Lane Associates (Leeds) Ltd T/A
    ML Consulting" gives ["morning lane associates leeds", "morning lane associates",
    "ml consulting"].
    """
    aliases: list[str] = []
    for text, _, _ in alias_texts(name):
        normalised = normalise_name(text)
        if normalised and normalised not in aliases:
            aliases.append(normalised)
    return aliases
