"""Declared dates are never thrown away: month and year alone are kept with their precision,
shown as "June 2021", and screened as the 1st (a start) or the last day (an end) of the month;
impossible, too early, future and backwards dates are refused with GOV.UK messages."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from register.clock import today as uk_today
from register.declarations import services
from register.declarations.queries import records_from_version
from register.extensions import db
from register.models import DeclarationVersion, Interest
from register.models.declarations import DAY, MONTH
from tests.conftest import sign_in
from tests.declarations.helpers import add, open_cycle, start, submit
from tests.declarations.test_forms import assert_error_next_to


@pytest.fixture
def draft_url(client, make_user, department) -> str:
    official = make_user("official")
    cycle = open_cycle([department])
    sign_in(client, official)
    return start(client, cycle)


def directorship(start: tuple[str, str, str], end: tuple[str, str, str] | None = None) -> MultiDict:
    data = MultiDict([
        ("whose", "self"), ("organisation_name", "Northfield Youth Trust"), ("role", "trustee"),
        ("paid", "no"), *[("start_date", part) for part in start],
    ])  # fmt: skip
    for part in end or ("", "", ""):
        data.add("end_date", part)
    return data


def test_month_and_year_without_a_day_are_kept_and_shown_as_the_month(client, draft_url):
    response = add(client, draft_url, "directorship", directorship(("", "6", "2021")))
    assert response.status_code == 302, response.get_data(as_text=True)
    interest = db.session.scalars(select(Interest)).one()
    assert interest.start_date == date(2021, 6, 1)
    assert interest.start_date_precision == MONTH
    page = client.get(draft_url).get_data(as_text=True)
    assert "June 2021 to now" in page and "start not given" not in page.lower()

    # Editing shows the month and year with the day left blank, as it was typed.
    edit = client.get(f"{draft_url}/interests/{interest.id}/edit").get_data(as_text=True)
    day_box = edit.split('id="start_date-day"')[1].split(">")[0]
    assert 'value="' not in day_box or 'value=""' in day_box
    assert 'value="06"' in edit and 'value="2021"' in edit


def test_a_month_only_end_means_the_last_day_and_the_version_carries_the_precision(
    client, draft_url
):
    data = directorship(("", "6", "2021"), ("", "2", "2024"))
    assert add(client, draft_url, "directorship", data).status_code == 302
    interest = db.session.scalars(select(Interest)).one()
    assert interest.end_date == date(2024, 2, 29)  # a leap year: never shortened
    assert interest.end_date_precision == MONTH
    assert submit(client, draft_url).status_code == 302
    version = db.session.scalars(select(DeclarationVersion)).one()
    item = json.loads(version.content)["interests"][0]
    assert item["start_date"] == "2021-06-01" and item["start_date_precision"] == MONTH
    assert item["end_date"] == "2024-02-29" and item["end_date_precision"] == MONTH
    record, _ = next(records_from_version(version, interest.declaration.official))
    assert (record.start_date, record.end_date) == (date(2021, 6, 1), date(2024, 2, 29))
    page = client.get(f"{draft_url}/versions/1").get_data(as_text=True)
    assert "June 2021 to February 2024" in page


def test_a_date_given_to_the_day_reads_and_hashes_as_before(client, draft_url):
    """Versions filed before precision was kept hold no precision keys; an interest given to
    the day still has none, so its content (and a flag's interest digest) is unchanged."""
    assert add(client, draft_url, "directorship", directorship(("27", "3", "2019"))).status_code
    interest = db.session.scalars(select(Interest)).one()
    assert interest.start_date_precision == DAY
    content = services.interest_content(interest)
    assert "start_date_precision" not in content and "end_date_precision" not in content
    assert services.version_changes({"interests": [dict(content)]}, {"interests": [content]}) == []
    page = client.get(draft_url).get_data(as_text=True)
    assert "27 March 2019 to now" in page


@pytest.mark.parametrize(
    ("begun", "end", "field", "message"),
    [
        (("1", "6", "21"), None, "start_date", "Year must include 4 numbers"),
        (("", "6", "202"), None, "start_date", "Year must include 4 numbers"),
        (("1", "6", "1899"), None, "start_date",
         "Start date must be the same as or after 1 January 1900"),
        (("", "13", "2021"), None, "start_date",
         "Start date must be a real date, for example 27 3 2024"),
        (("5", "", "2021"), None, "start_date", "Start date must include a month"),
        (("5", "6", ""), None, "start_date", "Start date must include a year"),
        (("", "6", "2021"), ("", "5", "2021"), "end_date",
         "The end date must be the same as or after the start date"),
    ],
)  # fmt: skip
def test_wrong_dates_are_refused_with_gov_uk_messages(
    client, draft_url, begun, end, field, message
):
    response = add(client, draft_url, "directorship", directorship(begun, end))
    assert response.status_code == 200
    assert_error_next_to(response.get_data(as_text=True), field, message)
    assert db.session.scalars(select(Interest)).all() == []


def test_a_held_interest_cannot_start_in_the_future(client, draft_url):
    tomorrow = uk_today() + timedelta(days=1)
    begun = (str(tomorrow.day), str(tomorrow.month), str(tomorrow.year))
    response = add(client, draft_url, "directorship", directorship(begun))
    assert_error_next_to(
        response.get_data(as_text=True), "start_date", "Start date must be today or in the past"
    )
    today = uk_today()
    assert add(
        client, draft_url, "directorship", directorship((str(today.day), str(today.month),
                                                         str(today.year)))
    ).status_code == 302  # fmt: skip


def test_a_month_only_end_overlapping_a_day_start_in_the_same_month_is_accepted(client, draft_url):
    data = directorship(("20", "6", "2021"), ("", "6", "2021"))
    assert add(client, draft_url, "directorship", data).status_code == 302
    interest = db.session.scalars(select(Interest)).one()
    assert interest.end_date == date(2021, 6, 30)


def test_ending_an_interest_with_a_month_keeps_the_last_day(client, draft_url):
    assert add(client, draft_url, "directorship", directorship(("1", "2", "2020"))).status_code
    interest = db.session.scalars(select(Interest)).one()
    response = client.post(
        f"{draft_url}/interests/{interest.id}/end",
        data=MultiDict([("end_date", ""), ("end_date", "9"), ("end_date", "2024")]),
    )
    assert response.status_code == 302
    db.session.refresh(interest)
    assert interest.end_date == date(2024, 9, 30) and interest.end_date_precision == MONTH
    assert "1 February 2020 to September 2024" in client.get(draft_url).get_data(as_text=True)
