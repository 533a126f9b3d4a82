"""The matching engine: screen declared interests against award suppliers, and back."""

from __future__ import annotations

from collections.abc import Iterable

from .index import InterestIndex, SupplierIndex
from .score import score_pair
from .types import InterestRecord, MatchConfig, MatchResult, SupplierRecord


def ranked(results: list[MatchResult]) -> list[MatchResult]:
    """Best first, then in a fixed order."""
    return sorted(
        results, key=lambda r: (-r.score, r.interest_id, r.source_key, r.award_supplier_id)
    )


class MatchingEngine:
    """Holds an index of award suppliers and one of declared interests, and screens either."""

    def __init__(self, config: MatchConfig | None = None) -> None:
        self.config = config or MatchConfig()
        self.suppliers = SupplierIndex(config=self.config)
        self.interests = InterestIndex(config=self.config)

    def index_suppliers(self, suppliers: Iterable[SupplierRecord]) -> None:
        for supplier in suppliers:
            self.suppliers.add(supplier)

    def add_supplier(self, supplier: SupplierRecord) -> None:
        self.suppliers.add(supplier)

    def index_interests(self, interests: Iterable[InterestRecord]) -> None:
        for interest in interests:
            self.interests.add(interest)

    def add_interest(self, interest: InterestRecord) -> None:
        self.interests.add(interest)

    def screen_interests(self, interests: Iterable[InterestRecord]) -> list[MatchResult]:
        """Flags of the given interests (say, one new declaration) against all indexed suppliers."""
        cache: dict[str, list[int]] = {}
        results = []
        for interest in interests:
            for supplier in self.suppliers.candidate_records(interest, cache):
                result = score_pair(interest, supplier, self.config)
                if result is not None:
                    results.append(result)
        return ranked(results)

    def screen_suppliers(
        self, suppliers: Iterable[SupplierRecord], interests: InterestIndex | None = None
    ) -> list[MatchResult]:
        """Flags of the given award suppliers (say, new imports) against all indexed interests."""
        index = self.interests if interests is None else interests
        cache: dict[str, list[int]] = {}
        results = []
        for supplier in suppliers:
            for interest in index.candidate_records(supplier, cache):
                result = score_pair(interest, supplier, self.config)
                if result is not None:
                    results.append(result)
        return ranked(results)

    def screen_all(self) -> list[MatchResult]:
        """Flags of every indexed interest against every indexed supplier."""
        return self.screen_interests(self.interests.records())
