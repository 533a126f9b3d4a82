"""The one identifier rule: what every import, declaration, search and the engine compare."""

from __future__ import annotations

from datetime import date

import pytest

from register.matching import InterestRecord, MatchConfig, SupplierRecord, score_pair
from register.matching.identifiers import company_number, identifier_pair, normalise_identifier
from register.matching.score import identifier_keys


@pytest.mark.parametrize(
    ("scheme", "value", "expected"),
    [
        ("GB-COH", "SC12345", ("GB-COH", "SC012345")),
        ("GB-COH", "SC012345", ("GB-COH", "SC012345")),
        ("GB-COH", "1234567", ("GB-COH", "01234567")),
        ("GB-COH", "01234567", ("GB-COH", "01234567")),
        ("GB-COH", "sc 12345", ("GB-COH", "SC012345")),
        (" gb-coh ", " oc 301540 ", ("GB-COH", "OC301540")),
        ("GB-COH", "ni\t5678", ("GB-COH", "NI005678")),
        ("GB-COH", "IP19059R", ("GB-COH", "IP19059R")),  # a letter suffix keeps its place
        ("GB-COH", "874637", ("GB-COH", "00874637")),
        ("GB-COH", "123456789", ("GB-COH", "123456789")),  # never shortened
        ("GB-COH", "R0000123", ("GB-COH", "R0000123")),  # not the usual shape: left alone
        ("gb-chc", " 1234567 ", ("GB-CHC", "1234567")),  # other schemes are not padded
        ("GB-CHC", "sc 044", ("GB-CHC", "SC044")),
        ("GB-CQC", " 1-111009372 ", ("GB-CQC", "1-111009372")),
    ],
)
def test_normalise_identifier(scheme: str, value: str, expected: tuple[str, str]) -> None:
    assert normalise_identifier(scheme, value) == expected
    assert identifier_pair(scheme, value) == expected
    assert normalise_identifier(*expected) == expected  # idempotent


@pytest.mark.parametrize(
    ("scheme", "value"), [("GB-COH", "0"), ("GB-COH", "N/A"), ("GB-COH", " "), ("", "123")]
)
def test_empty_identifiers_and_placeholders_are_none(scheme: str, value: str) -> None:
    assert identifier_pair(scheme, value) is None


def test_company_number() -> None:
    assert company_number("sc 12345") == "SC012345"
    assert company_number("1234567") == "01234567"
    assert company_number("00000000") is None


def test_the_engine_compares_numbers_in_one_form() -> None:
    assert identifier_keys((("GB-COH", "SC12345"),)) == identifier_keys((("GB-COH", "SC012345"),))
    assert identifier_keys((("GB-COH", "0"), ("", "1"))) == frozenset()


@pytest.mark.parametrize("declared", ["SC12345", "sc 12345", "SC012345"])
def test_a_declared_short_number_matches_the_supplier_by_number(declared: str) -> None:
    interest = InterestRecord(
        interest_id=1, official_id=1, department_id=None, organisation_name="Highland Holdings",
        identifiers=(("GB-COH", declared),), whose="self", category="directorship",
        start_date=date(2020, 1, 1), end_date=None,
    )  # fmt: skip
    supplier = SupplierRecord(
        award_supplier_id=7, award_id=3, supplier_name="Caledonian Care Ltd",
        identifiers=(("GB-COH", "SC012345"),), buyer_name="Scottish Office",
        buyer_department_id=None, award_date=date(2025, 6, 1), value=None, currency=None,
    )  # fmt: skip
    result = score_pair(interest, supplier, MatchConfig())
    assert result is not None
    assert result.reasons[0].text == "company number SC012345 matches"
