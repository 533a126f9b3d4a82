"""Scoring, indexing and screening with hand-made records."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from register.matching import (
    InterestIndex,
    InterestRecord,
    MatchConfig,
    MatchingEngine,
    SupplierIndex,
    SupplierRecord,
    score_pair,
)
from register.matching.score import months_between, subtract_months

CONFIG = MatchConfig()
DEPARTMENT = 7


def interest(name: str = "Morning Lane Associates Ltd", **fields) -> InterestRecord:
    values = {
        "interest_id": 1,
        "official_id": 10,
        "department_id": DEPARTMENT,
        "organisation_name": name,
        "identifiers": (),
        "whose": "self",
        "category": "shareholding",
        "start_date": date(2010, 1, 1),
        "end_date": None,
        "source_key": "org:0",
    }
    return InterestRecord(**(values | fields))


def supplier(name: str = "MORNING LANE ASSOCIATES LIMITED", **fields) -> SupplierRecord:
    values = {
        "award_supplier_id": 100,
        "award_id": 50,
        "supplier_name": name,
        "identifiers": (),
        "buyer_name": "Department for Example",
        "buyer_department_id": DEPARTMENT,
        "award_date": date(2014, 6, 16),
        "value": Decimal("250000"),
        "currency": "GBP",
    }
    return SupplierRecord(**(values | fields))


def codes(result) -> set[str]:
    return {r.code for r in result.reasons}


def texts(result) -> list[str]:
    return [r.text for r in result.reasons]


def test_morning_lane_flags_high() -> None:
    result = score_pair(interest(end_date=date(2013, 9, 30)), supplier(), CONFIG)
    assert result is not None
    assert result.risk_level == "high"
    assert result.name_score == 100
    assert (result.interest_id, result.source_key, result.award_supplier_id) == (1, "org:0", 100)
    assert "names match: morning lane associates (legal forms 'ltd', 'limited' set aside)" in texts(
        result
    )
    assert "interest ended 8 months before the award" in texts(result)
    assert "awarded by the official's own department" in texts(result)
    assert {"ended_before_award", "own_department", "own_interest", "value"} <= codes(result)
    assert result.score == pytest.approx(sum(r.weight for r in result.reasons), abs=0.1)


def test_same_company_number_flags_whatever_the_names() -> None:
    result = score_pair(
        interest("Acme Widgets Ltd", identifiers=(("GB-COH", "8012345"),)),
        supplier("Totally Different Trading Ltd", identifiers=(("gb-coh", "08012345"),)),
        CONFIG,
    )
    assert result is not None
    assert result.name_score == 100
    assert result.reasons[0].code == "identifier"
    assert result.reasons[0].text == "company number 08012345 matches"


def test_different_company_numbers_alone_do_not_flag() -> None:
    result = score_pair(
        interest("Acme Widgets Ltd", identifiers=(("GB-COH", "08012345"),)),
        supplier("Bolt Supplies Ltd", identifiers=(("GB-COH", "08012346"),)),
        CONFIG,
    )
    assert result is None


def test_trading_name_matches_as_an_alias_with_lower_score() -> None:
    plain = score_pair(interest(), supplier(), CONFIG)
    alias = score_pair(
        interest(), supplier("Morning Lane Associates (Leeds) Ltd T/A ML Consulting"), CONFIG
    )
    assert plain is not None and alias is not None
    assert alias.reasons[0].code == "name_alias"
    assert alias.reasons[0].text == "trading, former or short name matches: morning lane associates"
    assert alias.score < plain.score
    by_trading_name = score_pair(
        interest("ML Consulting Ltd"),
        supplier("Morning Lane Associates (Leeds) Ltd T/A ML Consulting"),
        CONFIG,
    )
    assert by_trading_name is not None
    assert by_trading_name.reasons[0].code == "name_alias"


def test_lookback_decides_former_interests() -> None:
    within = score_pair(interest(end_date=date(2012, 7, 1)), supplier(), CONFIG)
    assert within is not None
    assert "interest ended 23 months before the award" in texts(within)
    ended_30_months_before = interest(end_date=date(2011, 12, 16))
    assert score_pair(ended_30_months_before, supplier(), CONFIG) is None
    assert score_pair(ended_30_months_before, supplier(), MatchConfig(lookback_months=36))


def test_interest_started_after_the_award_does_not_flag() -> None:
    assert score_pair(interest(start_date=date(2015, 1, 1)), supplier(), CONFIG) is None


def test_interest_held_at_award() -> None:
    result = score_pair(interest(end_date=date(2014, 6, 16)), supplier(), CONFIG)
    assert result is not None
    assert "interest held at the award date" in texts(result)


def test_unknown_award_date_still_flags_but_lower() -> None:
    known = score_pair(interest(), supplier(), CONFIG)
    unknown = score_pair(interest(), supplier(award_date=None), CONFIG)
    assert known is not None and unknown is not None
    assert "award_date_unknown" in codes(unknown)
    assert unknown.score < known.score


@pytest.mark.parametrize(
    ("given", "text"),
    [
        (date(2013, 2, 10), "gift received 16 months before the award"),
        (date(2014, 6, 1), "gift received 15 days before the award"),
        (date(2014, 9, 20), "gift received 3 months after the award"),
        (date(2011, 1, 1), None),
    ],
)
def test_gift_from_supplier_within_lookback(given: date, text: str | None) -> None:
    gift = interest(category="gift", start_date=given, end_date=given)
    result = score_pair(gift, supplier(), CONFIG)
    if text is None:
        assert result is None
    else:
        assert result is not None
        assert text in texts(result)
        assert "gift_within_lookback" in codes(result)


def test_context_raises_risk() -> None:
    base = score_pair(interest(), supplier(), CONFIG)
    other_department = score_pair(interest(), supplier(buyer_department_id=99), CONFIG)
    associate = score_pair(interest(whose="close_associate"), supplier(), CONFIG)
    # Scores are capped at 100: compare values away from the cap, with another buyer.
    elsewhere = interest(department_id=None)
    small = score_pair(elsewhere, supplier(value=Decimal("5000")), CONFIG)
    large = score_pair(elsewhere, supplier(value=Decimal("25000000")), CONFIG)
    assert base and other_department and associate and small and large
    assert other_department.score < base.score
    assert "own_department" not in codes(other_department)
    assert associate.score < base.score
    assert "interest of a close associate of the official" in texts(associate)
    assert small.score < other_department.score < large.score
    assert "contract value £25,000,000" in texts(large)


def test_risk_levels() -> None:
    high = score_pair(interest(), supplier(), CONFIG)
    medium = score_pair(
        interest(whose="close_associate", department_id=None), supplier(value=None), CONFIG
    )
    low = score_pair(
        interest(
            "Morning Lane Associates (Leeds) Ltd", whose="close_associate", department_id=None
        ),
        supplier(value=None, award_date=None),
        CONFIG,
    )
    assert high and medium and low
    assert (high.risk_level, medium.risk_level, low.risk_level) == ("high", "medium", "low")


@pytest.mark.parametrize(
    ("name_a", "name_b"),
    [
        ("Smith Consulting Services Ltd", "Jones Consulting Services Ltd"),
        ("Consulting Services Ltd", "Management Solutions Group Ltd"),
        ("UK Holdings Ltd", "Group Services UK Ltd"),
    ],
)
def test_unrelated_or_common_word_names_do_not_flag(name_a: str, name_b: str) -> None:
    assert score_pair(interest(name_a), supplier(name_b), CONFIG) is None


def test_html_entities_match_their_plain_form() -> None:
    result = score_pair(
        interest("Pacy & Wheatley Ltd"), supplier("Pacy &amp; Wheatley Ltd"), CONFIG
    )
    assert result is not None
    assert "names match: pacy wheatley" in texts(result)


def test_months() -> None:
    assert months_between(date(2013, 9, 30), date(2014, 6, 16)) == 8
    assert months_between(date(2013, 9, 30), date(2014, 9, 30)) == 12
    assert months_between(date(2014, 1, 31), date(2014, 2, 28)) == 0
    assert subtract_months(date(2014, 3, 31), 1) == date(2014, 2, 28)
    assert subtract_months(date(2014, 6, 16), 24) == date(2012, 6, 16)


SUPPLIERS = [
    supplier("MORNING LANE ASSOCIATES LIMITED", award_supplier_id=1),
    supplier("Morning Lane Associates Ltd", award_supplier_id=2, award_date=date(2020, 1, 1)),
    supplier("Lyrecco Ltd", award_supplier_id=3),
    supplier("Jones Consulting Services Ltd", award_supplier_id=4),
    supplier("Other Name Ltd", award_supplier_id=5, identifiers=(("GB-COH", "01234567"),)),
    supplier("Consulting Services Ltd", award_supplier_id=6),
]


def test_supplier_index_candidates() -> None:
    index = SupplierIndex(SUPPLIERS)
    assert len(index) == 6
    assert index.candidates(interest()) == {1, 2}
    assert index.candidates(interest("Lyreco Limited")) == {3}
    assert index.candidates(interest("Smith Consulting Services")) == set()
    assert index.candidates(interest("Consulting Services Group")) == set()
    assert index.candidates(interest("CONSULTING SERVICES LIMITED")) == {6}
    assert index.candidates(interest("X", identifiers=(("GB-COH", "1234567"),))) == {5}


def test_supplier_index_add_and_replace() -> None:
    index = SupplierIndex(SUPPLIERS)
    index.add(supplier("LYRECO LIMITED", award_supplier_id=7))
    assert index.candidates(interest("Lyreco Limited")) == {3, 7}
    index.add(supplier("Renamed Ltd", award_supplier_id=3))
    assert len(index) == 7
    assert index.candidates(interest("Lyreco Limited")) == {7}
    assert index.candidates(interest("Renamed Limited")) == {3}
    renamed = index.get(3)
    assert renamed is not None and renamed.supplier_name == "Renamed Ltd"


def test_engine_screens_a_declaration_against_all_awards() -> None:
    engine = MatchingEngine()
    engine.index_suppliers(SUPPLIERS)
    declaration = [
        interest(end_date=date(2013, 9, 30)),
        interest("Lyreco Ltd", source_key="org:1"),
        interest("Smith Consulting Services Ltd", source_key="org:2"),
    ]
    results = engine.screen_interests(declaration)
    # Award 2 (2020) is more than 24 months after the Morning Lane interest ended.
    assert [(r.source_key, r.award_supplier_id) for r in results] == [("org:0", 1), ("org:1", 3)]
    assert results[0].score >= results[1].score


def test_engine_screens_new_awards_against_all_interests() -> None:
    engine = MatchingEngine()
    declared = [
        interest(end_date=date(2013, 9, 30)),
        interest("Lyreco Ltd", interest_id=2),
        interest("Acme Ltd", interest_id=3, identifiers=(("GB-COH", "01234567"),)),
    ]
    engine.index_interests(declared)
    new_awards = [SUPPLIERS[0], SUPPLIERS[2], SUPPLIERS[3], SUPPLIERS[4]]
    found = {(r.interest_id, r.award_supplier_id) for r in engine.screen_suppliers(new_awards)}
    assert found == {(1, 1), (2, 3), (3, 5)}
    other = InterestIndex([interest("Jones Consulting Services", interest_id=9)])
    assert [r.interest_id for r in engine.screen_suppliers(new_awards, other)] == [9]


def test_screen_all_equals_screening_each_interest() -> None:
    engine = MatchingEngine()
    engine.index_suppliers(SUPPLIERS)
    declared = [interest(), interest("Lyreco", interest_id=2), interest("Nothing", interest_id=3)]
    engine.index_interests(declared)
    assert engine.screen_all() == engine.screen_interests(declared)
    assert engine.screen_all() == engine.screen_suppliers(SUPPLIERS)


def test_replacing_an_interest_keeps_one_record() -> None:
    engine = MatchingEngine()
    engine.add_interest(interest())
    engine.add_interest(replace(interest(), organisation_name="Lyreco Ltd"))
    assert len(engine.interests) == 1
    engine.add_supplier(SUPPLIERS[2])
    assert [r.award_supplier_id for r in engine.screen_all()] == [3]


def test_index_finds_one_word_names_two_edits_apart() -> None:
    index = SupplierIndex([supplier("Cordelabcor Ltd", award_supplier_id=1)])
    # 2 x 9 / (9 + 11) = 90: two letters short still matches; the index must find it.
    assert index.candidates(interest("Cordelcor Limited")) == {1}
    assert index.candidates(interest("Cordelabcorpax Limited")) == set()
    reverse = SupplierIndex([supplier("Cordelcor Ltd", award_supplier_id=2)])
    assert reverse.candidates(interest("CORDELABCOR LTD")) == {2}


def test_a_sister_company_of_the_same_group_name_flags_low_never_high() -> None:
    """Different legal forms, a place or a generic word of one name only: another company of
    the group, not the same one, so at most a low-risk flag with its own reason."""
    for declared, supplied in [
        ("Serco Group plc", "Serco Ltd"),
        ("Kessler AG", "Kessler GmbH"),
        ("Harbour Trust (Jersey) Limited", "Harbour Trust (Guernsey) Limited"),
    ]:
        result = score_pair(interest(declared), supplier(supplied), CONFIG)
        assert result is not None, declared
        assert result.risk_level == "low"
        assert result.reasons[0].code == "group_name"
        assert result.reasons[0].text.startswith("a different company of the same group name: ")
        assert "awarded by the official's own department" in texts(result)
    group = score_pair(interest("Kessler AG"), supplier("Kessler GmbH"), CONFIG)
    assert group is not None
    assert group.reasons[0].text == (
        "a different company of the same group name: kessler / kessler "
        "(different legal forms: 'ag' / 'gmbh')"
    )
    # Names with no distinctive word in common are not of one group.
    assert score_pair(interest("Bank of Iran"), supplier("Bank of Iraq"), CONFIG) is None
