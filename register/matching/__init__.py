"""Pure-Python matching of declared interests against contract award suppliers (no Flask, no DB)."""

from .engine import MatchingEngine
from .index import InterestIndex, RecordIndex, SupplierIndex
from .normalise import name_aliases, normalise_name
from .score import compare_names, score_pair
from .types import InterestRecord, MatchConfig, MatchResult, Reason, SupplierRecord

__all__ = [
    "InterestIndex",
    "InterestRecord",
    "MatchConfig",
    "MatchResult",
    "MatchingEngine",
    "Reason",
    "RecordIndex",
    "SupplierIndex",
    "SupplierRecord",
    "compare_names",
    "name_aliases",
    "normalise_name",
    "score_pair",
]
