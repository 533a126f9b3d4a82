"""Candidate generation: find the records whose identifiers or names can match, without a full scan.

Identifiers and the compact forms of names are dictionary look-ups. For similar names, the
distinctive words of each name (names.OrgName.tokens: not legal forms, places, numbers or
generic words) are indexed; a query looks up its rarest words and their neighbours in the
vocabulary (one edit: a deletion index; two edits in long words: a segment index) and verifies
the few raw names found with the engine's own comparison. Every distinctive word of a name must
be matched in the other for the comparison to accept them, so one of the rarest words, within
an edit or two, always leads to the name. The same class indexes award suppliers and declared
interests.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from typing import Generic, Protocol, TypeVar, cast

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from .names import org_names, written_alike
from .score import identifier_keys, match_names, relate_names
from .types import InterestRecord, MatchConfig, SupplierRecord


class Indexable(Protocol):
    @property
    def key(self) -> Hashable: ...
    @property
    def name(self) -> str: ...
    @property
    def identifiers(self) -> tuple[tuple[str, str], ...]: ...


NEIGHBOUR_CACHE_SIZE = 200_000
# Shortest word looked up with its one-edit neighbours (rigour's residue budget refuses any
# edit in shorter words), and shortest looked up two edits away when it is a name's only word.
MIN_FUZZY_LENGTH = 4
MIN_TWO_EDITS_LENGTH = 5
# ... and shortest looked up two edits away in any name (rigour allows two in long words).
MIN_TWO_EDITS_ALWAYS = 10
R = TypeVar("R", bound=Indexable)
K = TypeVar("K", bound=Hashable)


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _thirds(length: int) -> list[tuple[int, int]]:
    return [(length * i // 3, length * (i + 1) // 3) for i in range(3)]


# Candidate generation in keys, shared by this in-memory index and the stored one
# (register.candidate_index): the same keys find the same words and names in both.
# A vocabulary word is found by "w:word", by "d:" and each of its deletions (from 4 letters)
# and by "s:" and each of its three segments (from 5 letters); a name by "c:" and each of its
# written-alike keys and by "t:" and each of its distinctive words.


def vocabulary_keys(word: str) -> list[str]:
    """The keys under which an indexed word is found by its neighbours."""
    keys = ["w:" + word]
    if len(word) >= MIN_FUZZY_LENGTH:
        keys.extend("d:" + deleted for deleted in _deletions(word))
    if len(word) >= MIN_TWO_EDITS_LENGTH:
        # Two edits leave one of three segments intact (pigeonhole), near its place.
        for number, (start, end) in enumerate(_thirds(len(word))):
            keys.append(f"s:{len(word)}:{number}:{word[start:end]}")
    return keys


def name_keys(raw: str) -> tuple[set[str], set[str]]:
    """The keys under which an indexed raw name is found: its written-alike keys ("c:") and
    its distinctive words ("t:"), over all its names; and those words (for the vocabulary)."""
    keys: set[str] = set()
    words: set[str] = set()
    for name in org_names(raw):
        keys.update("c:" + key for key in written_alike(name))
        words.update(name.tokens)
    keys.update("t:" + word for word in words)
    return keys, words


def neighbour_keys(word: str, alone: bool) -> tuple[list[str], list[str]]:
    """The vocabulary keys to look a query word up by: those whose words are its neighbours as
    found (the word itself and one edit away), and those whose words are two edits away only
    if `two_edit_neighbours` keeps them.

    A word that is a name's only distinctive word may also be two edits away if it is long;
    in longer names another looked-up word finds such a match.
    """
    near = ["w:" + word]
    if len(word) >= MIN_FUZZY_LENGTH:
        near.append("d:" + word)
        for deleted in _deletions(word):
            near.extend(("w:" + deleted, "d:" + deleted))
    far: list[str] = []
    if len(word) >= (MIN_TWO_EDITS_LENGTH if alone else MIN_TWO_EDITS_ALWAYS):
        for length in range(max(len(word) - 2, MIN_TWO_EDITS_LENGTH), len(word) + 3):
            delta = len(word) - length
            for number, (start, end) in enumerate(_thirds(length)):
                # Where an intact segment can sit in the word (Li et al., Pass-Join, 2011).
                for shift in range(
                    max(-number, delta - 2 + number), min(number, delta + 2 - number) + 1
                ):
                    piece = word[start + shift : end + shift]
                    if start + shift >= 0 and len(piece) == end - start:
                        far.append(f"s:{length}:{number}:{piece}")
    return near, far


def two_edit_neighbours(word: str, found: Iterable[str]) -> set[str]:
    """Of the words found by segment keys, those within two edits of the word."""
    near = process.extract(
        word, set(found), scorer=Levenshtein.distance, score_cutoff=2, limit=None
    )
    return {w for w, _, _ in near}


def lookup_words(
    raw: str, names_with: Callable[[str], int]
) -> tuple[set[str], set[tuple[str, bool]]]:
    """What to look a raw name up by: its written-alike keys ("c:"), and the rarest two (three
    for long names) distinctive words of each of its names, by `names_with(word)` (how many
    indexed names have the word), each with whether it is its name's only word. An accepted
    name matches every distinctive word, so one of the rarest always leads to it."""
    keys: set[str] = set()
    words: set[tuple[str, bool]] = set()
    for name in org_names(raw):
        keys.update("c:" + key for key in written_alike(name))
        rarest = sorted(name.tokens, key=names_with)
        for word in rarest[: 2 if len(rarest) < 5 else 3]:
            words.add((word, len(rarest) == 1))
    return keys, words


class RecordIndex(Generic[R, K]):
    """An index of records by identifier and by name."""

    def __init__(self, records: Iterable[R] = (), config: MatchConfig | None = None) -> None:
        self.config = config or MatchConfig()
        self._records: list[R] = []
        self._positions: dict[Hashable, int] = {}
        self._by_identifier: dict[tuple[str, str], list[int]] = {}
        self._names: list[str] = []  # distinct raw names
        self._name_ids: dict[str, int] = {}
        self._name_records: list[list[int]] = []
        # Names by key ("c:" written-alike, "t:" distinctive word) and words by vocabulary key
        # ("d:" deletion, "s:" segment); "w:" keys are the words of "t:" keys.
        self._name_keys: dict[str, list[int]] = {}
        self._word_keys: dict[str, list[str]] = {}
        # Neighbours of queried words, until a new word is indexed: names share many words.
        self._neighbour_cache: dict[tuple[str, bool], set[str]] = {}
        for record in records:
            self.add(record)

    def __len__(self) -> int:
        return len(self._positions)

    def records(self) -> Iterator[R]:
        return (self._records[p] for p in self._positions.values())

    def names(self) -> Sequence[str]:
        """Every distinct indexed raw name; matching_names returns positions in this sequence."""
        return self._names

    def get(self, key: K) -> R | None:
        position = self._positions.get(key)
        return None if position is None else self._records[position]

    def add(self, record: R) -> None:
        """Index a record; a record with the key of an indexed one replaces it."""
        key = record.key
        position = self._positions.get(key)
        if position is None:
            position = len(self._records)
            self._positions[key] = position
            self._records.append(record)
        else:
            self._unlink(position)
            self._records[position] = record
        for identifier in identifier_keys(record.identifiers):
            self._by_identifier.setdefault(identifier, []).append(position)
        self._name_records[self._name_id(record.name)].append(position)

    def _unlink(self, position: int) -> None:
        old = self._records[position]
        for identifier in identifier_keys(old.identifiers):
            self._by_identifier[identifier].remove(position)
        self._name_records[self._name_ids[old.name]].remove(position)

    def _name_id(self, raw: str) -> int:
        name_id = self._name_ids.get(raw)
        if name_id is not None:
            return name_id
        name_id = len(self._names)
        self._names.append(raw)
        self._name_ids[raw] = name_id
        self._name_records.append([])
        keys, words = name_keys(raw)
        for word in words:
            if "t:" + word not in self._name_keys:
                self._index_word(word)
        for key in keys:
            self._name_keys.setdefault(key, []).append(name_id)
        return name_id

    def _index_word(self, word: str) -> None:
        self._neighbour_cache.clear()
        for key in vocabulary_keys(word)[1:]:  # "w:" is the word's own "t:" key
            self._word_keys.setdefault(key, []).append(word)

    def _words(self, keys: Iterable[str]) -> Iterator[str]:
        for key in keys:
            if key.startswith("w:"):
                if "t:" + key[2:] in self._name_keys:
                    yield key[2:]
            else:
                yield from self._word_keys.get(key, ())

    def _neighbours(self, word: str, alone: bool) -> set[str]:
        """Indexed words equal to the word or one edit away, or two (neighbour_keys)."""
        cached = self._neighbour_cache.get((word, alone))
        if cached is not None:
            return cached
        near, far = neighbour_keys(word, alone)
        found = set(self._words(near))
        if far:
            found.update(two_edit_neighbours(word, self._words(far)))
        if len(self._neighbour_cache) >= NEIGHBOUR_CACHE_SIZE:
            self._neighbour_cache.clear()
        self._neighbour_cache[word, alone] = found
        return found

    def names_with(self, word: str) -> int:
        """How many indexed names have the distinctive word."""
        return len(self._name_keys.get("t:" + word, ()))

    def candidate_names(self, raw: str) -> set[int]:
        """Indexed raw names (ids) that may match a raw name: the same compact form, or sharing
        one of the rarest distinctive words of one of its names, within an edit or two."""
        keys, words = lookup_words(raw, self.names_with)
        for word, alone in words:
            keys.update("t:" + neighbour for neighbour in self._neighbours(word, alone))
        found: set[int] = set()
        for key in keys:
            found.update(self._name_keys.get(key, ()))
        return found

    def matching_names(self, raw: str, relatives: bool = False) -> list[tuple[int, float]]:
        """Indexed raw names (ids) that match a raw name, with their similarity; with
        `relatives`, also those of one group's companies (score 0)."""
        relate = relate_names if relatives else match_names
        matches = []
        for name_id in self.candidate_names(raw):
            match = relate(raw, self._names[name_id])
            if match is not None:
                matches.append((name_id, match.score))
        return matches

    def candidate_records(
        self, record: Indexable, cache: dict[str, list[int]] | None = None
    ) -> list[R]:
        """Indexed records sharing an identifier with the record or whose names match its names
        or are a sister company's (score_pair says which).

        `cache` memoises name look-ups across calls of one screening run.
        """
        positions: set[int] = set()
        for identifier in identifier_keys(record.identifiers):
            positions.update(self._by_identifier.get(identifier, ()))
        found = cache.get(record.name) if cache is not None else None
        if found is None:
            found = [
                p
                for name_id, _ in self.matching_names(record.name, relatives=True)
                for p in self._name_records[name_id]
            ]
            if cache is not None:
                cache[record.name] = found
        positions.update(found)
        return [self._records[p] for p in positions]

    def candidates(self, record: Indexable) -> set[K]:
        """Keys of the indexed records that can match the record."""
        return {cast(K, r.key) for r in self.candidate_records(record)}


class SupplierIndex(RecordIndex[SupplierRecord, int]):
    """Award suppliers, keyed by award_supplier_id."""


class InterestIndex(RecordIndex[InterestRecord, tuple[int, str]]):
    """Declared interests, keyed by (interest_id, source_key)."""
