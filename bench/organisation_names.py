"""Organisation names for the benches at scale, with a vocabulary shaped like real ones.

Real supplier names are mostly rare words (surnames, places, made-up brands) with a few common
ones (Castle, Premier) and generic trade words (Care, Consulting), and a few companies win many
awards. So, by default (`realistic`):

- the distinctive words come from 60,000 pronounceable made-up words drawn with Zipf-Mandelbrot
  frequencies: the commonest is in about 0.3% of names, the median word in a handful;
- names have one to three distinctive words, up to two trade words and a legal form;
- award suppliers are drawn from a pool of companies (a quarter as many as suppliers), the
  biggest winning about a thousand awards in a million;
- 5% of declared organisations are companies of that pool, so some declarations do match.

`dense` is the vocabulary the benches used before: 49 words and 12 trades, so that every
distinctive word is in about 4% of names and every declared name is shared by dozens of award
suppliers (each declaration then has hundreds of true matches). It is kept as a stress case.
"""

from __future__ import annotations

import itertools
import random
from functools import cache

VOCABULARIES = ("realistic", "dense")
FORMS = ("Ltd", "Limited", "LLP", "PLC", "CIC", "Ltd.")

DENSE_WORDS = [
    "acorn",
    "birch",
    "cedar",
    "delta",
    "ember",
    "falcon",
    "granite",
    "harbour",
    "iris",
    "juniper",
    "kestrel",
    "lantern",
    "meadow",
    "northgate",
    "oakfield",
    "pennine",
    "quarry",
    "riverside",
    "summit",
    "thames",
    "upland",
    "vale",
    "willow",
    "yarrow",
    "zenith",
    "albion",
    "beacon",
    "castle",
    "dunmore",
    "eastbridge",
    "fairway",
    "glen",
    "highfield",
    "ivory",
    "kingsway",
    "linden",
    "marsh",
    "newbury",
    "orchard",
    "pembroke",
    "quayside",
    "redwood",
    "saxon",
    "tudor",
    "unity",
    "victoria",
    "westfield",
]
DENSE_TRADES = (
    "Consulting",
    "Care",
    "Engineering",
    "Digital",
    "Health",
    "Education",
    "Logistics",
    "Construction",
    "Facilities",
    "Analytics",
    "Training",
    "Legal",
)
TRADES = (
    *DENSE_TRADES,
    "Services",
    "Solutions",
    "Group",
    "Associates",
    "Partners",
    "Management",
    "Systems",
    "Technology",
    "Recruitment",
    "Cleaning",
    "Security",
    "Catering",
    "Transport",
    "Property",
    "Homes",
    "Maintenance",
    "Design",
    "Media",
    "Energy",
    "Environmental",
    "Medical",
    "Supplies",
    "Holdings",
    "Developments",
    "Interiors",
    "Electrical",
    "Plumbing",
    "Roofing",
    "Landscapes",
    "Software",
)
VOCABULARY_SIZE = 60_000
ZIPF_OFFSET = 50  # Zipf-Mandelbrot q: flattens the head so no word is in more than ~0.3%
COMPANY_OFFSET = 100  # the same for how many awards each company wins
DECLARED_FROM_SUPPLIERS = 0.05

_ONSETS = [
    "b",
    "br",
    "c",
    "ch",
    "cl",
    "d",
    "dr",
    "f",
    "fl",
    "g",
    "gr",
    "h",
    "j",
    "k",
    "l",
    "m",
    "n",
    "p",
    "pr",
    "r",
    "s",
    "sh",
    "st",
    "t",
    "th",
    "tr",
    "v",
    "w",
    "wh",
    "y",
]
_VOWELS = ["a", "e", "i", "o", "u", "ay", "ee", "oa", "ou", "ar", "or"]
_CODAS = ["", "", "n", "r", "l", "m", "ck", "ss", "nd", "nt", "st", "x", "ll", "rd"]


@cache
def vocabulary() -> tuple[tuple[str, ...], tuple[float, ...]]:
    """The made-up words, commonest first, and their cumulative Zipf-Mandelbrot weights."""
    rng = random.Random(16)
    syllables = [o + v + c for o in _ONSETS for v in _VOWELS for c in _CODAS]
    words: dict[str, None] = {}
    while len(words) < VOCABULARY_SIZE:
        parts = rng.choices(syllables, k=rng.choice((2, 2, 2, 3)))
        word = "".join(parts)
        if 5 <= len(word) <= 12:
            words.setdefault(word.title())
    weights = itertools.accumulate(1 / (rank + ZIPF_OFFSET) for rank in range(1, len(words) + 1))
    return tuple(words), tuple(weights)


class OrganisationNames:
    """Names for award suppliers and declared organisations, drawn from `rng`."""

    def __init__(self, rng: random.Random, suppliers: int, vocabulary_name: str = "realistic"):
        if vocabulary_name not in VOCABULARIES:
            raise ValueError(f"vocabulary must be one of {', '.join(VOCABULARIES)}")
        self.rng = rng
        self.dense = vocabulary_name == "dense"
        self.companies: list[str] = []
        self.company_weights: list[float] = []
        if not self.dense:
            self.words, self.word_weights = vocabulary()
            self.companies = [self.fresh() for _ in range(max(100, suppliers // 4))]
            self.company_weights = list(
                itertools.accumulate(
                    1 / (rank + COMPANY_OFFSET) for rank in range(1, len(self.companies) + 1)
                )
            )

    def fresh(self) -> str:
        """A new name, which may happen to equal another."""
        rng = self.rng
        if self.dense:
            first, second = rng.choice(DENSE_WORDS).title(), rng.choice(DENSE_WORDS).title()
            return f"{first} {second} {rng.choice(DENSE_TRADES)} {rng.choice(FORMS)}"
        count = rng.choices((1, 2, 3), weights=(45, 45, 10))[0]
        words = rng.choices(self.words, cum_weights=self.word_weights, k=count)
        trades = rng.sample(TRADES, rng.choices((0, 1, 2), weights=(25, 55, 20))[0])
        return " ".join((*words, *trades, rng.choice(FORMS)))

    def supplier(self) -> str:
        if self.dense:
            return self.fresh()
        return self.rng.choices(self.companies, cum_weights=self.company_weights)[0]

    def declared(self) -> str:
        if self.dense or self.rng.random() >= DECLARED_FROM_SUPPLIERS:
            return self.fresh()
        return self.rng.choice(self.companies)
