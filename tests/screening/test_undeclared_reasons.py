"""Undeclared-interest findings say what the person match rests on, and weigh it by quality."""

from __future__ import annotations

from datetime import date

from register.matching.people import match_person, person, read_person_name
from register.screening.undeclared import NAME_WEIGHT, Officer, Supply, assess


def _finding(official: str, officer: str, births: tuple[int | None, int | None]) -> dict[str, str]:
    candidate = person(7, [official], *births)
    name = read_person_name(officer)
    assert name is not None
    match = match_person(candidate, name, *births)
    assert match is not None
    record = Officer(1, "01234567", "Acme Ltd", officer, "director", None, None, *births, "d")
    supply = Supply(2, 3, date(2024, 5, 1), 4, "ACME LIMITED", "A buyer", "Cleaning", None, "s")
    found = assess(7, 4, record, match, supply, 24)
    reasons = {r["code"]: r for r in found.reasons}
    assert reasons["person_name"]["weight"] == NAME_WEIGHT[match.quality]
    return {"text": reasons["person_name"]["text"], "risk": found.risk_level}


def test_a_nickname_match_says_which_name_was_read_as_which() -> None:
    found = _finding("Robert Charles Neighbour", "NEIGHBOUR, Bob", (None, None))
    assert found == {
        "text": "names match (nickname): robert charles neighbour ('robert' read as 'bob'; "
        "'charles' on one side only)",
        "risk": "low",
    }


def test_a_slip_in_the_surname_is_a_match_only_with_the_birth_date() -> None:
    found = _finding("Kevin Hollinrake", "HOLLINRAK, Kevin", (9, 1963))
    assert found == {
        "text": "names match (typo): kevin hollinrake "
        "(one-letter difference between 'hollinrake' and 'hollinrak')",
        "risk": "high",
    }
    assert NAME_WEIGHT["typo"] < NAME_WEIGHT["exact"]


def test_an_exact_match_gives_no_extra_reason() -> None:
    found = _finding("Jane Trowe", "TROWE, Jane", (None, None))
    assert found["text"] == "names match (exact): jane trowe"
