"""Person-name matching: titles, initials, surname-first order, diacritics, birth dates."""

from __future__ import annotations

import pytest

from register.matching.people import (
    BIRTH_CONTRADICTS,
    BIRTH_MATCH,
    BIRTH_UNKNOWN,
    EXACT,
    FULL,
    INITIAL,
    PersonIndex,
    compare_birth,
    compare_person_names,
    parse_person_name,
    person,
    split_other_names,
)


def names(a: str, b: str) -> str | None:
    x, y = parse_person_name(a), parse_person_name(b)
    assert x is not None and y is not None
    return compare_person_names(x, y)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("Isabelle Trowe", "TROWE, Isabelle", EXACT),
        ("Dr Isabelle Trowe CBE", "Mrs Isabelle Trowe", EXACT),
        ("Isabelle Trowe", "TROWE, Isabelle Mary", FULL),
        ("I. M. Trowe", "Isabelle Mary Trowe", INITIAL),
        ("Zoë O’Brien", "ZOE OBRIEN", EXACT),
        ("Łukasz Müller-Smith", "MULLERSMITH, Lukasz", EXACT),
        ("Isabelle Trowe", "Isobel Trowe", None),
        ("Isabelle Mary Trowe", "Isabelle Jane Trowe", None),
        ("Isabelle Trowe", "Isabelle Trow", None),
    ],
)
def test_name_comparison(a: str, b: str, expected: str | None) -> None:
    assert names(a, b) == expected


def test_unusable_names() -> None:
    assert parse_person_name("Trowe") is None
    assert parse_person_name("Dr Trowe") is None
    assert parse_person_name("") is None
    assert parse_person_name("Isabelle Trowe, OBE") == parse_person_name("Isabelle Trowe")


def test_birth_dates_rule() -> None:
    assert compare_birth(3, 1968, 3, 1968) == BIRTH_MATCH
    assert compare_birth(None, 1968, 3, 1968) == BIRTH_MATCH
    assert compare_birth(3, 1968, 3, 1969) == BIRTH_CONTRADICTS
    assert compare_birth(3, 1968, 4, 1968) == BIRTH_CONTRADICTS
    assert compare_birth(None, None, 3, 1968) == BIRTH_UNKNOWN


def test_index_uses_other_names_and_never_matches_a_contradicting_birth_date() -> None:
    jane = person(1, ["Jane Smith", *split_other_names("Jane Trowe; J. Ashby\n")], 5, 1970)
    index = PersonIndex([jane, person(2, ["Agnes Plover"], None, None)])
    trowe = parse_person_name("TROWE, Jane Elizabeth")
    ashby = parse_person_name("Jennifer Ashby")
    assert trowe is not None and ashby is not None
    assert [m.person.id for m in index.matches(trowe, 5, 1970)] == [1]
    assert [m.quality for m in index.matches(ashby, None, None)] == [INITIAL]
    assert list(index.matches(trowe, 5, 1971)) == []
