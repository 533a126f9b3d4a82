"""Name normalisation and aliases (the comparison itself: test_names.py)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from register.matching import name_aliases, normalise_name


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
