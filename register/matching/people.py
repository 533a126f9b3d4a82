"""Person-name matching for screening officials against company officers (pure: no Flask, no DB).

Names are reduced to forenames and a surname: HTML entities, diacritics (ascii transliteration),
case and punctuation ignored, titles and honours dropped, "SURNAME, Forename" reordered. Two names
match when the surnames are equal and each forename both sides give agrees, in full or as an
initial. Month and year of birth are compared when both sides have them: a contradiction rules a
match out whatever the names say; no birth date on either side leaves a name-only match.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from rigour.text import ascii_text

from register.matching.normalise import unescape_html

TITLES = frozenset(
    re.findall(
        r"\w+",
        "mr mrs ms miss mx dr doctor sir dame lord lady prof professor rev revd reverend hon "
        "honourable rt right the cllr councillor baroness baron viscount",
    )
)
HONOURS = frozenset(re.findall(r"\w+", "cbe obe mbe kbe dbe kcb frs kc qc mp jp phd jr jnr sr esq"))
_JOINERS = re.compile(r"['’`\-]")
_NON_ALPHA = re.compile(r"[^a-z]+")

EXACT = "exact"  # every forename given in full on both sides, and the same ones
FULL = "full"  # first forename in full, any further forenames compatible
INITIAL = "initial"  # first forename agrees only as an initial
NAME_QUALITY = {EXACT: 100.0, FULL: 90.0, INITIAL: 75.0}

BIRTH_MATCH = "match"
BIRTH_UNKNOWN = "unknown"
BIRTH_CONTRADICTS = "contradicts"
MONTHS = tuple(calendar.month_name[1:])


@dataclass(frozen=True, slots=True)
class PersonName:
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

    @property
    def key(self) -> tuple[str, str]:
        """The blocking key: surname and first initial."""
        return self.surname, self.forenames[0][0]


def _tokens(text: str) -> list[str]:
    text = ascii_text(_JOINERS.sub("", text.casefold())).casefold()
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


def _agree(a: str, b: str) -> bool:
    return a == b or (len(a) == 1 and b.startswith(a)) or (len(b) == 1 and a.startswith(b))


def compare_person_names(a: PersonName, b: PersonName) -> str | None:
    """EXACT, FULL or INITIAL when the names can be the same person's, else None."""
    if a.surname != b.surname or not a.forenames or not b.forenames:
        return None
    if not all(_agree(x, y) for x, y in zip(a.forenames, b.forenames, strict=False)):
        return None
    first_a, first_b = a.forenames[0], b.forenames[0]
    if len(first_a) == 1 or len(first_b) == 1:
        return INITIAL
    if a.forenames == b.forenames and all(len(f) > 1 for f in a.forenames):
        return EXACT
    return FULL


def compare_person_name_text(name_a: str, name_b: str) -> str | None:
    """The quality with which two written names can be the same person's (no birth date known),
    or None: what `flask match people` prints and the undeclared-interest screening decides."""
    a, b = parse_person_name(name_a), parse_person_name(name_b)
    if a is None or b is None:
        return None
    return compare_person_names(a, b)


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
    names: tuple[PersonName, ...]
    birth_month: int | None = None
    birth_year: int | None = None


def person(
    id_: int, names: Iterable[str], birth_month: int | None, birth_year: int | None
) -> Person:
    """A Person from raw names (full name and other names); unparseable names are skipped."""
    parsed = tuple(dict.fromkeys(p for n in names if (p := parse_person_name(n)) is not None))
    return Person(id_, parsed, birth_month, birth_year)


def split_other_names(text: str | None) -> list[str]:
    """Other names as entered: one a line, or separated by semicolons."""
    return [n.strip() for n in re.split(r"[\n;]", text or "") if n.strip()]


@dataclass(frozen=True, slots=True)
class PersonMatch:
    person: Person
    quality: str  # EXACT, FULL or INITIAL
    birth: str  # BIRTH_MATCH or BIRTH_UNKNOWN (a contradiction is never a match)
    matched_name: PersonName

    @property
    def name_score(self) -> float:
        return NAME_QUALITY[self.quality]


def match_person(
    candidate: Person, name: PersonName, birth_month: int | None, birth_year: int | None
) -> PersonMatch | None:
    """The best match of a candidate's names against one name, or None (never on a
    contradicting birth date)."""
    birth = compare_birth(candidate.birth_month, candidate.birth_year, birth_month, birth_year)
    if birth == BIRTH_CONTRADICTS:
        return None
    best: PersonMatch | None = None
    for own in candidate.names:
        quality = compare_person_names(own, name)
        if quality and (best is None or NAME_QUALITY[quality] > best.name_score):
            best = PersonMatch(candidate, quality, birth, own)
    return best


class PersonIndex:
    """People by surname and first initial, for matching many names against them."""

    def __init__(self, people: Iterable[Person] = ()) -> None:
        self.blocks: dict[tuple[str, str], list[Person]] = {}
        self.count = 0
        for item in people:
            self.add(item)

    def add(self, item: Person) -> None:
        self.count += 1
        for key in dict.fromkeys(n.key for n in item.names):
            self.blocks.setdefault(key, []).append(item)

    def __len__(self) -> int:
        return self.count

    def matches(
        self, name: PersonName, birth_month: int | None, birth_year: int | None
    ) -> Iterator[PersonMatch]:
        """Every indexed person who may be the one named."""
        for item in self.blocks.get(name.key, ()):
            found = match_person(item, name, birth_month, birth_year)
            if found is not None:
                yield found
