"""Pure-Python matching of declared interests against contract award suppliers (no Flask, no DB)."""

from .engine import MatchingEngine
from .index import InterestIndex, RecordIndex, SupplierIndex
from .normalise import name_aliases, normalise_name
from .score import compare_names, score_pair
from .types import InterestRecord, MatchConfig, MatchResult, Reason, SupplierRecord


def load_name_data() -> None:
    """Build rigour's name taggers and load the word frequencies now, not on the first
    comparison: about 7 s and 400 MB, almost all rigour's person-name tagger. Gunicorn's master
    calls it before it forks (register/gunicorn_conf.py), so workers share it and no request
    waits for it."""
    from wordfreq import zipf_frequency

    from .people import compare_person_name_text

    compare_names("Acme Holdings Ltd", "ACME LIMITED")
    compare_person_name_text("Bob Smith", "Robert Smith")
    zipf_frequency("register", "en")


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
    "load_name_data",
    "name_aliases",
    "normalise_name",
    "score_pair",
]
