"""Plain records the matching engine reads and the results it returns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class InterestRecord:
    """One declared organisation of one interest (associates' organisations: one record each)."""

    interest_id: int
    official_id: int
    department_id: int | None
    organisation_name: str
    identifiers: tuple[tuple[str, str], ...]
    whose: str  # "self" | "spouse_partner" | "dependent_child" | "close_associate"
    category: str  # "directorship" | "employment" | "shareholding" | "relationship" | ...
    start_date: date | None
    end_date: date | None  # None while held; a gift has start_date == end_date == gift date
    source_key: str = ""
    # For a close personal relationship, its type ("sibling"): the organisations are the
    # related person's, weighed as an associate's interest whatever `whose` says.
    relationship: str | None = None

    @property
    def name(self) -> str:
        return self.organisation_name

    @property
    def key(self) -> tuple[int, str]:
        return (self.interest_id, self.source_key)


@dataclass(frozen=True, slots=True)
class SupplierRecord:
    """One supplier of one contract award."""

    award_supplier_id: int
    award_id: int
    supplier_name: str
    identifiers: tuple[tuple[str, str], ...]
    buyer_name: str
    buyer_department_id: int | None
    award_date: date | None
    value: Decimal | None
    currency: str | None

    @property
    def name(self) -> str:
        return self.supplier_name

    @property
    def key(self) -> int:
        return self.award_supplier_id


@dataclass(frozen=True, slots=True)
class Reason:
    """One readable part of a flag's explanation, with its contribution to the score."""

    code: str
    text: str
    weight: float


@dataclass(frozen=True, slots=True)
class MatchResult:
    """A flag: one interest record against one award supplier."""

    interest_id: int
    source_key: str
    award_supplier_id: int
    score: float
    name_score: float
    risk_level: str  # "high" | "medium" | "low"
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class MatchConfig:
    """Tunable thresholds of the engine."""

    # Minimum similarity (0..100) of the distinctive words of two names, and of the names once
    # qualifiers such as "uk" or "group" are set aside. Tuned on the patstat clusters and the
    # Commons-vs-Contracts-Finder screening (tests/matching/test_real_data.py).
    name_threshold: float = 90.0
    lookback_months: int = 24
    # A name match held at the award scores about 70, plus up to 10 for the contract value: the
    # official's own department (20) or a certain identifier match makes it high.
    high_risk: float = 80.0
    medium_risk: float = 50.0
