"""The stored index verifies fewer candidates than the in-memory index looks at, and loses none.

Each indexed name keeps a signature (its distinctive words without symbols, name by name);
a candidate whose signature has a word nothing in the query can match is not verified. Names
matched only through a rescue of the comparison (an abbreviation, words run together, a slip)
are still found, exactly as the in-memory engine finds them.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select

from register.candidate_index import (
    SUPPLIER_SIDE,
    candidate_names,
    distinctive_signature,
    matching_names,
)
from register.extensions import db
from register.matching.index import SupplierIndex
from register.matching.score import relate_names
from register.models import ScreeningName, ScreeningNameKey
from register.screening.declared import supplier_records
from tests.candidate_index.test_stored_index import add_suppliers

QUERY = "Acorn Birch Consulting Ltd"
# Share the query's rarest words ("acorn", "birch") with it, but cannot be its company.
UNRELATED = ["Acorn Cedar Care Ltd", "Birch Falcon Engineering Ltd", "Acorn Willow Digital LLP"]
SAME = "Acorn Birch Consulting Limited"
# Pairs the comparison relates only through a rescue: the stored name's word is matched in the
# query by an abbreviation, by words run together (with a slip, or with a number of one name
# only: a sister company), by a slip.
RESCUED = [
    ("Koninkl Widgetworks NV", "Koninklijke Widgetworks NV"),
    ("Kestrel Harbourview Ltd", "Kestral Harbour View Ltd"),
    ("Kestrel Harbourview 2 Ltd", "Kestrel Harbour View Ltd"),  # of one group: numbers differ
    ("Zenith Falcno Ltd", "Zenith Falcon Ltd"),
    ("Assoc. of Brewsters", "Association of Brewsters"),
]


def ids_by_name() -> dict[str, int]:
    return dict(
        db.session.execute(
            select(ScreeningName.name, ScreeningName.id).where(ScreeningName.side == SUPPLIER_SIDE)
        ).all()
    )


def test_a_signature_lists_each_names_distinctive_words() -> None:
    assert distinctive_signature(QUERY) == "f:acorn birch"  # "consulting" is generic
    assert distinctive_signature("Acorn Cedar Care Ltd") == "f:acorn care cedar"
    # A trading name is a name of its own: one group each.
    assert (
        distinctive_signature("Acorn Birch Ltd T/A Willow Yarrow") == "f:acorn birch|willow yarrow"
    )
    # A name with no distinctive word: nothing to rule a candidate out by.
    assert distinctive_signature("Consulting Services Ltd") is None


def test_a_name_sharing_one_word_only_is_not_a_candidate_any_more(app) -> None:
    add_suppliers([*UNRELATED, SAME])
    ids = ids_by_name()
    memory = SupplierIndex(supplier_records(db.session))
    looked_at = {memory.names()[i] for i in memory.candidate_names(QUERY)}
    assert set(UNRELATED) <= looked_at  # the in-memory index looks at them: they share a word
    verified = candidate_names(db.session, SUPPLIER_SIDE, [QUERY])[QUERY]
    assert verified == {ids[SAME]}
    assert [
        m.name for m in matching_names(db.session, SUPPLIER_SIDE, [QUERY], relatives=True)[QUERY]
    ] == [SAME]


def test_pairs_matched_only_through_a_rescue_are_still_found(app) -> None:
    add_suppliers([stored for _, stored in RESCUED] + UNRELATED)
    ids = ids_by_name()
    memory = SupplierIndex(supplier_records(db.session))
    queries = [query for query, _ in RESCUED]
    verified = candidate_names(db.session, SUPPLIER_SIDE, queries)
    found = matching_names(db.session, SUPPLIER_SIDE, queries, relatives=True)
    for query, stored in RESCUED:
        assert relate_names(query, stored) is not None, (query, stored)
        expected = {memory.names()[i] for i, _ in memory.matching_names(query, relatives=True)}
        assert stored in expected, (query, stored)  # the in-memory engine finds the pair
        assert ids[stored] in verified[query], (query, stored)
        assert {m.name for m in found[query]} == expected, query


def test_names_without_a_signature_are_verified_as_before(app) -> None:
    """An index written before signatures (or a name without one) loses nothing."""
    add_suppliers([*UNRELATED, SAME])
    ids = ids_by_name()
    db.session.execute(
        delete(ScreeningNameKey).where(func.substr(ScreeningNameKey.key, 1, 2) == "f:")
    )
    verified = candidate_names(db.session, SUPPLIER_SIDE, [QUERY])[QUERY]
    assert verified == {ids[name] for name in [*UNRELATED, SAME]}
    found = matching_names(db.session, SUPPLIER_SIDE, [QUERY], relatives=True)[QUERY]
    assert [m.name for m in found] == [SAME]
