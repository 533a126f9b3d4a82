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
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rapidfuzz.distance import OSA, Levenshtein
from rigour.names import (
    Alignment,
    CompareConfig,
    Name,
    NamePart,
    NamePartTag,
    NameTypeTag,
    Symbol,
    analyze_names,
    compare_parts,
    extract_org_types,
    pair_symbols,
    remove_org_types,
    replace_org_types_compare,
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

# rigour's enumerations, read once (each attribute access crosses into Rust).
NUMERIC_SYMBOL = Symbol.Category.NUMERIC
PLACE_SYMBOL = Symbol.Category.LOCATION
LEGAL_TAG = NamePartTag.LEGAL
STOP_TAG = NamePartTag.STOP
GENERIC_CATEGORIES = frozenset({Symbol.Category.SYMBOL, Symbol.Category.DOMAIN})
# rigour's symbols for "company" and "corporation" ("Co.", "Corp."): words of a legal form.
COMPANY_SYMBOLS = frozenset({"[SYMBOL:CO]", "[SYMBOL:CORP]"})
CORP_SYMBOL = "[SYMBOL:CORP]"
# How far a word pair may be read as "the same word": symbol pairings score a little under an
# exact match, so that an exact name always ranks first.
SYMBOL_SCORE = 0.95
RESCUED_SCORE = 0.85
# Two spellings that are both common English words (Zipf frequency: 3 is about once per million
# words) are two words, not a slip: "carers" / "careers", "capita" / "capital", "smith" / "smyth".
REAL_WORD_ZIPF = 3.0
# British and American spellings of one word are one word ("harbour" / "harbor").
_SPELLING_VARIANTS = (("our", "or"), ("re", "er"), ("ise", "ize"), ("yse", "yze"), ("ogue", "og"))
_CAMEL_LEGAL_FORM = re.compile(
    r"(?<=[a-z])(?=[A-Z][A-Za-z.]{1,6}(?!\w))|(?<=[A-Z])(?=[A-Z][a-z][a-z.]{1,10}(?!\w))"
)
_NON_LATIN = re.compile(r"[^\W\d_\u0000-\u024f\u1e00-\u1eff]")
_INITIALS = re.compile(r"(?<![\w.'])(?:[A-Za-z][\s.,]+)+[A-Za-z](?!\w)\.?")
_ABBREVIATED = re.compile(r"\b(\w+)(?:\.|'\w+\b)")
MAX_PAIRINGS = 8
MAX_WORD_EDITS = 2
# rigour's residue budget, a fifth stricter than its recall-protective default (tuned for
# sanctions screening): a register's flags must be ones a person would look at. Measured with
# bench/matching.py (planted near misses) and bench/name_accuracy.py.
COMPARE_CONFIG = CompareConfig(budget_tolerance=0.8)
# Legal forms that are one form in two languages, which rigour keeps apart: a Russian company's
# form transliterated and translated ("PAO" / "PJSC"), Swiss and Belgian companies' German,
# French and Dutch names ("AG" / "SA", "NV" / "SA").
LEGAL_FORM_TRANSLATIONS = frozenset(
    frozenset(pair)
    for pair in (
        ("pao", "pjsc"),
        ("oao", "ojsc"),
        ("zao", "cjsc"),
        ("ao", "jsc"),
        ("ao", "ojsc"),
        ("ao", "pjsc"),
        ("ooo", "llc"),
        ("ag", "sa"),
        ("nv", "sa"),
        ("bv", "bvba"),
    )
)
# A number that tells one fund, company or series from another: digits ("3", "2nd") or a Roman
# numeral. Numbers in words ("second", and "premier", French for first) are words like others,
# which still pair with their digits ("2nd" / "second") through rigour's number symbols.
_SERIES_MARKER = re.compile(r"\d+(?:st|nd|rd|th)?|[ivx]{1,5}")


@dataclass(frozen=True, slots=True)
class Outline:
    """What the cheap tests of a comparison read of a name (share_a_word, _early_verdict): so
    little that the stored candidate index keeps it, and screening rules out most candidates
    without analysing them."""

    full: str
    compact: str
    tokens: tuple[str, ...]
    words: tuple[tuple[str, str, frozenset[str]], ...]  # each part: comparable, role, symbols
    all_symbols: frozenset[str]

    def to_json(self) -> list[object]:
        return [
            self.full,
            self.compact,
            list(self.tokens),
            [[word, role, sorted(symbols)] for word, role, symbols in self.words],
            sorted(self.all_symbols),
        ]

    @classmethod
    def from_json(cls, data: list[Any]) -> Outline:
        full, compact, tokens, words, all_symbols = data
        return cls(
            full,
            compact,
            tuple(tokens),
            tuple((w, r, frozenset(sy)) for w, r, sy in words),
            frozenset(all_symbols),
        )


@dataclass(frozen=True, eq=False)
class OrgName:
    """One name of an organisation, analysed."""

    full: str  # the analysed name, legal forms in rigour's compare form: "northwind jsc"
    key: str  # without legal forms and stop words: "northwind"
    plain: str  # without legal forms, as reasons show it: "bank of scotland"
    compact: str  # the key without spaces: equal compact keys and no conflict are one name
    tokens: tuple[str, ...]  # the distinctive words, for the candidate index
    name: Name
    roles: dict[NamePart, str]
    symbols: dict[NamePart, frozenset[str]]  # rigour's symbols of each part: "[NUM:2]"
    all_symbols: frozenset[str]
    legal_forms: tuple[str, ...]  # legal forms in rigour's compare form: ("gmbh",), ("plc",)
    latin: bool  # written in the Latin script
    legal_written: tuple[str, ...]  # as written: ("joint stock company",)
    abbreviated: frozenset[str]  # words written with a full stop or an apostrophe: "assoc"
    outline: Outline
    qualifier: str = ""  # the bracketed text of the name ("jersey"), normalised
    unbracketed: bool = False  # this alias is the name without its bracketed text

    def __repr__(self) -> str:
        return f"OrgName({self.full!r})"


def _role(part: NamePart, categories: set[SymbolCategory], symbols: set[str]) -> str:
    if NUMERIC_SYMBOL in categories and _SERIES_MARKER.fullmatch(part.comparable):
        return NUMBER  # before legal: "II" is also a Portuguese legal form to rigour
    tag = part.tag
    if tag == LEGAL_TAG or symbols & COMPANY_SYMBOLS:
        return LEGAL
    if tag == STOP_TAG:
        return STOP
    if PLACE_SYMBOL in categories:
        return PLACE
    if categories & GENERIC_CATEGORIES:
        return GENERIC
    return DISTINCTIVE


def _without_company(form: str) -> str:
    """ "coltd" (rigour's "Co., Ltd.") is "ltd"."""
    rest = form[2:]
    found = extract_org_types(rest) if form.startswith("co") and rest else []
    return rest if found and found[0][0] == rest else form


def _join_initials(text: str) -> str:
    """ "N. V. Philips", "N .V.Philips" and "U. S. Philips" are "NV Philips" and "US Philips";
    "D S M N. V." is "DSM NV": a legal form among the initials stays a word of its own."""

    def join(match: re.Match[str]) -> str:
        letters = re.sub(r"[^A-Za-z]", "", match.group(0))
        for size in (3, 2):
            tail = letters[-size:].casefold()
            if len(letters) > size + 1 and remove_org_types(tail).strip() == "":
                return f"{letters[:-size]} {letters[-size:]} "
        return letters + " "

    return _INITIALS.sub(join, text)


def _split_joined_legal_form(text: str) -> str:
    """ "KesslerGmbH" is "Kessler GmbH", "UKLimited" is "UK Limited": a legal form run into
    the name after a capital."""
    for at in reversed([m.start() for m in _CAMEL_LEGAL_FORM.finditer(text)]):
        tail = text[at:].split(maxsplit=1)[0].casefold()
        found = extract_org_types(tail)
        if found and found[0][0] == tail:
            text = text[:at] + " " + text[at:]
    return text


def _tokens(
    name: Name, roles: dict[NamePart, str], categories: dict[NamePart, set[SymbolCategory]]
) -> tuple[str, ...]:
    """The words a similar name must share, within two edits: the distinctive words but
    numbers in words (which pair with digits through symbols), or the generic ones of a name
    that has no distinctive word ("U.K. Power Networks")."""
    for wanted in (DISTINCTIVE, GENERIC):
        words = [
            p.comparable
            for p in name.parts
            if roles[p] == wanted and NUMERIC_SYMBOL not in categories[p]
        ]
        if words:
            return tuple(dict.fromkeys(words))
    return ()


def written_alike(name: OrgName | Outline) -> tuple[str, ...]:
    """The keys under which names written alike once spaces are gone are one: without legal
    forms and stop words, and all of it ("BDO LLP" / "BDOLLP")."""
    together = name.full.replace(" ", "")
    return (name.compact,) if together == name.compact else (name.compact, together)


def share_a_word(a: Outline, b: Outline) -> bool:
    """The first test of the comparison, and what candidate generation relies on: two names
    can only be one if they are written alike once spaces are gone, or share a word of their
    tokens within two edits."""
    if set(written_alike(a)) & set(written_alike(b)):
        return True
    return any(
        Levenshtein.distance(x, y, score_cutoff=MAX_WORD_EDITS) <= MAX_WORD_EDITS
        for x in a.tokens
        for y in b.tokens
    )


def _unmatched_words(a: Outline, b: Outline, role: str) -> list[str]:
    """Words of `a` with `role` that nothing in `b` can match (word_matched)."""
    if a.compact == b.compact:
        return []
    return [
        word
        for word, word_role, symbols in a.words
        if word_role == role and not word_matched(word, symbols, b)
    ]


def word_matched(word: str, symbols: frozenset[str], b: Outline) -> bool:
    """Whether something in `b` can match a word (with its symbols) of another name: a word of
    `b` within the edits allowed, one it abbreviates or is abbreviated by, a symbol in common,
    or it is written inside `b` run together ("gist" in "gistbrocades"), or it is made of a
    word of `b` run into others ("uklimited"). The stored candidate index relies on it too
    (register.candidate_index: a name's distinctive words that nothing in a query matches)."""
    if word in b.compact or symbols & b.all_symbols:
        return True
    edits = _edits_allowed(word)
    return any(
        (edits and OSA.distance(word, other, score_cutoff=edits) <= edits)
        or (len(other) >= 3 and other in word)
        or (
            word[0] == other[0]
            and min(len(word), len(other)) >= 3
            and _is_subsequence(*sorted((word, other), key=len))
        )
        for other, _, _ in b.words
    )


def _edits_allowed(word: str) -> int:
    """The most edits rigour's residue budget (as configured) ever accepts in a word this
    long, transpositions counted once: none in three letters, one in four, two from five."""
    return 0 if len(word) <= 3 else 1 if len(word) == 4 else MAX_WORD_EDITS


def _early_verdict(a: Outline, b: Outline) -> tuple[str, str]:
    """What the cheap tests before the full comparison find: (why the names cannot be one,
    a word of one name only), either "" when there is none.

    They cannot be one with a distinctive word nothing in the other name matches, or generic
    words of each that nothing in the other matches ("services" / "solutions"). A generic word
    or a place of one name only makes them two companies of a group ("Gelder Group" /
    "Gelder") if they are not otherwise different.
    """
    for x, y in ((a, b), (b, a)):
        alone = _unmatched_words(x, y, DISTINCTIVE)
        if alone:
            return f"'{alone[0]}' is in one name only", ""
    generic_a, generic_b = _unmatched_words(a, b, GENERIC), _unmatched_words(b, a, GENERIC)
    if generic_a and generic_b:
        return f"'{' '.join(generic_a)}' and '{' '.join(generic_b)}' differ", ""
    place_a, place_b = _unmatched_words(a, b, PLACE), _unmatched_words(b, a, PLACE)
    if place_a and place_b:  # the full comparison says which places differ
        return "", ""
    extra = generic_a + place_a or generic_b + place_b
    return "", f"'{' '.join(extra)}' in one name only" if extra else ""


@lru_cache(maxsize=1 << 12)
def analyse_org_name(text: str, qualifier: str = "", unbracketed: bool = False) -> OrgName | None:
    """The analysis of one (alias of a) name, or None when nothing is left of it."""
    text = _split_joined_legal_form(_join_initials(text))
    names = analyze_names(NameTypeTag.ORG, [text], consolidate=False, phonetics=False)
    if not names:
        return None
    name = names.pop()
    categories: dict[NamePart, set[SymbolCategory]] = {p: set() for p in name.parts}
    symbols: dict[NamePart, set[str]] = {p: set() for p in name.parts}
    for span in name.spans:
        for part in span.parts:
            categories[part].add(span.symbol.category)
            symbols[part].add(str(span.symbol))
    roles = {part: _role(part, categories[part], symbols[part]) for part in name.parts}
    # "Company" is a word of many legal forms but none itself ("X Company" is "X Company
    # Ltd"); "Corp." is one. "Co., Ltd." is "Ltd".
    forms = [
        _without_company(p.comparable) if p.tag == LEGAL_TAG else "corp"
        for p in name.parts
        if roles[p] == LEGAL and (p.tag == LEGAL_TAG or CORP_SYMBOL in symbols[p])
    ]
    legal_forms = tuple(dict.fromkeys(forms))
    kept = [p.comparable for p in name.parts if roles[p] not in (LEGAL, STOP)]
    key = " ".join(kept) or name.comparable
    plain = ascii_text(text).casefold()
    tokens = _tokens(name, roles, categories)
    frozen = {p: frozenset(found) for p, found in symbols.items()}
    all_symbols = frozenset(str(span.symbol) for span in name.spans)
    return OrgName(
        full=name.comparable,
        key=key,
        plain=" ".join(p.comparable for p in name.parts if roles[p] != LEGAL) or name.comparable,
        compact=key.replace(" ", ""),
        tokens=tokens,
        name=name,
        roles=roles,
        symbols=frozen,
        all_symbols=all_symbols,
        outline=Outline(
            name.comparable,
            key.replace(" ", ""),
            tokens,
            tuple((p.comparable, roles[p], frozen[p]) for p in name.parts),
            all_symbols,
        ),
        legal_forms=legal_forms,
        latin=not _NON_LATIN.search(text),
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


def _text_of(parts: Sequence[NamePart]) -> str:
    return " ".join(p.comparable for p in parts)


def _quote(parts: Sequence[NamePart]) -> str:
    return f"'{_text_of(parts)}'"


def _read_as(a: str, b: str) -> str:
    """ "'1st' read as 'first'": the shorter form read as the longer, whichever name has it."""
    short, long = sorted((a, b), key=lambda text: (len(text), text))
    return f"'{short}' read as '{long}'"


def _spelling_variant(a: str, b: str) -> bool:
    """British and American spellings of a word, "Mc" for "Mac", and "ks" for "x" as Russian
    names are romanised ("Yandeks" / "Yandex")."""
    if a.replace("mac", "mc", 1) == b.replace("mac", "mc", 1):
        return True
    if a.replace("ks", "x") == b.replace("ks", "x"):
        return True
    for british, american in _SPELLING_VARIANTS:
        for x, y in ((a, b), (b, a)):
            if x.endswith(british) and x[: -len(british)] + american == y:
                return True
            if british + "s" in x and x.replace(british + "s", american + "s") == y:
                return True
    return False


def _inflection(a: str, b: str) -> bool:
    """One word and its plural or past ("skill" / "skills", "programme" / "programmed")."""
    short, long = sorted((a, b), key=len)
    return long.startswith(short) and long[len(short) :] in ("s", "es", "d", "ed")


def _umlaut_spelling(a: str, b: str) -> bool:
    """ "Muller" / "Mueller": an umlaut written as a letter and an e."""
    return any(a.replace(x + "e", x) == b.replace(x + "e", x) for x in "aou")


@lru_cache(maxsize=1 << 16)
def _different_words(a: str, b: str) -> bool:
    """Two spellings that are two common words, not one word mistyped."""
    if " " in a or " " in b or _spelling_variant(a, b) or _inflection(a, b):
        return False
    if _umlaut_spelling(a, b):
        return False
    return min(zipf_frequency(a, "en"), zipf_frequency(b, "en")) >= REAL_WORD_ZIPF


_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}


def _number_value(text: str) -> int | None:
    """3 for "3", "3rd" and "iii"; None for what is not a number."""
    digits = re.match(r"\d+", text)
    if digits:
        return int(digits.group(0))
    if not text or any(c not in _ROMAN for c in text):
        return None
    values = [_ROMAN[c] for c in text]
    return sum(-v if v < after else v for v, after in zip(values, [*values[1:], 0], strict=True))


def _values(parts: list[NamePart]) -> list[int]:
    return sorted((_number_value(p.comparable) or 0) for p in parts)


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def _is_subsequence(short: str, long: str) -> bool:
    letters = iter(long)
    return all(c in letters for c in short)


def _rescue(a: str, b: str, abbreviated: frozenset[str], generic: bool) -> str:
    """Why two words beyond the residue budget are still one, or "".

    An abbreviation stands for a longer word with the same first letter and its letters in
    order: one written as such ("Assoc.", "Nat'l"), one of a generic word ("Ind" / "Industries"),
    or one that is no word itself ("Koninkl", "Internatl"); two letters swapped in a longer word
    are a slip.
    """
    if " " not in a and " " not in b:
        short, long = sorted((a, b), key=len)
        if (
            len(short) >= 3
            and len(long) >= len(short) + 2
            and short[0] == long[0]
            and _is_subsequence(short, long)
            and (
                short in abbreviated
                or generic
                # "Koninkl", "Internatl": all but the last letter begin the word
                or (
                    len(short) >= 4
                    and long.startswith(short[:-1])
                    and zipf_frequency(short, "en") < REAL_WORD_ZIPF
                )
            )
        ):
            return _read_as(short, long)
        if min(len(a), len(b)) >= 4 and OSA.distance(a, b) == 1 and Levenshtein.distance(a, b) == 2:
            return f"two letters swapped in '{min(a, b)}'"
    return ""


def _slip(a: str, b: str) -> str:
    if a.replace(" ", "") == b.replace(" ", ""):
        return f"'{a}' written as '{b}'"
    edits = Levenshtein.distance(a, b)
    longer = max(sorted((a, b)), key=len)
    count = {1: "one-letter", 2: "two-letter"}.get(edits, f"{edits}-letter")
    return f"{count} difference in '{longer}'"


def _compare_pairing(a: OrgName, b: OrgName, edges: Sequence[Alignment]) -> Comparison:
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
            notes.append(_read_as(edge.qstr, edge.rstr))
        weights.append((1.0 if same else SYMBOL_SCORE, float(len(edge.rstr))))
        distinctive = distinctive or DISTINCTIVE in roles

    numbers_a = [p for p in a.name.parts if a.roles[p] == NUMBER and p not in used_a]
    numbers_b = [p for p in b.name.parts if b.roles[p] == NUMBER and p not in used_b]
    if numbers_a and numbers_b and _values(numbers_a) == _values(numbers_b):
        notes.append(_read_as(_text_of(numbers_a), _text_of(numbers_b)))
        used_a.update(numbers_a)
        used_b.update(numbers_b)
        numbers_a = numbers_b = []
    conflict = ""  # how names that are otherwise one differ: then two companies of one group
    if numbers_a or numbers_b:
        text = " / ".join(_quote(n) for n in (numbers_a, numbers_b) if n)
        conflict = f"numbers or series markers differ: {text}"
    places_a = [p for p in a.name.parts if a.roles[p] == PLACE and p not in used_a]
    places_b = [p for p in b.name.parts if b.roles[p] == PLACE and p not in used_b]
    if places_a and places_b and not (a.latin and b.latin):
        # "Sberbank Rossii" / "Sberbank of Russia": a place's name in another language.
        used_a.update(places_a)
        used_b.update(places_b)
    elif places_a and places_b:
        conflict = conflict or f"places differ: {_quote(places_a)} / {_quote(places_b)}"
        used_a.update(places_a)
        used_b.update(places_b)

    # A place in one name only may still be a word of the other ("Netherland" / "Netherlands").
    words = {DISTINCTIVE, GENERIC, STOP, PLACE}
    residue_a = [p for p in a.name.parts if a.roles[p] in words and p not in used_a]
    residue_b = [p for p in b.name.parts if b.roles[p] in words and p not in used_b]
    found = _compare_residue(a, b, residue_a, residue_b)
    in_order = tuple(
        sorted((p for p in residue if side.roles[p] != STOP), key=_text)
        for residue, side in ((residue_a, a), (residue_b, b))
    )
    if isinstance(found, str) and (in_order[0] != residue_a or in_order[1] != residue_b):
        # The same words in another order: "Croydon Mencap" / "Mencap Croydon".
        reordered = _compare_residue(a, b, *in_order)
        found = found if isinstance(reordered, str) else reordered
    if isinstance(found, str):
        return Comparison(False, 0.0, tuple(notes), found)
    matched, residue_notes, distinctive_residue, set_aside = found
    notes += residue_notes
    weights += matched
    distinctive = distinctive or distinctive_residue
    if set_aside[0] and set_aside[1]:
        why = f"{_quote(set_aside[0])} and {_quote(set_aside[1])} differ"
        return Comparison(False, 0.0, tuple(notes), why)
    if not distinctive and any(score < SYMBOL_SCORE for score, _ in weights):
        return Comparison(False, 0.0, tuple(notes), "only generic words in common")
    extra = set_aside[0] or set_aside[1]
    if extra:
        # "Gelder Group" / "Gelder", "Deloitte Ireland" / "Deloitte": another company of the
        # group, or the same one named more fully; only the identifier can tell.
        conflict = conflict or f"{_quote(extra)} in one name only"
    if conflict:
        # Only names with a distinctive word in common are of one group ("Bank of Iran" and
        # "Bank of Iraq" are not).
        relative = conflict if distinctive else ""
        return Comparison(False, 0.0, tuple(notes), conflict, relative=relative)
    total = sum(w for _, w in weights)
    score = 100 * sum(s * w for s, w in weights) / total if total else 100.0
    return Comparison(True, round(score, 1), tuple(notes))


def _text(part: NamePart) -> str:
    return part.comparable


ResidueMatch = tuple[
    list[tuple[float, float]], list[str], bool, tuple[list[NamePart], list[NamePart]]
]


def _compare_residue(
    a: OrgName, b: OrgName, residue_a: list[NamePart], residue_b: list[NamePart]
) -> ResidueMatch | str:
    """The words left once symbols are paired, compared by rigour's residue distance: the
    matched words' (score, weight), notes, whether a distinctive word matched and the words
    of each name left over; or why the names differ."""
    weights: list[tuple[float, float]] = []
    notes: list[str] = []
    distinctive = False
    set_aside: tuple[list[NamePart], list[NamePart]] = ([], [])
    loose: tuple[list[NamePart], list[NamePart]] = ([], [])  # distinctive words left over
    residue = residue_a or residue_b
    for alignment in compare_parts(residue_a, residue_b, COMPARE_CONFIG) if residue else []:
        parts = [(a.roles[p], p) for p in alignment.qps] + [(b.roles[p], p) for p in alignment.rps]
        if not alignment.qps or not alignment.rps:
            side = 0 if alignment.qps else 1
            loose[side].extend(p for role, p in parts if role == DISTINCTIVE)
            set_aside[side].extend(p for role, p in parts if role not in (STOP, DISTINCTIVE))
            continue
        qstr, rstr = alignment.qstr, alignment.rstr
        score = alignment.score
        if qstr != rstr:
            joined = _joined_legal_form(qstr, rstr)
            if joined and not (a if joined[0] == qstr else b).legal_forms:
                if not _legal_forms_agree(
                    a if joined[0] == qstr else b, b if joined[0] == qstr else a, joined[1]
                ):
                    return f"different legal forms: '{joined[1]}' joined to '{joined[0]}'"
                notes.append(f"legal form '{joined[1]}' joined to the name set aside")
                score = 1.0
            elif score <= 0:
                generic = any(role == GENERIC for role, _ in parts)
                rescued = _rescue(qstr, rstr, a.abbreviated | b.abbreviated, generic)
                if not rescued:
                    return f"'{qstr}' and '{rstr}' differ"
                notes.append(rescued)
                score = RESCUED_SCORE
            elif _digits(qstr) != _digits(rstr):
                return f"numbers differ: '{qstr}' / '{rstr}'"
            elif _different_words(qstr, rstr):
                first, second = sorted((qstr, rstr))
                return f"'{first}' and '{second}' are different words"
            else:
                notes.append(_slip(qstr, rstr))
        weights.append((score, float(max(len(qstr), len(rstr)))))
        distinctive = distinctive or any(role == DISTINCTIVE for role, _ in parts)
    # Words the residue distance left apart may still be one slip apart ("Kier" / "Keir").
    for word in list(loose[0]):
        for other in loose[1]:
            rescued = _rescue(word.comparable, other.comparable, frozenset(), False)
            if rescued:
                notes.append(rescued)
                weights.append((RESCUED_SCORE, float(len(word.comparable))))
                loose[0].remove(word)
                loose[1].remove(other)
                distinctive = True
                break
    if loose[0] or loose[1]:
        return f"{_quote(loose[0] or loose[1])} is in one name only"
    return weights, notes, distinctive, set_aside


def _joined_legal_form(a: str, b: str) -> tuple[str, str] | None:
    """("unilevernv", "nv") for "unilevernv" / "unilever": a legal form run into the name."""
    short, long = sorted((a, b), key=len)
    tail = long[len(short) :]
    if " " in long or not long.startswith(short) or len(tail) < 2:
        return None
    found = extract_org_types(tail)
    return (long, replace_org_types_compare(tail)) if found and found[0][0] == tail else None


def _generic_form(form: str) -> str:
    return replace_org_types_compare(form, generic=True)


def _forms_agree(x: str, y: str, other_script: bool) -> bool:
    if x == y or frozenset((x, y)) in LEGAL_FORM_TRANSLATIONS:
        return True
    generic_x, generic_y = _generic_form(x), _generic_form(y)
    return generic_x == generic_y and (x == generic_x or y == generic_y or other_script)


def _legal_forms_agree(a: OrgName, b: OrgName, joined: str = "") -> bool:
    """One legal form, or none on one side. A form and its generic one agree ("OOO" / "LLC",
    "GmbH" / "LLC"), and so do two of one kind when a name is in another script ("ПАО" /
    "PJSC") or one translates the other (LEGAL_FORM_TRANSLATIONS); otherwise two forms are two
    legal persons ("AG" / "GmbH", "BV" / "GmbH", "Ltd" / "Inc")."""
    forms_a = (joined,) if joined else a.legal_forms
    if not forms_a or not b.legal_forms:
        return True
    other_script = not (a.latin and b.latin)
    return any(_forms_agree(x, y, other_script) for x in forms_a for y in b.legal_forms)


def _legal_notes(a: OrgName, b: OrgName) -> list[str]:
    written = sorted(dict.fromkeys(a.legal_written + b.legal_written), key=lambda w: (len(w), w))
    if not written or a.legal_written == b.legal_written:
        return []
    forms = ", ".join(f"'{w}'" for w in written)
    return [f"legal form{'s' * (len(written) > 1)} {forms} set aside"]


def comparable(a: OrgName, b: OrgName) -> bool:
    """False for a name without its bracketed text against a name with other bracketed text:
    "Harbour Trust" (of "Harbour Trust (Jersey)") is not compared with "Harbour Trust
    (Guernsey)"; the full names are, and their places differ."""
    different = bool(a.qualifier and b.qualifier and a.qualifier != b.qualifier)
    return not (different and (a.unbracketed or b.unbracketed))


def compare_org_names(a: OrgName, b: OrgName) -> Comparison:
    """Compare two analysed names (see the module docstring)."""
    if not share_a_word(a.outline, b.outline):
        return Comparison(False, 0.0, (), "no word in common")
    why_not, extra = _early_verdict(a.outline, b.outline)
    if why_not:
        return Comparison(False, 0.0, (), why_not)
    found = _compare_in_full(a, b)
    if extra:
        # Of one group if their distinctive words are the same and the rest of them is one
        # name or of one group ("Gelder Group" / "Gelder", "Serco Group plc" / "Serco Ltd"),
        # never one organisation.
        same = sorted(a.tokens) == sorted(b.tokens)
        related = same and (found.matched or bool(found.relative))
        return Comparison(False, 0.0, (), extra, relative=extra if related else "")
    return found


def _compare_in_full(a: OrgName, b: OrgName) -> Comparison:
    """The comparison past the cheap tests: symbols paired, the rest by rigour's distance."""
    legal = _legal_notes(a, b)
    if a.full == b.full:
        return Comparison(True, 100.0, tuple(legal))
    best: Comparison | None = None
    for number, edges in enumerate(pair_symbols(a.name, b.name)):
        found = _compare_pairing(a, b, edges)
        rank = (found.matched, bool(found.relative), found.score)
        if best is None or rank > (best.matched, bool(best.relative), best.score):
            best = found
        if (best.matched and best.score >= 100) or number + 1 >= MAX_PAIRINGS:
            break
    if best is None:
        best = _compare_pairing(a, b, [])
    written_together = a.full.replace(" ", "") == b.full.replace(" ", "")
    if not best.matched and (written_together or (a.compact == b.compact and not best.relative)):
        best = Comparison(True, 100.0, (f"'{a.full}' written as '{b.full}'",))
    if best.matched and not _legal_forms_agree(a, b):
        forms = " / ".join("'" + " ".join(n.legal_forms) + "'" for n in (a, b))
        why = f"different legal forms: {forms}"
        return Comparison(False, 0.0, best.notes, why, relative=why)
    return Comparison(
        best.matched, best.score, tuple(legal) + best.notes, best.why_not, best.relative
    )


def may_relate(a: Sequence[Outline], b: Sequence[Outline]) -> bool:
    """False when the cheap tests alone show that no name of one (its outlines) can match or be
    a sister company of a name of the other; True says only that the comparison must decide."""
    return any(share_a_word(x, y) and not _early_verdict(x, y)[0] for x in a for y in b)


def _annotation(qualifier: str) -> bool:
    """Whether a bracketed or trailing qualifier may be set aside: it has a word of its own
    ("(Leeds)", "(beneficial interest)", ", Amsterdam"). A place, a number, a legal form or a
    generic word ("(UK)", "(1998)", "(Holdings)") tells one company from another: no name
    without it is made."""
    analysed = analyse_org_name(qualifier)
    return analysed is not None and DISTINCTIVE in analysed.roles.values()


@lru_cache(maxsize=1 << 15)
def org_names(raw: str) -> tuple[OrgName, ...]:
    """Every name of a raw name (trading, former and unbracketed names), the main name first."""
    found: dict[str, OrgName] = {}
    for text, qualifier, unbracketed in alias_texts(raw):
        if unbracketed and not _annotation(qualifier):
            continue
        analysed = analyse_org_name(text, qualifier, unbracketed)
        if analysed is not None and analysed.full not in found:
            found[analysed.full] = analysed
    return tuple(found.values())
