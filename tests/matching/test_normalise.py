"""Name normalisation, aliases and the name comparison."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from register.matching import compare_names, name_aliases, normalise_name


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Morning Lane Associates Ltd", "morning lane associates"),
        ("MORNING LANE ASSOCIATES LIMITED", "morning lane associates"),
        ("Morning Lane Associates (Leeds)Ltd", "morning lane associates leeds"),
        ("Acme Public Limited Company", "acme"),
        ("Smith & Sons (Holdings) Limited", "smith and sons holdings"),
        ("Pacy &amp; Wheatley Ltd", "pacy and wheatley"),
        (
            "GEN II Engineering &amp;amp; Technology Training Ltd",
            "gen ii engineering and technology training",
        ),
        ("M.W. CRIPWELL LIMITED", "mw cripwell"),
        ("NXP , B.V.", "nxp"),
        ("D S M N. V.", "dsm"),
        ("Siemens Aktiengesellschaft", "siemens"),
        ("Robert Bosch GmbH", "robert bosch"),
        ("Foo GmbH & Co. KG", "foo"),
        # A spelled-out form that completes a compound one: "Pte Limited" is "Pte Ltd".
        ("Tan Holdings Pte Limited", "tan holdings"),
        ("Tan Holdings Pte. Ltd.", "tan holdings"),
        ("pte Limited", "pte ltd"),
        ("pte Ltd", "pte ltd"),
        ("Agilent Technologies, Inc.", "agilent technologies"),
        ("Société Générale S.A.", "societe generale"),
        ("Brighter Futures CIC", "brighter futures"),
        ("Hill Dickinson LLP", "hill dickinson"),
        ("Sainsbury's Supermarkets Ltd", "sainsburys supermarkets"),
        ("Foo Ltd (UK)", "foo uk"),
        # A legal form is only removed at the end: "AB" and "SA" begin real British names.
        ("AB Foods Ltd", "ab foods"),
        ("SA Water Limited", "sa water"),
        # Nothing but a legal form: keep it rather than return an empty name.
        ("Limited", "limited"),
    ],
)
def test_normalise_name(raw: str, expected: str) -> None:
    assert normalise_name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Morning Lane Associates Ltd", ["morning lane associates"]),
        (
            "Morning Lane Associates (Leeds) Ltd T/A ML Consulting",
            ["morning lane associates leeds", "morning lane associates", "ml consulting"],
        ),
        ("PETER DISPLAYS LTD T/A LIMELIGHT", ["peter displays", "limelight"]),
        ("Serco Ltd (ta Serco Education)", ["serco", "serco education"]),
        (
            "Wagstaff Bros Limited trading as Wagstaff Interiors",
            ["wagstaff bros", "wagstaff interiors"],
        ),
        ("Acme Ltd t/as Acme Print", ["acme", "acme print"]),
        ("New Name Ltd (formerly Old Name Ltd)", ["new name", "old name"]),
        (
            "Criccieth Arts Association, known as Gŵyl Cricieth",
            ["criccieth arts association", "gwyl cricieth"],
        ),
        # "Ta" is only a trading-as marker inside brackets.
        ("Ta Ta Textiles Ltd", ["ta ta textiles"]),
    ],
)
def test_name_aliases(raw: str, expected: list[str]) -> None:
    assert name_aliases(raw) == expected


@pytest.mark.parametrize(
    ("a", "b", "matched"),
    [
        ("Morning Lane Associates Ltd", "MORNING LANE ASSOCIATES LIMITED", True),
        (
            "Morning Lane Associates Ltd",
            "Morning Lane Associates (Leeds) Ltd T/A ML Consulting",
            True,
        ),
        ("ML Consulting", "Morning Lane Associates (Leeds) Ltd T/A ML Consulting", True),
        ("Pacy &amp; Wheatley Ltd", "Pacy & Wheatley Limited", True),
        ("Gist-Brocades B.V.", "GISTBROCADES N.V.", True),
        ("Lyreco UK Limited", "Lyreco Group", True),
        ("Lyreco Ltd", "Lyrecco Limited", True),  # one typing error in a long enough word
        ("Smith Consulting Services Ltd", "Jones Consulting Services Ltd", False),
        ("Smith Management Ltd", "Smith Consulting Ltd", False),
        # Common words alone never match another name ...
        ("Consulting Services Ltd", "Management Services Ltd", False),
        ("UK Services Ltd", "Services Group Ltd", False),
        ("Consulting Services Ltd", "Consulting Services UK Ltd", False),
        # ... but the same name is the same name.
        ("Consulting Services Ltd", "CONSULTING SERVICES LIMITED", True),
        ("RTC Education Ltd", "Serco Ltd (ta Serco Education)", False),
        ("Premex", "Premier", False),
        ("BDO LLP", "BDA Ltd", False),
    ],
)
def test_compare_names(a: str, b: str, matched: bool) -> None:
    score, ok = compare_names(a, b)
    assert ok is matched
    assert ok == (score >= MatchConfig().name_threshold)


def test_compare_names_is_symmetric_and_follows_the_threshold() -> None:
    a, b = "Lyreco Ltd", "Lyrecco Limited"
    assert compare_names(a, b) == compare_names(b, a)
    score, matched = compare_names(a, b)
    assert matched and 90 < score < 95
    assert compare_names(a, b, MatchConfig(name_threshold=95)) == (score, False)
    assert compare_names("Smith Consulting Ltd", "Jones Consulting Ltd")[0] < 50
    assert compare_names("Consulting Ltd", "Consulting Services Ltd") == (0.0, False)


@settings(deadline=None)  # the first transliteration of a script loads ICU data
@given(st.text())
def test_normalise_never_crashes_and_is_idempotent(text: str) -> None:
    once = normalise_name(text)
    assert once == once.strip()
    assert all(c.isascii() and (c.isalnum() or c == " ") for c in once)
    assert normalise_name(once) == once


@settings(deadline=None)
@given(st.lists(st.sampled_from(["acme", "Ltd", "T/A", "(", ")", "&amp;", "UK", "b.v.", " "])))
def test_aliases_are_normalised_names(parts: list[str]) -> None:
    for alias in name_aliases(" ".join(parts)):
        assert alias
        assert normalise_name(alias) == alias
