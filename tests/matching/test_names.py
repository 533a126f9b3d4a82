"""The organisation-name comparison, category by category, in both directions, with its reasons.

Each case is (name_a, name_b, matched, reason): `reason` is what the comparison says it set
aside, read or found different (part of the `match names` reasons column).
"""

import pytest

from register.matching import compare_names
from register.matching.score import compare_org_name_forms, match_names, name_match_text

CASES = [
    # Legal forms at the start, spelled out, in other languages and scripts: set aside.
    (
        "JSC Northwind",
        "Northwind Joint Stock Company",
        True,
        "legal forms 'jsc', 'joint stock company' set aside",
    ),
    (
        "Limited Liability Company Polar Star",
        "Polar Star LLC",
        True,
        "legal forms 'llc', 'limited liability company' set aside",
    ),
    (
        "Sociedad Anónima Iberfruta",
        "Iberfruta SA",
        True,
        "legal forms 'sa', 'sociedad anonima' set aside",
    ),
    (
        "Kessler Gesellschaft mit beschränkter Haftung",
        "Kessler GmbH",
        True,
        "legal form 'gmbh' set aside",
    ),
    ("ООО «Ромашка»", "Romashka LLC", True, "legal forms 'llc', 'ooo' set aside"),
    ("PAO Gazprom", "Gazprom PJSC", True, "legal forms 'pao', 'pjsc' set aside"),
    # ... joined to the name.
    ("KesslerGmbH", "Kessler GmbH", True, ""),
    ("UNILEVERNV", "Unilever N.V.", True, "legal form 'nv' joined to the name set aside"),
    # ... but two different legal forms are two legal persons.
    ("Kessler AG", "Kessler GmbH", False, "different legal forms: 'ag' / 'gmbh'"),
    ("Honeywell B.V.", "Honeywell GmbH", False, "different legal forms: 'bv' / 'gmbh'"),
    ("Capita plc", "Capita Ltd", False, "different legal forms: 'plc' / 'ltd'"),
    ("UNILEVERNV", "UNILEVER PLC", False, "different legal forms: 'nv' joined to 'unilevernv'"),
    # Numbers in words, digits and ordinals.
    ("2nd Avenue Care", "Second Avenue Care", True, "'2nd' read as 'second'"),
    ("1st Choice Care", "First Choice Care", True, "'1st' read as 'first'"),
    ("Route Sixty-Six", "Route 66", True, "'66' read as 'sixty six'"),
    ("Switch2 Energy Ltd", "Switch3 Energy Ltd", False, "numbers differ: 'switch2' / 'switch3'"),
    # Series markers.
    ("Growth Fund III", "Growth Fund IV", False, "numbers or series markers differ: 'iii' / 'iv'"),
    ("Alder Partners II", "Alder Partners", False, "numbers or series markers differ: 'ii'"),
    (
        "Ian Farmer Associates (1998) Limited",
        "Ian Farmer Associates Limited",
        False,
        "series markers differ: '1998'",
    ),
    # Abbreviations.
    ("Nat'l Grid", "National Grid", True, "'natl' read as 'national'"),
    ("Smith Assoc.", "Smith Associates", True, "'assoc' read as 'associates'"),
    ("Jones Bros", "Jones Brothers", True, "'bros' read as 'brothers'"),
    ("U.K. Power Networks", "United Kingdom Power Networks", True, "'uk' read as 'united kingdom'"),
    (
        "KONINKL PHILIPS ELECTRONICS N.V.",
        "KONINKLIJKE PHILIPS ELECTRONICS N.V.",
        True,
        "'koninkl' read as 'koninklijke'",
    ),
    ("Smith Assoc.", "Smith Association Trust", False, "'trust' in one name only"),
    # A slip in a short distinctive word, within rigour's length-aware budget ...
    ("Kapita", "Capita", True, "one-letter difference in 'capita'"),
    ("Mitei", "Mitie", True, "two letters swapped in 'mitei'"),
    ("Kier Construction Ltd", "Keir Construction Ltd", True, "two letters swapped in 'keir'"),
    ("Citigroup Inc", "Citigrup Inc", True, "one-letter difference in 'citigroup'"),
    ("Lyreco Ltd", "Lyrecco Limited", True, "one-letter difference in 'lyrecco'"),
    ("Harbour Trust Ltd", "Harbor Trust Ltd", True, "one-letter difference in 'harbour'"),
    ("Optimum Skills Limited", "Optimum Skill Limited", True, "one-letter difference in 'skills'"),
    (
        "Mott McDonald Limited",
        "Mott MacDonald Limited",
        True,
        "one-letter difference in 'macdonald'",
    ),
    # ... but not beyond it, and not one that makes another real word or place.
    ("BDO LLP", "BDA Ltd", False, "is in one name only"),
    ("Atos", "Atis", False, "'atos' and 'atis' differ"),
    ("Carers Direct", "Careers Direct", False, "'careers' and 'carers' are different words"),
    ("Capita plc", "Capital plc", False, "'capita' and 'capital' are different words"),
    ("Bank of Iran", "Bank of Iraq", False, "places differ: 'iran' / 'iraq'"),
    # Apostrophes and hyphens inside words.
    ("O'Brien's", "OBriens", True, ""),
    ("Gist-Brocades B.V.", "GISTBROCADES B.V.", True, ""),
    # Place qualifiers: another place, or a place in one name only, is another company.
    (
        "Harbour Trust (Jersey) Limited",
        "Harbour Trust (Guernsey) Limited",
        False,
        "places differ: 'jersey' / 'guernsey'",
    ),
    ("Harbour Trust (Jersey) Limited", "Harbour Trust Limited", False, "'jersey' in one name only"),
    ("Deloitte LLP", "Deloitte Ireland LLP", False, "'ireland' in one name only"),
    ("ALCATEL N.V., AMSTERDAM", "Alcatel N.V.", True, ""),  # a seat written after the form
    # Generic words: they never make a match alone, and one name's extra one is another company.
    (
        "Consulting Services Ltd",
        "CONSULTING SERVICES LIMITED",
        True,
        "legal forms 'ltd', 'limited' set aside",
    ),
    (
        "Consulting Services Ltd",
        "Management Services Ltd",
        False,
        "'consulting' and 'management' differ",
    ),
    ("Consulting Services Ltd", "Consulting Services UK Ltd", False, "'uk' in one name only"),
    ("Smith Management Ltd", "Smith Consulting Ltd", False, "'management' and 'consulting' differ"),
    ("Smith Consulting Services Ltd", "Jones Consulting Services Ltd", False, "no word in common"),
    ("Gelder Group Limited", "Gelder Limited", False, "'group' in one name only"),
    # Trading, former and bracketed names.
    (
        "Morning Lane Associates Ltd",
        "MORNING LANE ASSOCIATES LIMITED",
        True,
        "legal forms 'ltd', 'limited' set aside",
    ),
    (
        "Morning Lane Associates Ltd",
        "Morning Lane Associates (Leeds) Ltd T/A ML Consulting",
        True,
        "",
    ),
    ("ML Consulting", "Morning Lane Associates (Leeds) Ltd T/A ML Consulting", True, ""),
    ("Relx (UK) Ltd TA LexisNexis", "LexisNexis", True, ""),
    ("RTC Education Ltd", "Serco Ltd (ta Serco Education)", False, "no word in common"),
    (
        "Pacy &amp; Wheatley Ltd",
        "Pacy & Wheatley Limited",
        True,
        "legal forms 'ltd', 'limited' set aside",
    ),
    # Word order.
    ("Croydon Mencap", "Mencap Croydon", True, ""),
    ("Premex", "Premier", False, "no word in common"),
]


@pytest.mark.parametrize(("name_a", "name_b", "matched", "reason"), CASES)
def test_each_category_in_both_directions(
    name_a: str, name_b: str, matched: bool, reason: str
) -> None:
    for a, b in ((name_a, name_b), (name_b, name_a)):
        found = compare_org_name_forms(a, b)
        assert found is not None
        assert found.matched is matched, (a, b, found)
        said = "; ".join(found.notes + ((found.why_not,) if found.why_not else ()))
        if reason:
            assert reason in said or _swapped(reason) in said, (a, b, said)
        assert compare_names(a, b)[1] is matched
        assert (compare_names(a, b)[0] > 0) is matched


def _swapped(reason: str) -> str:
    """A reason as the comparison words it with the names the other way round."""
    if ": " in reason and " / " in reason:
        head, tail = reason.split(": ", 1)
        return f"{head}: " + " / ".join(reversed(tail.split(" / ")))
    if " and " in reason and reason.endswith(" differ"):
        first, second = reason.removesuffix(" differ").split(" and ", 1)
        return f"{second} and {first} differ"
    return reason


def test_names_that_differ_only_by_form_number_or_place_are_relatives() -> None:
    """They are not the same organisation, but may be two of one group: the engine may flag
    them at low risk with that reason; names with no distinctive word in common never are."""
    for a, b in [
        ("Kessler AG", "Kessler GmbH"),
        ("Growth Fund III", "Growth Fund IV"),
        ("Harbour Trust (Jersey) Limited", "Harbour Trust (Guernsey) Limited"),
        ("Serco Group plc", "Serco Ltd"),
    ]:
        found = compare_org_name_forms(a, b)
        assert found is not None and not found.matched and found.relative
    for a, b in [("Bank of Iran", "Bank of Iraq"), ("Kessler AG", "Smith GmbH")]:
        found = compare_org_name_forms(a, b)
        assert found is not None and not found.matched and not found.relative


def test_the_reason_says_what_matched_and_what_was_set_aside() -> None:
    match = match_names("JSC Northwind", "Northwind Joint Stock Company")
    assert match is not None
    assert name_match_text(match) == (
        "names match: northwind (legal forms 'jsc', 'joint stock company' set aside)"
    )
    match = match_names("Citigroup Inc", "Citigrup Inc")
    assert match is not None and 85 < match.score < 100
    assert name_match_text(match) == (
        f"names are similar ({match.score:.0f}/100): citigroup / citigrup "
        "(one-letter difference in 'citigroup')"
    )
    alias = match_names("ML Consulting", "Morning Lane Associates Ltd T/A ML Consulting")
    assert alias is not None and alias.via_alias
    assert name_match_text(alias) == "trading, former or short name matches: ml consulting"


def test_scores_rank_exact_above_read_above_fuzzy() -> None:
    exact = compare_names("Acme Widgets Ltd", "ACME WIDGETS LIMITED")[0]
    read = compare_names("Acme 2nd Widgets", "Acme Second Widgets")[0]
    fuzzy = compare_names("Acme Widgets", "Acme Widgetz")[0]
    assert exact == 100 > read > fuzzy > 0


def test_the_index_finds_the_names_the_comparison_accepts_among_the_labelled_pairs() -> None:
    """Candidate generation against brute force: every name of the labelled pairs indexed,
    each looked up; the index finds what comparing with all of them finds (the issue asks for
    99.5%: a name whose rarest words are all two slips or an abbreviation away may be missed)."""
    import csv
    from pathlib import Path

    from register.matching import SupplierIndex, SupplierRecord

    path = Path(__file__).parent.parent / "data" / "name_pairs" / "organisations.csv"
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    names = sorted({r["name_a"] for r in rows} | {r["name_b"] for r in rows})
    index = SupplierIndex(
        SupplierRecord(i, i, name, (), "", None, None, None, None) for i, name in enumerate(names)
    )
    found = brute = 0
    for query in names:
        by_index = {index.names()[i] for i, _ in index.matching_names(query)}
        by_brute_force = {name for name in names if match_names(query, name)}
        assert by_index <= by_brute_force
        found, brute = found + len(by_index), brute + len(by_brute_force)
    assert brute > 1000
    assert found / brute >= 0.995
