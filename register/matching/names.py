"""Organisation names read part by part, and compared part by part with reasons.

rigour analyses a name: it finds legal forms anywhere in it, in many languages ("JSC",
"Gesellschaft mit beschränkter Haftung", "Limited Liability Company"), numbers and ordinals
("2nd", "second", "Sixty-Six"), places ("Jersey", "U.K."), abbreviations and generic words
("Nat'l", "Bros", "services"), and it pairs those symbols between two names. What symbols do
not explain is compared by rigour's residue distance (`compare_parts`): a budget that grows
with the length of the words, cheap costs for confusable letters and for words run together.

On top of that, what a conflict-of-interest register needs: two names are the same
organisation only if every distinctive word of each is matched in the other; different legal
forms ("AG" / "GmbH"), numbers ("Fund III" / "Fund IV", "Partners II" / "Partners") or places
("(Jersey)" / "(Guernsey)") make them different organisations, perhaps of one group; a
one-letter difference that makes another real word ("Carers" / "Careers") is not a slip; and
generic words alone never make a match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import OSA, Levenshtein
from rigour.names import (
    Alignment,
    Name,
    NamePart,
    NamePartTag,
    NameTypeTag,
    Symbol,
    analyze_names,
    compare_parts,
    extract_org_types,
    pair_symbols,
)
from rigour.names.symbol import SymbolCategory
from rigour.text import ascii_text
from wordfreq import zipf_frequency

from .normalise import alias_texts

DISTINCTIVE = "distinctive"
GENERIC = "generic"  # rigour's symbols of generic and sector words: "services", "bank", "group"
NUMBER = "number"
PLACE = "place"
LEGAL = "legal"
STOP = "stop"

GENERIC_CATEGORIES = frozenset({Symbol.Category.SYMBOL, Symbol.Category.DOMAIN})
# How far a word pair may be read as "the same word": symbol pairings score a little under an
# exact match, so that an exact name always ranks first.
SYMBOL_SCORE = 0.95
RESCUED_SCORE = 0.85
# Two spellings that are both common English words (Zipf frequency: 3 is about once per million
# words) are two words, not a slip: "carers" / "careers", "capita" / "capital", "smith" / "smyth".
REAL_WORD_ZIPF = 3.0
# British and American spellings of one word are one word ("harbour" / "harbor").
_SPELLING_VARIANTS = (("our", "or"), ("re", "er"), ("ise", "ize"), ("yse", "yze"), ("ogue", "og"))
_CAMEL_LEGAL_FORM = re.compile(r"(?<=[a-z])(?=[A-Z][A-Za-z.]{2,6}(?!\w))")
_ABBREVIATED = re.compile(r"\b(\w+)(?:\.|'\w+\b)")
MAX_PAIRINGS = 8
# A number that tells one fund, company or series from another: digits ("3", "2nd") or a Roman
# numeral. Numbers in words ("second", and "premier", French for first) are words like others,
# which still pair with their digits ("2nd" / "second") through rigour's number symbols.
_SERIES_MARKER = re.compile(r"\d+(?:st|nd|rd|th)?|[ivx]{1,5}")


@dataclass(frozen=True, eq=False)
class OrgName:
    """One name of an organisation, analysed."""

    full: str  # the analysed name, legal forms in rigour's compare form: "northwind jsc"
    key: str  # without legal forms and stop words: "northwind"
    compact: str  # the key without spaces: equal compact keys and no conflict are one name
    tokens: tuple[str, ...]  # the distinctive words, for the candidate index
    name: Name
    roles: dict[NamePart, str]
    legal_classes: frozenset[str]  # rigour's generic legal forms: {"LLC"}, {"JSC"}
    legal_written: tuple[str, ...]  # as written: ("joint stock company",)
    abbreviated: frozenset[str]  # words written with a full stop or an apostrophe: "assoc"
    qualifier: str = ""  # the bracketed text of the name ("jersey"), normalised
    unbracketed: bool = False  # this alias is the name without its bracketed text

    def __repr__(self) -> str:
        return f"OrgName({self.full!r})"


def _role(part: NamePart, categories: set[SymbolCategory]) -> str:
    if Symbol.Category.NUMERIC in categories and _SERIES_MARKER.fullmatch(part.comparable):
        return NUMBER  # before legal: "II" is also a Portuguese legal form to rigour
    if part.tag == NamePartTag.LEGAL:
        return LEGAL
    if part.tag == NamePartTag.STOP:
        return STOP
    if Symbol.Category.LOCATION in categories:
        return PLACE
    if categories & GENERIC_CATEGORIES:
        return GENERIC
    return DISTINCTIVE


def _split_joined_legal_form(text: str) -> str:
    """"KesslerGmbH" is "Kessler GmbH": a legal form run into the name after a capital."""
    for at in reversed([m.start() for m in _CAMEL_LEGAL_FORM.finditer(text)]):
        tail = text[at:].split(maxsplit=1)[0].casefold()
        found = extract_org_types(tail)
        if found and found[0][0] == tail:
            text = text[:at] + " " + text[at:]
    return text


@lru_cache(maxsize=1 << 17)
def analyse_org_name(text: str, qualifier: str = "", unbracketed: bool = False) -> OrgName | None:
    """The analysis of one (alias of a) name, or None when nothing is left of it."""
    text = _split_joined_legal_form(text)
    names = analyze_names(NameTypeTag.ORG, [text], consolidate=False, phonetics=False)
    if not names:
        return None
    name = names.pop()
    categories: dict[NamePart, set[SymbolCategory]] = {p: set() for p in name.parts}
    for span in name.spans:
        for part in span.parts:
            categories[part].add(span.symbol.category)
    roles = {part: _role(part, categories[part]) for part in name.parts}
    legal_classes = frozenset(
        str(span.symbol.id)
        for span in name.spans
        if span.symbol.category == Symbol.Category.ORG_CLASS
        and all(roles[p] == LEGAL for p in span.parts)
    )
    kept = [p.comparable for p in name.parts if roles[p] not in (LEGAL, STOP)]
    key = " ".join(kept) or name.comparable
    plain = ascii_text(text).casefold()
    return OrgName(
        full=name.comparable,
        key=key,
        compact=key.replace(" ", ""),
        tokens=tuple(dict.fromkeys(p.comparable for p in name.parts if roles[p] == DISTINCTIVE)),
        name=name,
        roles=roles,
        legal_classes=legal_classes,
        legal_written=tuple(
            form for form, _ in extract_org_types(plain) if not _SERIES_MARKER.fullmatch(form)
        ),
        abbreviated=frozenset(w.replace("'", "") for w in _ABBREVIATED.findall(plain)),
        qualifier=qualifier,
        unbracketed=unbracketed,
    )


@dataclass(frozen=True, slots=True)
class Comparison:
    """Whether two names are one organisation's, how similar they are (0..100), and why.

    `notes` say what was matched or set aside; `relative`, for names that differ only by a
    legal form, a number or a place, says so: they may be two companies of one group.
    """

    matched: bool
    score: float
    notes: tuple[str, ...]
    why_not: str = ""
    relative: str = ""


def _quote(parts: tuple[NamePart, ...] | list[NamePart]) -> str:
    return "'" + " ".join(p.comparable for p in parts) + "'"


def _spelling_variant(a: str, b: str) -> bool:
    for british, american in _SPELLING_VARIANTS:
        for x, y in ((a, b), (b, a)):
            if x.endswith(british) and x[: -len(british)] + american == y:
                return True
            if british + "s" in x and x.replace(british + "s", american + "s") == y:
                return True
    return False


def _different_words(a: str, b: str) -> bool:
    """Two spellings that are two common words, not one word mistyped."""
    if " " in a or " " in b or _spelling_variant(a, b):
        return False
    return min(zipf_frequency(a, "en"), zipf_frequency(b, "en")) >= REAL_WORD_ZIPF


def _is_subsequence(short: str, long: str) -> bool:
    letters = iter(long)
    return all(c in letters for c in short)


def _rescue(a: str, b: str, abbreviated: frozenset[str]) -> str:
    """Why two words beyond the residue budget are still one, or "".

    An abbreviation written as one ("Assoc.", "Nat'l") stands for a longer word with the same
    first letter and its letters in order; two letters swapped in a longer word are a slip.
    """
    if " " not in a and " " not in b:
        short, long = sorted((a, b), key=len)
        if (
            short in abbreviated
            and len(short) >= 3
            and len(long) >= len(short) + 2
            and short[0] == long[0]
            and _is_subsequence(short, long)
        ):
            return f"'{short}' read as '{long}'"
        if min(len(a), len(b)) >= 5 and OSA.distance(a, b) == 1 and Levenshtein.distance(a, b) == 2:
            return f"two letters swapped in '{a}'"
    return ""


def _slip(a: str, b: str) -> str:
    if a.replace(" ", "") == b.replace(" ", ""):
        return f"'{a}' written as '{b}'"
    edits = Levenshtein.distance(a, b)
    longer = max(a, b, key=len)
    count = {1: "one-letter", 2: "two-letter"}.get(edits, f"{edits}-letter")
    return f"{count} difference in '{longer}'"


def _compare_pairing(a: OrgName, b: OrgName, edges: list[Alignment]) -> Comparison:
    used_a = {p for e in edges for p in e.qps}
    used_b = {p for e in edges for p in e.rps}
    notes: list[str] = []
    weights: list[tuple[float, float]] = []  # (score, weight) of each matched word
    distinctive = False
    for edge in edges:
        roles = {a.roles[p] for p in edge.qps} | {b.roles[p] for p in edge.rps}
        if roles <= {LEGAL}:
            continue
        same = edge.qstr == edge.rstr
        if not same:
            notes.append(f"'{edge.qstr}' read as '{edge.rstr}'")
        weights.append((1.0 if same else SYMBOL_SCORE, float(len(edge.rstr))))
        distinctive = distinctive or DISTINCTIVE in roles

    numbers_a = [p for p in a.name.parts if a.roles[p] == NUMBER and p not in used_a]
    numbers_b = [p for p in b.name.parts if b.roles[p] == NUMBER and p not in used_b]
    if numbers_a or numbers_b:
        text = " / ".join(_quote(n) for n in (numbers_a, numbers_b) if n)
        why = f"numbers or series markers differ: {text}"
        return Comparison(False, 0.0, tuple(notes), why, relative=why)
    places_a = [p for p in a.name.parts if a.roles[p] == PLACE and p not in used_a]
    places_b = [p for p in b.name.parts if b.roles[p] == PLACE and p not in used_b]
    if places_a and places_b:
        why = f"places differ: {_quote(places_a)} / {_quote(places_b)}"
        return Comparison(False, 0.0, tuple(notes), why, relative=why)
    for places in (places_a, places_b):
        if places:
            notes.append(f"place {_quote(places)} in one name only, set aside")

    words = (DISTINCTIVE, GENERIC)
    residue_a = [p for p in a.name.parts if a.roles[p] in words and p not in used_a]
    residue_b = [p for p in b.name.parts if b.roles[p] in words and p not in used_b]
    set_aside: tuple[list[NamePart], list[NamePart]] = ([], [])
    for alignment in compare_parts(residue_a, residue_b) if residue_a or residue_b else []:
        parts = [(a.roles[p], p) for p in alignment.qps] + [(b.roles[p], p) for p in alignment.rps]
        if not alignment.qps or not alignment.rps:
            loose = [p for role, p in parts if role == DISTINCTIVE]
            if loose:
                why = f"{_quote(loose)} is in one name only"
                return Comparison(False, 0.0, tuple(notes), why)
            set_aside[0 if alignment.qps else 1].extend(p for _, p in parts)
            continue
        qstr, rstr = alignment.qstr, alignment.rstr
        score = alignment.score
        if qstr != rstr:
            if score <= 0:
                rescued = _rescue(qstr, rstr, a.abbreviated | b.abbreviated)
                if not rescued:
                    return Comparison(False, 0.0, tuple(notes), f"'{qstr}' and '{rstr}' differ")
                notes.append(rescued)
                score = RESCUED_SCORE
            elif _different_words(qstr, rstr):
                why = f"'{qstr}' and '{rstr}' are different words"
                return Comparison(False, 0.0, tuple(notes), why)
            else:
                notes.append(_slip(qstr, rstr))
        weights.append((score, float(max(len(qstr), len(rstr)))))
        distinctive = distinctive or any(role == DISTINCTIVE for role, _ in parts)
    if set_aside[0] and set_aside[1]:
        why = f"{_quote(set_aside[0])} and {_quote(set_aside[1])} differ"
        return Comparison(False, 0.0, tuple(notes), why)
    loose_words = set_aside[0] or set_aside[1]
    if not distinctive and (loose_words or places_a or places_b):
        return Comparison(False, 0.0, tuple(notes), "only generic words in common")
    if loose_words:
        notes.append(f"{_quote(loose_words)} in one name only, set aside")
    total = sum(w for _, w in weights)
    score = 100 * sum(s * w for s, w in weights) / total if total else 100.0
    return Comparison(True, round(score, 1), tuple(notes))


def _legal_notes(a: OrgName, b: OrgName) -> list[str]:
    written = dict.fromkeys(a.legal_written + b.legal_written)
    if not written or a.legal_written == b.legal_written:
        return []
    forms = ", ".join(f"'{w}'" for w in written)
    return [f"legal form{'s' * (len(written) > 1)} {forms} set aside"]


def comparable(a: OrgName, b: OrgName) -> bool:
    """False for a name without its bracketed text against a name with other bracketed text:
    "Harbour Trust" (of "Harbour Trust (Jersey)") is not compared with "Harbour Trust
    (Guernsey)"; the full names are, and their places differ."""
    return not (
        (a.unbracketed or b.unbracketed) and a.qualifier and b.qualifier and a.qualifier != b.qualifier
    )


@lru_cache(maxsize=1 << 17)
def compare_org_names(a: OrgName, b: OrgName) -> Comparison:
    """Compare two analysed names (see the module docstring)."""
    if a.legal_classes and b.legal_classes and not a.legal_classes & b.legal_classes:
        forms = " / ".join("'" + (n.legal_written[-1] if n.legal_written else "") + "'" for n in (a, b))
        why = f"different legal forms: {forms}"
        return Comparison(False, 0.0, (), why, relative=why)
    legal = _legal_notes(a, b)
    if a.full == b.full:
        return Comparison(True, 100.0, tuple(legal))
    best: Comparison | None = None
    for number, edges in enumerate(pair_symbols(a.name, b.name)):
        found = _compare_pairing(a, b, edges)
        if best is None or (found.matched, found.score) > (best.matched, best.score):
            best = found
        if (best.matched and best.score >= 100) or number + 1 >= MAX_PAIRINGS:
            break
    if best is None:
        best = _compare_pairing(a, b, [])
    if a.compact == b.compact and not best.matched and not best.relative:
        best = Comparison(True, 100.0, (f"'{a.key}' written as '{b.key}'",))
    return Comparison(
        best.matched, best.score, tuple(legal) + best.notes, best.why_not, best.relative
    )


@lru_cache(maxsize=1 << 17)
def org_names(raw: str) -> tuple[OrgName, ...]:
    """Every name of a raw name (trading, former and unbracketed names), the main name first."""
    found: dict[str, OrgName] = {}
    for text, qualifier, unbracketed in alias_texts(raw):
        analysed = analyse_org_name(text, qualifier, unbracketed)
        if analysed is not None and analysed.full not in found:
            found[analysed.full] = analysed
    return tuple(found.values())
