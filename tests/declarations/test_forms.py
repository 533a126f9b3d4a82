"""Every category's form saves every typed field; a form with errors keeps what was typed."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from html import unescape
from typing import Any

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from register.extensions import db
from register.models import AuditEntry, Interest
from tests.conftest import date_fields, sign_in
from tests.declarations.helpers import add, open_cycle, start

COMMON = [
    ("whose", "spouse_partner"), ("organisation_name", "Morning Lane Associates Ltd"),
    ("identifier_scheme", "GB-COH"), ("organisation_identifier", "08012345"),
    *date_fields("start_date", 27, 3, 2019), *date_fields("end_date", 30, 9, 2024),
    ("details", "Shares sold before appointment."),
]  # fmt: skip
COMMON_EXPECTED = {
    "whose": "spouse_partner", "organisation_name": "Morning Lane Associates Ltd",
    "identifier_scheme": "GB-COH", "organisation_identifier": "08012345",
    "start_date": date(2019, 3, 27), "end_date": date(2024, 9, 30),
    "details": "Shares sold before appointment.",
}  # fmt: skip

CASES: dict[str, tuple[list[tuple[str, str]], dict[str, Any]]] = {
    "directorship": (
        [("role", "non_executive_director"), ("paid", "yes")],
        {"role": "non_executive_director", "paid": True},
    ),
    "employment": (
        [("role", "Adviser"), ("paid", "no"), ("hours_per_month", "12")],
        {"role": "Adviser", "paid": False, "hours_per_month": 12},
    ),
    "shareholding": (
        [("percentage", "12.5"), ("value_band", "5k_70k"), ("holding", "trust"),
         ("blind_trust", "yes")],
        {"percentage": Decimal("12.5"), "value_band": "5k_70k", "holding": "trust",
         "blind_trust": True},
    ),
    "relationship": (
        [("related_person_name", "Sam Example"), ("relationship_type", "business_partner"),
         ("other_organisations-0-name", "Frontline Partners LLP"),
         ("other_organisations-0-organisation_identifier", "OC123456"),
         ("other_organisations-0-role", "Partner"),
         ("other_organisations-1-name", "Care Futures CIC"),
         ("other_organisations-1-organisation_identifier", ""),
         ("other_organisations-1-role", "")],
        {"related_person_name": "Sam Example", "relationship_type": "business_partner"},
    ),
    "gift": (
        [("donor_kind", "organisation"), ("value_pounds", "150.50"), ("accepted", "no")],
        {"donor_kind": "organisation", "value_pounds": Decimal("150.50"), "accepted": False},
    ),
    "membership": ([("role", "Fellow")], {"role": "Fellow"}),
}  # fmt: skip


@pytest.fixture
def draft_url(client, make_user, department) -> str:
    official = make_user("official")
    cycle = open_cycle([department])
    sign_in(client, official)
    return start(client, cycle)


@pytest.mark.parametrize("category", sorted(CASES))
def test_every_typed_field_is_saved(client, draft_url, category):
    own_fields, expected = CASES[category]
    response = add(client, draft_url, category, MultiDict(COMMON + own_fields))
    assert response.status_code == 302, unescape(response.get_data(as_text=True))[-3000:]
    interest = db.session.scalars(select(Interest)).one()
    want = {**COMMON_EXPECTED, **expected}
    if category == "gift":  # a gift has one date, stored as both start and end
        want["end_date"] = want["start_date"]
    got = {name: getattr(interest, name) for name in want}
    assert got == want
    assert interest.category == category
    if category == "relationship":
        orgs = [(o.position, o.name, o.organisation_identifier, o.role)
                for o in interest.related_organisations]  # fmt: skip
        assert orgs == [(0, "Frontline Partners LLP", "OC123456", "Partner"),
                        (1, "Care Futures CIC", None, None)]  # fmt: skip
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "interest.added")
    ).one()
    assert "Morning Lane Associates Ltd" in entry.summary


@pytest.mark.parametrize("category", sorted(CASES))
def test_edit_form_shows_every_saved_value(client, draft_url, category):
    own_fields, _ = CASES[category]
    add(client, draft_url, category, MultiDict(COMMON + own_fields))
    interest = db.session.scalars(select(Interest)).one()
    page = client.get(f"{draft_url}/interests/{interest.id}/edit").get_data(as_text=True)
    for name, value in COMMON + own_fields:
        if category == "gift" and name == "end_date":
            continue
        if value:
            shown = shows_value(page, name, value) or (
                name.endswith("_date") and shows_value(page, name, value.zfill(2))
            )
            assert shown, f"{name}={value!r} is not shown"


def same_number(tag: str, value: str) -> bool:
    """12.500 shows 12.5: the same number, so the typed value is kept."""
    shown = re.search(r'value="([0-9.]+)"', tag)
    try:
        return bool(shown) and Decimal(shown.group(1)) == Decimal(value)  # type: ignore[union-attr]
    except ArithmeticError:
        return False


def shows_value(page: str, name: str, value: str) -> bool:
    """Is `value` shown for the field `name` (text box, chosen radio or option, or textarea)?"""
    tags = re.findall(r"<input[^>]*>", page)
    for tag in tags:
        if f'name="{name}"' not in tag:
            continue
        if 'type="radio"' in tag or 'type="checkbox"' in tag:
            if f'value="{value}"' in tag and "checked" in tag:
                return True
        elif f'value="{value}"' in tag or same_number(tag, value):
            return True
    if re.search(rf'<select[^>]*name="{re.escape(name)}"[^>]*>.*?<option[^>]*value="'
                 rf'{re.escape(value)}"[^>]*selected', page, re.S):  # fmt: skip
        return True
    textarea = re.search(rf'<textarea[^>]*name="{re.escape(name)}"[^>]*>(.*?)</textarea>', page,
                         re.S)  # fmt: skip
    return bool(textarea and unescape(textarea.group(1)).strip() == value)


def assert_error_next_to(page: str, field: str, message: str) -> None:
    """GOV.UK markup: the message in the field's group, and a link to it in the error summary."""
    error = re.search(
        rf'<p id="{re.escape(field)}-error" class="govuk-error-message">\s*'
        rf'<span class="govuk-visually-hidden">Error:</span>\s*(.*?)\s*</p>', page, re.S,
    )  # fmt: skip
    assert error, f"no GOV.UK error message for {field}"
    assert unescape(error.group(1)) == message
    summary = re.search(r'<div class="govuk-error-summary".*?</div>\s*</div>', page, re.S)
    assert summary, "no error summary"
    assert f'href="#{field}"' in summary.group(0) and message in unescape(summary.group(0))


def test_errors_keep_every_typed_value(client, draft_url):
    typed = [
        ("whose", "close_associate"), ("organisation_name", ""),
        ("identifier_scheme", "GB-COH"), ("organisation_identifier", "08012345"),
        ("start_date", "31"), ("start_date", "2"), ("start_date", "2020"),
        ("end_date", "1"), ("end_date", "3"), ("end_date", "2021"),
        ("details", "Typed <details> & more"),
        ("related_person_name", "Sam Example"), ("relationship_type", "close_friend"),
        ("other_organisations-0-name", "Frontline Partners LLP"),
        ("other_organisations-0-organisation_identifier", "OC123456"),
        ("other_organisations-0-role", "Partner"),
        ("other_organisations-2-name", "Third Org Ltd"),
    ]  # fmt: skip
    response = add(client, draft_url, "relationship", MultiDict(typed))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert db.session.scalars(select(Interest)).all() == []
    assert_error_next_to(page, "organisation_name", "Enter the name of the organisation")
    assert_error_next_to(
        page, "start_date", "Start date must be a real date, for example 27 3 2024"
    )
    for name, value in typed:
        if name in ("start_date", "end_date", "organisation_name"):
            continue
        assert shows_value(page, name, value), f"{name}={value!r} was lost"
    for part in ("31", "2", "2020"):
        assert re.search(rf'<input[^>]*name="start_date"[^>]*value="{part}"', page), (
            f"start date part {part} was lost"
        )
    for part in ("1", "3", "2021"):
        assert re.search(rf'<input[^>]*name="end_date"[^>]*value="{part}"', page)


@pytest.mark.parametrize(
    ("category", "fields", "field", "message"),
    [
        ("directorship", [("role", "trustee"), ("paid", "yes"),
                          ("organisation_identifier", "0801 2345")],
         "organisation_identifier", "Choose what kind of number this is"),
        ("directorship", [("paid", "yes")], "role", "Choose the role"),
        ("employment", [("role", "Adviser"), ("paid", "no"), ("hours_per_month", "900")],
         "hours_per_month", "Hours per month must be between 0 and 744"),
        ("shareholding", [("percentage", "150"), ("value_band", "under_5k"),
                          ("holding", "direct"), ("blind_trust", "no")],
         "percentage", "The percentage must be between 0 and 100"),
        ("gift", [("donor_kind", "person"), ("value_pounds", "10"), ("accepted", "yes")],
         "start_date", "Enter the date of the gift"),
        ("membership", [], "role", "Enter the role, for example member"),
    ],
)  # fmt: skip
def test_each_category_explains_its_errors(client, draft_url, category, fields, field, message):
    data = MultiDict([("whose", "self"), ("organisation_name", "Acme Ltd"), *fields])
    response = add(client, draft_url, category, data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert_error_next_to(page, field, message)
    for name, value in fields:
        assert shows_value(page, name, value), f"{name}={value!r} was lost"
    assert db.session.scalars(select(Interest)).all() == []


def test_end_date_before_start_date_is_refused(client, draft_url):
    data = MultiDict([
        ("whose", "self"), ("organisation_name", "Acme Ltd"), ("role", "trustee"), ("paid", "no"),
        *date_fields("start_date", 1, 6, 2020), *date_fields("end_date", 1, 5, 2020),
    ])  # fmt: skip
    page = add(client, draft_url, "directorship", data).get_data(as_text=True)
    assert_error_next_to(
        page, "end_date", "The end date must be the same as or after the start date"
    )


def test_unknown_category_is_404(client, draft_url):
    assert client.get(f"{draft_url}/interests/new/bribery").status_code == 404


def test_typed_numbers_are_stored_in_the_one_identifier_form(client, draft_url):
    """Officials type numbers as they know them; they are stored as imports store them."""
    data = MultiDict(COMMON + CASES["relationship"][0])
    data["organisation_identifier"] = "sc 12345"
    data["other_organisations-0-organisation_identifier"] = "oc 1540"
    response = add(client, draft_url, "relationship", data)
    assert response.status_code == 302, unescape(response.get_data(as_text=True))[-3000:]
    interest = db.session.scalars(select(Interest)).one()
    assert interest.organisation_identifier == "SC012345"
    assert interest.related_organisations[0].organisation_identifier == "OC001540"
