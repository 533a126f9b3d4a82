"""Person-name matching for screening officials against company officers (pure: no Flask, no DB).

A written name is read into tokens (HTML entities, diacritics and other scripts transliterated
to ASCII, case and apostrophes ignored, hyphens split, titles and honours and bracketed
nicknames dropped), each marked as part of the family name or not: the words before a comma
("SMITH, John", as Companies House writes names), the upper-case words of a mixed-case name
("XI Jinping"), otherwise the last word with its hyphenated parts and any particles before it
("de Cordova").

Two names can be the same person's when their tokens pair up: the same word, an initial, a
nickname or other form of the same forename from rigour's name data ("Bob" / "Robert",
"Aleksandr" / "Alexander"; SHORT_FORMS adds English short forms it lacks), a family name in
another script or romanisation from the same data ("Hussein" / "Husain", unless only one letter
apart), a spelling that differs only by a common romanisation ("Zelenskyy" / "Zelensky",
"Schroeder" / "Schröder"), or two words written as one ("Muller-Smith" / "MULLERSMITH"). Both
family names take part in full, any given names left over are on one side only (a middle name),
and given names keep their order. The family name first on one side only ("Jinping Xi" / "Xi
Jinping") or one part of a double-barrelled family name ("Anna Smith-Jones" / "Anna Jones") is
accepted at a lower quality; "Jr" and "Sr" keep a father and son apart. A one-letter slip in a
long family name is accepted only when both sides give the same month and year of birth. A
contradicting birth date rules a match out whatever the names say.

Each match has a quality (NAME_QUALITY, which undeclared screening turns into a weight) and
notes saying what it rests on ("'bob' read as 'robert'").
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from rigour.names import NameTypeTag, Symbol, analyze_names
from rigour.text import ascii_text
from rigour.text.scripts import is_dense_script, is_latin

from register.matching.normalise import unescape_html

TITLES = frozenset(
    re.findall(
        r"\w+",
        "mr mrs ms miss mx dr doctor sir dame lord lady prof professor rev revd reverend hon "
        "honourable rt right the cllr councillor baroness baron viscount",
    )
)
HONOURS = frozenset(re.findall(r"\w+", "cbe obe mbe kbe dbe kcb frs kc qc mp jp phd jr jnr sr esq"))
# Words that join a family name ("de Cordova", "van Zyl", "bin Salman"): never needed for a match.
PARTICLES = frozenset(
    re.findall(r"\w+", "de da di du del della dos das van von der den la le bin ibn bint al el ul")
)
# Read (not stored) names also drop these; the stored form keeps TITLES and HONOURS only, so
# that the person keys of imported records stay as they were.
READ_TITLES = TITLES | frozenset(
    re.findall(
        r"\w+",
        "sheikh shaikh hrh president senator general colonel madame mme herr frau judge imam "
        "rabbi pastor bishop father",
    )
)
READ_HONOURS = HONOURS | frozenset(
    re.findall(r"\w+", "bt bart kg gcb kcmg cmg cvo lvo mvo ma msc bsc mba llb fca frcs snr")
)
# A father and son: "John Smith Jr" and "John Smith Sr" are two people.
GENERATIONS = {"jr": "junior", "jnr": "junior", "junior": "junior", "sr": "senior"}
GENERATIONS |= {"snr": "senior", "senior": "senior", "ii": "II", "iii": "III", "iv": "IV"}
_VOWELS = frozenset("aeiouy")
_JOINERS = re.compile(r"['’`]")
_HYPHENS = re.compile(r"[-‐‑–—]")
_NON_ALPHA = re.compile(r"[^a-z]+")
_BRACKETS = re.compile(r"\([^)]*\)|\[[^\]]*\]")
# Spellings that differ only by romanisation (Russian, Ukrainian, Persian, Polish and German
# spellings, German umlauts written out).
_ROMANISATION = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        ("tch", "ch"),
        ("dzh", "j"),
        ("zh", "j"),
        ("w", "v"),
        ("kh", "h"),
        ("ks", "x"),
        ("yo", "e"),
        ("ye", "e"),
        ("ue", "u"),
        ("oe", "o"),
        ("ae", "a"),
        ("ou", "u"),
        ("ych$", "ich"),
        ("(iy|yy|ij|ii)$", "y"),
        ("ski$", "sky"),
        ("(?<=[aeiou])y(?=[^aeiou]|$)", "i"),
        ("(?<=[tln])ya", "ia"),
    )
)
# English short forms rigour's name data lacks (checked with rigour 2.6.1: these pairs share no
# NAME or NICK symbol there): full forms, then their short forms; a short form is each full form
# before it.
SHORT_FORMS = """
joseph: joe joey | jacob: jake | william: liam billy | michael: mick micky mickey
victoria: vicky vikki vicki tori | christopher: kit | antony anthony: tony
phillip philip: phil | jennifer: jen jenny | james: jimmy jamie | sarah: sally
catherine katherine kathryn katharine: kate katie kathy cathy kath | mary: polly molly
margaret: meg peggy maggie | patricia: pat patsy trish | albert: bert bertie | herbert: bert
charles: charlie | henry: hal harry | edward: ned eddie ted | terence: terry
gerald gerard: gerry | alexander alexandra: sandy | alfred: alf alfie | leslie: les
frederick: freddie fred | nicola: nicky | reginald: reg | ronald: ronnie | susan: suzy sue
valerie: val | virginia: ginny | teresa theresa: tess tessa | rebecca: becky bex
abigail: abby abbie | isabel isabelle isabella: izzy issy bella | angus: gus
robert: rab bobby | richard: rich | david: davy | thomas: tommy | geoffrey: geoff
jeffrey: jeff | elizabeth: beth betty lizzie | amanda: mandy
"""
_SHORT_SYMBOLS: dict[str, set[str]] = {}
for _entry in re.split(r"[|\n]", SHORT_FORMS):
    if _entry.strip():
        _fulls, _shorts = (part.split() for part in _entry.split(":"))
        for _full in _fulls:  # "Kate" is Catherine or Kathryn; they are not each other
            for _form in (_full, *_shorts):
                _SHORT_SYMBOLS.setdefault(_form, set()).add(f"[SHORT:{_full}]")
SLIP_MIN_LENGTH = 6  # a family name this long may carry a one-letter slip (birth date agreed)

EXACT = "exact"  # every word on both sides, the same ones
FULL = "full"  # the same words, a middle name on one side only
NICKNAME = "nickname"  # a forename given as a nickname or another form of the same name
TRANSLITERATION = "transliteration"  # a word spelled in another romanisation or script
NAME_ORDER = "name_order"  # the family name written first on one side only
SURNAME_PART = "surname_part"  # one part of a double-barrelled or compound family name
INITIAL = "initial"  # a forename given only as an initial
TYPO = "typo"  # a one-letter slip in a long family name: only with month and year of birth
NAME_QUALITY = {
    EXACT: 100.0,
    FULL: 90.0,
    NICKNAME: 85.0,
    TRANSLITERATION: 85.0,
    NAME_ORDER: 80.0,
    SURNAME_PART: 80.0,
    INITIAL: 75.0,
    TYPO: 70.0,
}

BIRTH_MATCH = "match"
BIRTH_UNKNOWN = "unknown"
BIRTH_CONTRADICTS = "contradicts"
MONTHS = tuple(calendar.month_name[1:])


@dataclass(frozen=True, slots=True)
class PersonName:
    """The stored form of a name: forenames and a surname (`CompanyOfficer.person_key`)."""

    forenames: tuple[str, ...]
    surname: str

    @property
    def text(self) -> str:
        """A stored form: forenames then surname, "|" between ("john paul|smith")."""
        return " ".join(self.forenames) + "|" + self.surname

    @classmethod
    def from_text(cls, text: str) -> PersonName:
        forenames, _, surname = text.rpartition("|")
        return cls(tuple(forenames.split()), surname)


def _tokens(text: str) -> list[str]:
    text = ascii_text(_JOINERS.sub("", _HYPHENS.sub("", text.casefold()))).casefold()
    return _NON_ALPHA.sub(" ", text).split()


def _strip(tokens: list[str]) -> list[str]:
    while tokens and tokens[0] in TITLES:
        tokens = tokens[1:]
    while tokens and tokens[-1] in HONOURS:
        tokens = tokens[:-1]
    return tokens


@lru_cache(maxsize=1 << 16)
def parse_person_name(raw: str) -> PersonName | None:
    """Forenames and surname of a written name, or None without both a forename and a surname."""
    text = unescape_html(raw or "")
    surname_first, comma, rest = text.partition(",")
    after = _strip(_tokens(rest)) if comma else []
    if after:  # "SMITH, John Paul" (a comma followed only by honours is not this order)
        tokens = _strip(_tokens(surname_first))
        if not tokens:
            return None
        return PersonName(tuple(after), "".join(tokens))
    tokens = _strip(_tokens(surname_first))
    if len(tokens) < 2:
        return None
    return PersonName(tuple(tokens[:-1]), tokens[-1])


@dataclass(frozen=True, slots=True)
class Token:
    """One word of a name: its ASCII form, its original script, whether of the family name."""

    form: str
    original: str
    family: bool
    particle: bool = False
    # derived, for comparing many names fast
    roman: str = field(init=False, compare=False, repr=False)
    symbols: frozenset[str] = field(init=False, compare=False, repr=False)
    latin: bool = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "roman", romanised(self.form))
        object.__setattr__(self, "symbols", name_symbols(self.original))
        object.__setattr__(self, "latin", is_latin(self.original))

    @property
    def initial(self) -> bool:
        return len(self.form) == 1


@dataclass(frozen=True, slots=True)
class WrittenName:
    """A name read for comparison, and the text it was read from."""

    tokens: tuple[Token, ...]
    raw: str
    generation: str = ""  # "junior", "senior", "II"... when the name says so
    # derived: the full words, and every two or three neighbouring words joined
    words: frozenset[str] = field(init=False, compare=False, repr=False)
    runs: frozenset[str] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        forms = [t.form for t in self.tokens]
        object.__setattr__(self, "words", frozenset(f for f in forms if len(f) > 1))
        runs = ("".join(forms[i : i + n]) for n in (2, 3) for i in range(len(forms) - n + 1))
        object.__setattr__(self, "runs", frozenset(runs))

    @property
    def text(self) -> str:
        """The stored form (`PersonName.text`) of the name read."""
        stored = parse_person_name(self.raw)  # None only for a name that would not read
        return stored.text if stored else "|"

    @property
    def display(self) -> str:
        return " ".join(t.form for t in self.tokens)


def _words(text: str) -> list[list[Token]]:
    """Tokens grouped by written word."""
    return [list(parts) for word in text.split() if (parts := _word_tokens(word))]


@lru_cache(maxsize=1 << 17)
def _word_tokens(word: str) -> tuple[Token, ...]:
    """The tokens of one written word (its hyphenated parts); a word in a dense script ("习近平")
    is read as its first syllable (the family name) and the rest joined. `family` marks a word
    in capitals here, a hint that it is the family name."""
    parts: list[Token] = []
    for piece in _HYPHENS.split(_JOINERS.sub("", word)):
        forms = _NON_ALPHA.sub(" ", ascii_text(piece).casefold()).split()
        if len(forms) > 1 and is_dense_script(piece):
            forms = [forms[0], "".join(forms[1:])]
        initials = _joined_initials(piece)
        if initials:  # "JD Vance"
            forms = list(forms[0])
        upper = piece.isupper() and len(forms) == 1 and len(forms[0]) > 1 and not initials
        parts.extend(Token(f, piece.casefold(), upper) for f in forms)
    return tuple(parts)


def _joined_initials(piece: str) -> bool:
    """Two or three capitals with no vowel ("JD", "JRR") that are not an honour ("MP", "KC")."""
    word = piece.strip(".").casefold()
    return (
        piece.isupper()
        and 2 <= len(word) <= 3
        and word.isalpha()
        and not _VOWELS & set(word)
        and word not in READ_HONOURS | READ_TITLES
    )


def _strip_groups(groups: list[list[Token]]) -> tuple[list[list[Token]], str]:
    """The words without titles before and honours after them, and the generation given."""
    generation = ""
    while groups and len(groups[0]) == 1 and groups[0][0].form in READ_TITLES:
        groups = groups[1:]
    while groups and len(groups[-1]) == 1:
        word = groups[-1][0].form
        if word not in READ_HONOURS and word not in GENERATIONS:
            break
        generation = generation or GENERATIONS.get(word, "")
        groups = groups[:-1]
    return groups, generation


def _mark(groups: list[list[Token]], family: bool) -> list[Token]:
    return [_marked(t, family) for group in groups for t in group]


def _marked(token: Token, family: bool) -> Token:
    """The token as part of the family name or not (a particle marked as such)."""
    particle = token.form in PARTICLES
    if token.family == family and token.particle == particle:
        return token
    return Token(token.form, token.original, family, particle)


@lru_cache(maxsize=1 << 17)
def read_person_name(raw: str) -> WrittenName | None:
    """A written name read for comparison, or None without both a forename and a surname."""
    text = _BRACKETS.sub(" ", unescape_html(raw or ""))
    before, comma, after = text.partition(",")
    given_groups, generation = _strip_groups(_words(after)) if comma else ([], "")
    if given_groups:  # "SMITH, John"
        family_groups, _ = _strip_groups(_words(before))
        tokens = _mark(family_groups, True) + _mark(given_groups, False)
    else:
        groups, generation = _strip_groups(_words(text))
        flat = [t for g in groups for t in g]
        if any(t.family for t in flat) and not all(t.family for t in flat):  # "XI Jinping"
            tokens = [_marked(t, t.family) for t in flat]
        elif is_dense_script(text):  # family name first: "习近平"
            tokens = _mark([flat[:1]], True) + _mark([flat[1:]], False)
        elif len(groups) > 1 and all(t.initial for g in groups[1:] for t in g):  # "Smith J R"
            tokens = _mark(groups[:1], True) + _mark(groups[1:], False)
        else:
            start = len(groups) - 1
            while start > 1 and all(t.form in PARTICLES for t in groups[start - 1]):
                start -= 1
            tokens = _mark(groups[:start], False) + _mark(groups[start:], True)
    if not any(t.family for t in tokens) or all(t.family for t in tokens):
        return None
    return WrittenName(tuple(tokens), raw, generation)


@lru_cache(maxsize=1 << 17)
def romanised(form: str) -> str:
    """A word with common romanisation differences taken out ("zelenskyy" -> "zelensky")."""
    for pattern, replacement in _ROMANISATION:
        form = pattern.sub(replacement, form)
    return form


@lru_cache(maxsize=1 << 17)
def name_symbols(original: str) -> frozenset[str]:
    """rigour's NAME and NICK symbols of one word, and SHORT ones from SHORT_FORMS: forms of
    the same name share one.

    The first call in a process builds rigour's person-name tagger: about 6 s and 380 MB
    (measured here with rigour 2.6.1), once.
    """
    found: set[str] = set()
    for name in analyze_names(NameTypeTag.PER, [original], phonetics=False, numerics=False):
        for span in name.spans:
            category = span.symbol.category
            if len(span.parts) == 1 and category in (Symbol.Category.NAME, Symbol.Category.NICK):
                found.add(str(span.symbol))
    found |= _SHORT_SYMBOLS.get(ascii_text(original).casefold(), set())
    return frozenset(found)


def _one_slip(a: str, b: str) -> bool:
    """One letter added, dropped, changed, or two neighbours swapped."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        return len(diff) == 1 or (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def _pair_kind(a: Token, b: Token, slip: bool) -> tuple[str, str] | None:
    """How two words can be the same: (quality, what it rests on), or None."""
    if a.form == b.form:
        if a.initial:
            return INITIAL, f"'{a.form}' given only as an initial on both sides"
        return EXACT, ""
    if a.initial or b.initial:
        if a.form[0] == b.form[0] and not (a.family and b.family):
            full = b if a.initial else a
            return INITIAL, f"'{full.form[0]}' read as the initial of '{full.form}'"
        return None
    if a.roman == b.roman:
        return TRANSLITERATION, f"'{a.form}' and '{b.form}' read as spellings of one name"
    symbols = a.symbols & b.symbols
    if symbols and not (a.family or b.family):
        if any(s.startswith(("[NICK:", "[SHORT:")) for s in symbols):
            return NICKNAME, f"'{a.form}' read as '{b.form}'"
        return NICKNAME, f"'{a.form}' read as '{b.form}' (another form of the name)"
    if not (a.latin and b.latin) and symbols:
        return TRANSLITERATION, f"'{a.original}' read as '{b.original}'"
    # A family name in two romanisations ("Hussein" / "Husain", "Yeltsin" / "Jelzin"); one
    # letter apart ("Davis" / "Davies", "Martin" / "Martyn") is too often another family's name.
    if any(s.startswith("[NAME:") for s in symbols) and not _one_slip(a.form, b.form):
        return TRANSLITERATION, f"'{a.form}' read as '{b.form}' (another form of the name)"
    long_family = a.family and b.family and min(len(a.form), len(b.form)) >= SLIP_MIN_LENGTH
    if slip and long_family and _one_slip(a.form, b.form):
        return TYPO, f"one-letter difference between '{a.form}' and '{b.form}'"
    return None


def _merge(a: list[Token], b: list[Token]) -> list[Token]:
    """`b` with runs of two or three words joined where `a` writes them as one word."""
    forms = {t.form for t in a if not t.initial}
    out: list[Token] = []
    i = 0
    while i < len(b):
        for width in (3, 2):
            run = b[i : i + width]
            joined = "".join(t.form for t in run)
            if len(run) == width and joined in forms:
                original = "".join(t.original for t in run)
                out.append(Token(joined, original, any(t.family for t in run)))
                i += width
                break
        else:
            out.append(b[i])
            i += 1
    return out


@dataclass(frozen=True, slots=True)
class NameComparison:
    """Why two written names can be the same person's: the quality and what it rests on."""

    quality: str
    notes: tuple[str, ...]

    @property
    def reason(self) -> str:
        return "; ".join(self.notes)


def _assess(
    a: list[Token], b: list[Token], pairs: list[tuple[int, int, str, str]]
) -> NameComparison | None:
    """Whether one pairing of words makes the names the same person's, and how well."""
    paired_a = {i: (j, q) for i, j, q, _ in pairs}
    paired_b = {j: (i, q) for i, j, q, _ in pairs}
    loose_a = [t for i, t in enumerate(a) if i not in paired_a and not t.particle]
    loose_b = [t for j, t in enumerate(b) if j not in paired_b and not t.particle]
    if loose_a and loose_b:
        return None  # each side has a word the other lacks: "John Paul" / "John Peter"
    notes = [note for *_, note in pairs if note]
    qualities = [q for _, _, q, _ in pairs]

    def anchored(side: list[Token], paired: dict[int, tuple[int, str]], other: list[Token]) -> str:
        """'' if a family word pairs in full with the other's family name, SURNAME_PART if
        through the word before it (an unhyphenated compound), NAME_ORDER if only with a given
        name, else 'none'."""
        full = {i: other[j] for i, (j, q) in paired.items() if q != INITIAL}
        if any(side[i].family and o.family for i, o in full.items()):
            return ""
        first_family = next(i for i, t in enumerate(side) if t.family)
        before = first_family - 1
        if before >= 1 and before in full and full[before].family:
            return SURNAME_PART
        if any(side[i].family for i in full):
            return NAME_ORDER
        return "none"

    anchor_a = anchored(a, paired_a, b)
    anchor_b = anchored(b, paired_b, a)
    if "none" in (anchor_a, anchor_b):
        return None
    if not any(not a[i].family for i in paired_a) or not any(not b[j].family for j in paired_b):
        return None  # a side none of whose given names pairs
    given = sorted((i, j) for i, j, *_ in pairs if not a[i].family and not b[j].family)
    if any(j2 < j1 for (_, j1), (_, j2) in zip(given, given[1:], strict=False)):
        return None  # given names in another order: "David John" / "John David"
    compound = SURNAME_PART in (anchor_a, anchor_b)
    if NAME_ORDER in (anchor_a, anchor_b) and not compound:
        qualities.append(NAME_ORDER)
        notes.append("family name written first on one side")
    elif compound or any(t.family for t in loose_a + loose_b):
        qualities.append(SURNAME_PART)
        loose = [t.form for t in loose_a + loose_b if t.family]
        notes.append(
            f"one part of a double-barrelled family name ('{loose[0]}' on one side only)"
            if loose
            else "family name of two words"
        )
    if loose_a or loose_b:
        qualities.append(FULL)
        extra = ", ".join(f"'{t.form}'" for t in loose_a + loose_b if not t.family)
        if extra:
            notes.append(f"{extra} on one side only")
    quality = min(qualities, key=lambda q: NAME_QUALITY[q])
    return NameComparison(quality, tuple(notes))


def compare_written_names(
    name_a: WrittenName, name_b: WrittenName, *, slip: bool = False
) -> NameComparison | None:
    """The best way two read names can be the same person's, or None; `slip` allows one
    letter's difference in a long family name (only when birth month and year agree)."""
    if name_a.generation and name_b.generation and name_a.generation != name_b.generation:
        return None  # "John Smith Jr" / "John Smith Sr"
    a, b = list(name_a.tokens), list(name_b.tokens)
    if name_b.words & name_a.runs:
        a = _merge(b, a)
    if name_a.words & name_b.runs or len(a) < len(name_a.tokens):
        b = _merge(a, b)
    options = [
        [(j, kind) for j, y in enumerate(b) if (kind := _pair_kind(x, y, slip)) is not None]
        for x in a
    ]
    paired_b = {j for found in options for j, _ in found}
    if not any(not x.family and found for x, found in zip(a, options, strict=True)) or not any(
        not b[j].family for j in paired_b
    ):
        return None  # a side none of whose given names pairs (as _assess requires)
    best: NameComparison | None = None
    best_rank = (-1, -1.0)
    chosen: list[tuple[int, int, str, str]] = []
    used: set[int] = set()

    def search(i: int) -> None:
        nonlocal best, best_rank
        if i == len(a):
            found = _assess(a, b, chosen)
            if found is not None:
                rank = (len(chosen), NAME_QUALITY[found.quality])
                if rank > best_rank:
                    best, best_rank = found, rank
            return
        for j, (quality, note) in options[i]:
            if j not in used:
                used.add(j)
                chosen.append((i, j, quality, note))
                search(i + 1)
                chosen.pop()
                used.discard(j)
        search(i + 1)

    search(0)
    return best


def compare_person_name_text(name_a: str, name_b: str) -> str | None:
    """The quality with which two written names can be the same person's (no birth date known),
    or None: what `flask match people` prints and the undeclared-interest screening decides."""
    found = compare_person_name_explained(name_a, name_b)
    return found.quality if found else None


def compare_person_name_explained(name_a: str, name_b: str) -> NameComparison | None:
    """compare_person_name_text with what the match rests on."""
    a, b = read_person_name(name_a), read_person_name(name_b)
    if a is None or b is None:
        return None
    return compare_written_names(a, b)


def compare_birth(
    month_a: int | None, year_a: int | None, month_b: int | None, year_b: int | None
) -> str:
    """BIRTH_CONTRADICTS if a year or month both sides give differs; BIRTH_MATCH if the years
    agree (and the months, when both are given); otherwise BIRTH_UNKNOWN."""
    if year_a and year_b and year_a != year_b:
        return BIRTH_CONTRADICTS
    if month_a and month_b and month_a != month_b:
        return BIRTH_CONTRADICTS
    return BIRTH_MATCH if year_a and year_b else BIRTH_UNKNOWN


def birth_text(month: int | None, year: int | None) -> str:
    if not year:
        return "unknown"
    return f"{MONTHS[month - 1]} {year}" if month and 1 <= month <= 12 else str(year)


@dataclass(frozen=True, slots=True)
class Person:
    """One side of a comparison: an id, the names used and month and year of birth."""

    id: int
    names: tuple[WrittenName, ...]
    birth_month: int | None = None
    birth_year: int | None = None


def person(
    id_: int, names: Iterable[str], birth_month: int | None, birth_year: int | None
) -> Person:
    """A Person from raw names (full name and other names); unparseable names are skipped."""
    parsed = tuple(dict.fromkeys(p for n in names if (p := read_person_name(n)) is not None))
    return Person(id_, parsed, birth_month, birth_year)


def split_other_names(text: str | None) -> list[str]:
    """Other names as entered: one a line, or separated by semicolons."""
    return [n.strip() for n in re.split(r"[\n;]", text or "") if n.strip()]


@dataclass(frozen=True, slots=True)
class PersonMatch:
    person: Person
    quality: str  # one of NAME_QUALITY
    birth: str  # BIRTH_MATCH or BIRTH_UNKNOWN (a contradiction is never a match)
    matched_name: WrittenName
    reason: str = ""  # what the name match rests on, e.g. "'bob' read as 'robert'"

    @property
    def name_score(self) -> float:
        return NAME_QUALITY[self.quality]


def _births_agree(candidate: Person, birth_month: int | None, birth_year: int | None) -> bool:
    """Month and year of birth given on both sides and the same."""
    return bool(
        candidate.birth_month
        and candidate.birth_year
        and birth_month
        and birth_year
        and (candidate.birth_month, candidate.birth_year) == (birth_month, birth_year)
    )


def match_person(
    candidate: Person, name: WrittenName, birth_month: int | None, birth_year: int | None
) -> PersonMatch | None:
    """The best match of a candidate's names against one name, or None (never on a
    contradicting birth date)."""
    birth = compare_birth(candidate.birth_month, candidate.birth_year, birth_month, birth_year)
    if birth == BIRTH_CONTRADICTS:
        return None
    slip = _births_agree(candidate, birth_month, birth_year)
    best: PersonMatch | None = None
    for own in candidate.names:
        found = compare_written_names(own, name, slip=slip)
        if found and (best is None or NAME_QUALITY[found.quality] > best.name_score):
            best = PersonMatch(candidate, found.quality, birth, own, found.reason)
    return best


def _word_keys(token: Token) -> set[str]:
    return {token.roman, *token.symbols}


@lru_cache(maxsize=1 << 17)
def _deletions(form: str) -> frozenset[str]:
    """The word and every form of it with one letter dropped: two words one slip apart share
    one of these."""
    return frozenset((form, *(form[:i] + form[i + 1 :] for i in range(len(form)))))


def _slip_keys(form: str, month: int, year: int) -> list[str]:
    """The slip blocks of a family word of someone born in `month` and `year`."""
    return [f"slip:{variant}:{month}:{year}" for variant in _deletions(form)]


def _family_slips(name: WrittenName, month: int | None, year: int | None) -> set[str]:
    if not (month and year):
        return set()
    return {
        key
        for token in name.tokens
        if token.family and len(token.form) >= SLIP_MIN_LENGTH
        for key in _slip_keys(token.form, month, year)
    }


def _index_keys(name: WrittenName) -> set[str]:
    """Every full word (and every two or three neighbours joined) of an indexed name."""
    words = [t for t in name.tokens if not t.initial and not t.particle]
    keys: set[str] = set()
    for token in words:
        keys |= _word_keys(token)
    forms = [t.form for t in name.tokens]
    for width in (2, 3):
        keys.update("".join(forms[i : i + width]) for i in range(len(forms) - width + 1))
    return keys


def _query_keys(name: WrittenName) -> set[str]:
    """The family words of a name, the word before them and those joined: a match pairs one
    of them in full with a word of the other name."""
    tokens = name.tokens
    family = [i for i, t in enumerate(tokens) if t.family]
    near = sorted({*family, min(family) - 1} - {-1, 0} | set(family))
    keys: set[str] = set()
    for i in near:
        if not tokens[i].initial:
            keys.add(tokens[i].roman)
            keys |= tokens[i].symbols
    if len(tokens) > 1:
        forms = [t.form for t in tokens]
        for width in (2, 3):
            for start in range(max(near[0] - width + 1, 0), near[-1] + 1):
                if start + width <= len(forms):
                    keys.add("".join(forms[start : start + width]))
    return keys


def person_keys(item: Person) -> set[str]:
    """The blocks a person is indexed under: every word of their names (and neighbours joined)
    and, with a month and year of birth, their family words with a letter dropped."""
    keys: set[str] = set()
    for name in item.names:
        keys |= _index_keys(name) | _family_slips(name, item.birth_month, item.birth_year)
    return keys


def written_name_keys(
    name: WrittenName, birth_month: int | None, birth_year: int | None
) -> set[str]:
    """The blocks a written name (a company officer's) is looked up by: a person who may be the
    one named shares one of them (stored for officer records by register.candidate_index)."""
    return _query_keys(name) | _family_slips(name, birth_month, birth_year)


class PersonIndex:
    """People by every word of their names (ASCII romanised forms and rigour name symbols) and
    by one-letter-dropped family names, for matching many names against them."""

    def __init__(self, people: Iterable[Person] = ()) -> None:
        self.blocks: dict[str, list[Person]] = {}
        self.people: list[Person] = []
        for item in people:
            self.add(item)

    def add(self, item: Person) -> None:
        self.people.append(item)
        for key in person_keys(item):
            self.blocks.setdefault(key, []).append(item)

    def __len__(self) -> int:
        return len(self.people)

    def candidates(
        self, name: WrittenName, birth_month: int | None, birth_year: int | None
    ) -> list[Person]:
        """Every indexed person sharing a block with the name, once."""
        found: dict[int, Person] = {}
        for key in written_name_keys(name, birth_month, birth_year):
            for item in self.blocks.get(key, ()):
                found[id(item)] = item
        return list(found.values())

    def matches(
        self, name: WrittenName, birth_month: int | None, birth_year: int | None
    ) -> Iterator[PersonMatch]:
        """Every indexed person who may be the one named."""
        for item in self.candidates(name, birth_month, birth_year):
            found = match_person(item, name, birth_month, birth_year)
            if found is not None:
                yield found
