"""One rule for numbers: typed as people write them, shown as people read them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from register import formatting
from register.extensions import db
from register.models import Interest
from tests.conftest import date_fields, sign_in
from tests.declarations.helpers import add, open_cycle, start, submit


@pytest.mark.parametrize(
    ("value", "plain", "percentage", "money"),
    [
        (Decimal("5E+1"), "50", "50%", "£50"),
        ("5E+1", "50", "50%", "£50"),  # as versions before the rule hold it
        ("1.8E+2", "180", "180%", "£180"),
        (Decimal("50.000"), "50", "50%", "£50"),
        (Decimal("0.001"), "0.001", "0.001%", "£0"),
        (Decimal("12.5"), "12.5", "12.5%", "£12.50"),
        (Decimal("1250.50"), "1250.5", "1250.5%", "£1,250.50"),
        (Decimal("2.9E+6"), "2900000", "2900000%", "£2,900,000"),
        (4, "4", "4%", "£4"),
        (1e-05, "0.00001", "0.00001%", "£0"),
        (None, "", "", ""),
    ],
)
def test_numbers_read_as_people_read_them(value, plain, percentage, money):
    assert formatting.plain_number(value) == plain
    assert formatting.percentage(value) == percentage
    assert formatting.money(value) == money
    for text in (plain, percentage, money):
        assert not formatting.has_scientific_notation(text)


@pytest.mark.parametrize(
    ("typed", "currency", "expected"),
    [
        ("7.5", False, Decimal("7.5")),
        (" 12 ", False, Decimal("12")),
        ("1,250.50", True, Decimal("1250.50")),
        ("£1,250.50", True, Decimal("1250.50")),
        ("£ 180", True, Decimal("180")),
        ("1000000", True, Decimal("1000000")),
    ],
)
def test_numbers_typed_as_people_write_them(typed, currency, expected):
    assert formatting.parse_typed(typed, currency=currency) == expected


@pytest.mark.parametrize("typed", ["", "abc", "1,25.0", "£", "5E+1", "1.2.3", "£12", "nan"])
def test_what_is_not_a_number_is_refused(typed):
    with pytest.raises(ValueError):
        formatting.parse_typed(typed)  # "£12" only where money is asked for


def test_scientific_notation_is_found_but_not_in_identifiers():
    assert formatting.has_scientific_notation("a 5E+1% share")
    assert formatting.has_scientific_notation("value 1.8E+2")
    assert formatting.has_scientific_notation("1e-05")
    assert not formatting.has_scientific_notation("ocds-b5fd17-3c5f-337e-4489-a633")
    assert not formatting.has_scientific_notation("sha 9f3e1a2b5e8c")


def test_whole_hours_stay_integers_in_version_content():
    assert formatting.hours_content(Decimal("4.00")) == 4
    assert formatting.hours_content(Decimal("7.50")) == "7.5"
    assert formatting.hours_content(None) is None


@pytest.fixture
def draft_url(client, make_user, department) -> str:
    sign_in(client, make_user("official"))
    return start(client, open_cycle([department]))


def test_hours_and_money_as_typed_are_saved_and_shown(client, draft_url):
    employment = MultiDict([
        ("whose", "self"), ("organisation_name", "Homerton University"), ("role", "Lecturer"),
        ("paid", "yes"), ("hours_per_month", "7.5"), *date_fields("start_date", 1, 9, 2021),
    ])  # fmt: skip
    assert add(client, draft_url, "employment", employment).status_code == 302
    gift = MultiDict([
        ("whose", "self"), ("organisation_name", "Kier Construction Ltd"),
        ("donor_kind", "organisation"), ("value_pounds", "£1,250.50"), ("accepted", "no"),
        *date_fields("start_date", 18, 9, 2026),
    ])  # fmt: skip
    assert add(client, draft_url, "gift", gift).status_code == 302
    shares = MultiDict([
        ("whose", "self"), ("organisation_name", "Morning Lane Associates Ltd"),
        ("percentage", "50"), ("value_band", "over_70k"), ("holding", "direct"),
        ("blind_trust", "no"), *date_fields("start_date", 1, 2, 2009),
    ])  # fmt: skip
    assert add(client, draft_url, "shareholding", shares).status_code == 302
    saved = {i.category: i for i in db.session.scalars(select(Interest))}
    assert saved["employment"].hours_per_month == Decimal("7.5")
    assert saved["gift"].value_pounds == Decimal("1250.50")
    assert submit(client, draft_url).status_code == 302
    declaration_id = saved["gift"].declaration_id
    page = client.get(f"/declarations/{declaration_id}/versions/1").get_data(as_text=True)
    assert "7.5" in page and "£1,250.50, declined" in page and "50%" in page
    assert not formatting.has_scientific_notation(page)
    edit = client.get(f"{draft_url}/interests/{saved['shareholding'].id}/edit")
    if edit.status_code == 200:  # submitted: the form is shown again only in an amendment
        assert 'value="50"' in edit.get_data(as_text=True)


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("hours_per_month", "seven", "Hours per month must be a number, like 7.5"),
        ("hours_per_month", "7.125", "Hours per month can have up to 2 decimal places"),
        ("hours_per_month", "900", "Hours per month must be between 0 and 744"),
    ],
)
def test_hours_that_are_not_a_number_are_explained_once(client, draft_url, field, typed, message):
    data = MultiDict([
        ("whose", "self"), ("organisation_name", "Acme Ltd"), ("role", "Adviser"),
        ("paid", "no"), (field, typed),
    ])  # fmt: skip
    response = add(client, draft_url, "employment", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.count(message) == 2  # in the error summary and next to the field
    assert f'value="{typed}"' in page  # what was typed is kept
    assert db.session.scalars(select(Interest)).all() == []


def test_money_that_is_not_money_is_explained(client, draft_url):
    data = MultiDict([
        ("whose", "self"), ("organisation_name", "Acme Ltd"), ("donor_kind", "organisation"),
        ("value_pounds", "about £100"), ("accepted", "yes"), *date_fields("start_date", 1, 2, 2026),
    ])  # fmt: skip
    page = add(client, draft_url, "gift", data).get_data(as_text=True)
    assert "Enter the value as an amount of money, like 150 or £1,250.50" in page
