"""Candidate generation: find the records whose identifiers or names can match, without a full scan.

Identifiers and exact normalised names are dictionary look-ups. For similar names, each name's
distinctive words (see normalise.NameKey) are indexed; a query looks up its rarest words and
their neighbours in the vocabulary (one edit: a deletion index; two edits in long words: a
segment index) and verifies the few names found with the engine's own comparison. The same
class indexes award suppliers and declared interests.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Iterator, Sequence
from typing import Generic, Protocol, TypeVar, cast

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from .normalise import NameKey, name_keys
from .score import compare_keys, identifier_keys
from .types import InterestRecord, MatchConfig, SupplierRecord


class Indexable(Protocol):
    @property
    def key(self) -> Hashable: ...
    @property
    def name(self) -> str: ...
    @property
    def identifiers(self) -> tuple[tuple[str, str], ...]: ...


NEIGHBOUR_CACHE_SIZE = 200_000
R = TypeVar("R", bound=Indexable)
K = TypeVar("K", bound=Hashable)


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _at_least(bound: float) -> int:
    return math.ceil(round(bound, 6))  # 0.9 / 0.1 is 9.000000000000002


def _thirds(length: int) -> list[tuple[int, int]]:
    return [(length * i // 3, length * (i + 1) // 3) for i in range(3)]


class RecordIndex(Generic[R, K]):
    """An index of records by identifier and by name."""

    def __init__(self, records: Iterable[R] = (), config: MatchConfig | None = None) -> None:
        self.config = config or MatchConfig()
        threshold = self.config.name_threshold / 100
        # Shortest word for which one inserted letter still leaves a one-word name similar enough:
        # 2n / (2n + 1) >= threshold. Shorter words are only looked up exactly.
        self._min_fuzzy = _at_least(threshold / (2 * (1 - threshold))) if threshold < 1 else 99
        # Shortest word for which two edits can still leave a one-word name similar enough.
        self._min_two_edits = _at_least(threshold / (1 - threshold)) if threshold < 1 else 99
        self._records: list[R] = []
        self._positions: dict[Hashable, int] = {}
        self._by_identifier: dict[tuple[str, str], list[int]] = {}
        self._names: list[NameKey] = []
        self._cores: list[str] = []  # the names' cores, for one-call verification
        self._name_ids: dict[str, int] = {}
        self._name_records: list[list[int]] = []
        self._compact_names: dict[str, list[int]] = {}
        self._token_names: dict[str, list[int]] = {}
        self._deleted: dict[str, list[str]] = {}
        self._segments: dict[str, list[str]] = {}
        # Neighbours of queried words, until a new word is indexed: names share many words.
        self._neighbour_cache: dict[tuple[str, bool], set[str]] = {}
        for record in records:
            self.add(record)

    def __len__(self) -> int:
        return len(self._positions)

    def records(self) -> Iterator[R]:
        return (self._records[p] for p in self._positions.values())

    def names(self) -> Sequence[NameKey]:
        """Every distinct indexed name; matching_names returns positions in this sequence."""
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
        for name in name_keys(record.name):
            self._name_records[self._name_id(name)].append(position)

    def _unlink(self, position: int) -> None:
        old = self._records[position]
        for identifier in identifier_keys(old.identifiers):
            self._by_identifier[identifier].remove(position)
        for name in name_keys(old.name):
            self._name_records[self._name_ids[name.full]].remove(position)

    def _name_id(self, name: NameKey) -> int:
        name_id = self._name_ids.get(name.full)
        if name_id is not None:
            return name_id
        name_id = len(self._names)
        self._names.append(name)
        self._cores.append(name.core)
        self._name_ids[name.full] = name_id
        self._compact_names.setdefault(name.compact, []).append(name_id)
        self._name_records.append([])
        for token in name.tokens:
            postings = self._token_names.get(token)
            if postings is None:
                postings = self._token_names[token] = []
                self._index_word(token)
            postings.append(name_id)
        return name_id

    def _index_word(self, word: str) -> None:
        self._neighbour_cache.clear()
        if len(word) >= self._min_fuzzy:
            for deleted in _deletions(word):
                self._deleted.setdefault(deleted, []).append(word)
        if len(word) >= self._min_two_edits:
            # Two edits leave one of three segments intact (pigeonhole), near its place.
            for number, (start, end) in enumerate(_thirds(len(word))):
                key = f"{len(word)}:{number}:{word[start:end]}"
                self._segments.setdefault(key, []).append(word)

    def _neighbours(self, word: str, alone: bool) -> set[str]:
        """Indexed words equal to the word or one edit away.

        A word that is a name's only distinctive word may also be two edits away if it is long;
        in longer names another looked-up word finds such a match.
        """
        cached = self._neighbour_cache.get((word, alone))
        if cached is not None:
            return cached
        found = {word} if word in self._token_names else set()
        if len(word) >= self._min_fuzzy:
            found.update(self._deleted.get(word, ()))
            for deleted in _deletions(word):
                if deleted in self._token_names:
                    found.add(deleted)
                found.update(self._deleted.get(deleted, ()))
        if alone and len(word) >= self._min_two_edits:
            found.update(self._two_edits(word))
        if len(self._neighbour_cache) >= NEIGHBOUR_CACHE_SIZE:
            self._neighbour_cache.clear()
        self._neighbour_cache[word, alone] = found
        return found

    def _two_edits(self, word: str) -> set[str]:
        found: set[str] = set()
        for length in range(max(len(word) - 2, self._min_two_edits), len(word) + 3):
            delta = len(word) - length
            for number, (start, end) in enumerate(_thirds(length)):
                # Where an intact segment can sit in the word (Li et al., Pass-Join, 2011).
                for shift in range(
                    max(-number, delta - 2 + number), min(number, delta + 2 - number) + 1
                ):
                    piece = word[start + shift : end + shift]
                    if start + shift >= 0 and len(piece) == end - start:
                        found.update(self._segments.get(f"{length}:{number}:{piece}", ()))
        near = process.extract(word, found, scorer=Levenshtein.distance, score_cutoff=2, limit=None)
        return {w for w, _, _ in near}

    def matching_names(self, name: NameKey) -> list[tuple[int, float]]:
        """Indexed names (ids) that match a name, with their similarity."""
        matches: dict[int, float] = {}
        for exact in self._compact_names.get(name.compact, ()):
            matches[exact] = 100.0
        if not name.tokens:
            return list(matches.items())
        # A similar name shares most distinctive words, at least up to an edit or two: looking up
        # the rarest two (three for long names) finds it without touching the common ones.
        rarest = sorted(name.tokens, key=lambda w: len(self._token_names.get(w, ())))
        candidates: set[int] = set()
        for word in rarest[: 2 if len(rarest) < 5 else 3]:
            for neighbour in self._neighbours(word, alone=len(rarest) == 1):
                candidates.update(self._token_names[neighbour])
        threshold = self.config.name_threshold
        ids = list(candidates - matches.keys())
        # The distinctive-word similarity in one C call first; the full rule on what passes.
        cores = [self._cores[name_id] for name_id in ids]
        for _, _, at in process.extract(
            name.core, cores, scorer=fuzz.ratio, score_cutoff=threshold, limit=None
        ):
            score = compare_keys(name, self._names[ids[at]], threshold)
            if score:
                matches[ids[at]] = score
        return list(matches.items())

    def candidate_records(
        self, record: Indexable, cache: dict[str, list[int]] | None = None
    ) -> list[R]:
        """Indexed records sharing an identifier with the record or whose names match its names.

        `cache` memoises name look-ups across calls of one screening run.
        """
        positions: set[int] = set()
        for identifier in identifier_keys(record.identifiers):
            positions.update(self._by_identifier.get(identifier, ()))
        for name in name_keys(record.name):
            found = cache.get(name.full) if cache is not None else None
            if found is None:
                found = [
                    p
                    for name_id, _ in self.matching_names(name)
                    for p in self._name_records[name_id]
                ]
                if cache is not None:
                    cache[name.full] = found
            positions.update(found)
        return [self._records[p] for p in positions]

    def candidates(self, record: Indexable) -> set[K]:
        """Keys of the indexed records that can match the record."""
        return {cast(K, r.key) for r in self.candidate_records(record)}


class SupplierIndex(RecordIndex[SupplierRecord, int]):
    """Award suppliers, keyed by award_supplier_id."""


class InterestIndex(RecordIndex[InterestRecord, tuple[int, str]]):
    """Declared interests, keyed by (interest_id, source_key)."""
