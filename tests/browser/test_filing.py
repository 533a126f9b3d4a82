"""Officials file in the browser: pre-filled from last year, every kind of form, errors that keep
what was typed, submission and amendment. Every page visited passes axe-core."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from register.demo.build import DEMO_PASSWORD
from tests.browser.conftest import assert_accessible


def sign_in(page: Any, base: str, email: str) -> None:
    page.goto(base + "/auth/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def fill_date(page: Any, legend: str, day: str, month: str, year: str) -> None:
    # The page's scripts run after its text is there: GOV.UK Frontend's error summary then takes
    # the focus, and a box being filled at that moment loses what is typed into it (seen in CI:
    # a day left in the box that was to be cleared). init.js marks the body just before it starts
    # the components, in the same task, so once the mark is seen they have started.
    page.wait_for_function("document.body.classList.contains('govuk-frontend-supported')")
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(day)
    group.get_by_label("Month").fill(month)
    group.get_by_label("Year").fill(year)


def submit(page: Any, reason: str | None = None) -> None:
    page.get_by_role("link", name="Review and submit").click()
    assert_accessible(page)
    if reason:
        page.get_by_label("Reason for the amendment").fill(reason)
    page.get_by_label("I confirm this declaration is complete and true").check()
    page.get_by_role("button", name="Submit declaration").click()


def test_official_files_a_declaration_pre_filled_from_last_year(page: Any, live_server: str):
    sign_in(page, live_server, "isabelle.trowe@example.gov.uk")
    # GOV.UK Frontend started from our own script (the CSP allows no inline one).
    expect(page.locator("body")).to_have_class(re.compile(r"\bgovuk-frontend-supported\b"))
    assert_accessible(page)
    page.get_by_role("button", name="Start 2026/27 declaration").click()
    # Pre-filled from 2025/26: the Morning Lane interests ended within the look-back period.
    former = page.get_by_role("heading", name="Morning Lane Associates Ltd (former interest)")
    expect(former).to_have_count(2)
    assert_accessible(page)

    page.get_by_role("link", name="Add a membership or affiliation").click()
    page.get_by_role("button", name="Save interest").click()  # empty form: errors, nothing lost
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter the name of the organisation"
    )
    assert_accessible(page)
    page.get_by_label("Organisation", exact=True).fill("British Association of Social Workers")
    page.get_by_label("Role or type of membership").fill("Member")
    page.get_by_role("button", name="Save interest").click()
    expect(page.get_by_text("Saved: British Association of Social Workers")).to_be_visible()

    submit(page)
    expect(page.get_by_text("Declaration submitted: version 1.")).to_be_visible()
    page.get_by_role("link", name="Version 1").click()
    expect(page.get_by_text("Content digest (SHA-256)")).to_be_visible()
    heading = "Membership or affiliation: British Association of Social Workers"
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    assert_accessible(page)


def test_official_adds_a_directorship_and_a_relationship_submits_and_amends(
    page: Any, live_server: str
):
    sign_in(page, live_server, "hannah.kaur@example.gov.uk")
    page.get_by_role("button", name="Start 2026/27 declaration").click()

    # A directorship with an impossible date: the error is next to the field, nothing is lost.
    page.get_by_role("link", name="Add a directorship or office").click()
    assert_accessible(page)
    page.get_by_label("Organisation", exact=True).fill("Northfield Youth Trust")
    page.get_by_label("Trustee").check()
    page.get_by_role("group", name="Is it paid?").get_by_label("No").check()
    fill_date(page, "Start date", "31", "2", "2020")
    page.get_by_role("button", name="Save interest").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Start date must be a real date")
    expect(page.get_by_label("Organisation", exact=True)).to_have_value("Northfield Youth Trust")
    expect(page.get_by_role("group", name="Start date").get_by_label("Day")).to_have_value("31")
    expect(page.get_by_label("Trustee")).to_be_checked()
    assert_accessible(page)
    fill_date(page, "Start date", "28", "2", "2020")
    page.get_by_role("button", name="Save interest").click()
    expect(page.get_by_text("Saved: Northfield Youth Trust")).to_be_visible()

    # A close relationship: the list says what each relationship type means.
    page.get_by_role("link", name="Add a close personal relationship").click()
    assert_accessible(page)
    page.get_by_label("The person's full name").fill("Arjun Kaur")
    page.get_by_label("Sibling").check()
    page.get_by_label("Organisation where they work (main)").fill("Barnardo's")
    page.get_by_role("button", name="Save interest").click()
    expect(page.get_by_text("Saved: Barnardo's")).to_be_visible()

    submit(page)
    expect(page.get_by_text("Declaration submitted: version 1.")).to_be_visible()

    # Amending needs a reason; the first version stays as it was.
    page.get_by_role("button", name="Amend or add a new interest").click()
    page.get_by_role("link", name="Add a gift or hospitality").click()
    page.get_by_label("Donor", exact=True).fill("Barnardo's")
    page.get_by_label("An organisation").check()
    page.get_by_label("Value in pounds").fill("45")
    page.get_by_role("group", name="Did you accept it?").get_by_label("Yes").check()
    fill_date(page, "Date of the gift", "3", "11", "2026")
    page.get_by_role("button", name="Save interest").click()
    submit(page, reason="")  # no reason: refused, with a message
    expect(page.locator(".govuk-error-summary")).to_contain_text("reason")
    page.get_by_label("Reason for the amendment").fill("A gift received after I filed.")
    page.get_by_label("I confirm this declaration is complete and true").check()
    page.get_by_role("button", name="Submit declaration").click()
    expect(page.get_by_text("Declaration submitted: version 2.")).to_be_visible()
    expect(page.get_by_text("A gift received after I filed.")).to_be_visible()
    page.get_by_role("link", name="Version 1").click()
    expect(page.get_by_role("heading", name="Gift or hospitality: Barnardo's")).to_have_count(0)
    assert_accessible(page)


def test_dates_given_as_a_month_and_year_are_kept_and_wrong_dates_are_explained(
    page: Any, live_server: str
):
    sign_in(page, live_server, "tom.hughes@example.gov.uk")
    page.get_by_role("button", name="Start 2026/27 declaration").click()
    page.get_by_role("link", name="Add a directorship or office").click()
    page.get_by_label("Organisation", exact=True).fill("Leeds Health Partners CIC")
    page.get_by_label("Non-executive director").check()
    page.get_by_role("group", name="Is it paid?").get_by_label("Yes").check()

    # A two-figure year, then a start in the future: each refused with the GOV.UK message.
    fill_date(page, "Start date", "", "6", "21")
    page.get_by_role("button", name="Save interest").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Year must include 4 numbers")
    expect(page.get_by_role("group", name="Start date").get_by_label("Month")).to_have_value("6")
    assert_accessible(page)
    fill_date(page, "Start date", "1", "1", "2099")
    page.get_by_role("button", name="Save interest").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Start date must be today or in the past"
    )
    fill_date(page, "Start date", "1", "1", "1899")
    page.get_by_role("button", name="Save interest").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Start date must be the same as or after 1 January 1900"
    )

    # Month and year without the day: kept, and shown as the month.
    fill_date(page, "Start date", "", "6", "2021")
    page.get_by_role("button", name="Save interest").click()
    expect(page.get_by_text("Saved: Leeds Health Partners CIC")).to_be_visible()
    card = page.locator(".govuk-summary-card").filter(
        has=page.get_by_role("heading", name="Leeds Health Partners CIC")
    )
    expect(card).to_contain_text("June 2021 to now")
    assert_accessible(page)

    # Editing shows what was typed: the day is still blank.
    card.get_by_role("link", name="Edit Leeds Health Partners CIC").click()
    start = page.get_by_role("group", name="Start date")
    expect(start.get_by_label("Day")).to_have_value("")
    expect(start.get_by_label("Month")).to_have_value("06")
    expect(start.get_by_label("Year")).to_have_value("2021")
    fill_date(page, "End date", "", "5", "2021")  # before the start month: refused
    page.get_by_role("button", name="Save interest").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "The end date must be the same as or after the start date"
    )
    fill_date(page, "End date", "", "", "")
    page.get_by_role("button", name="Save interest").click()

    submit(page)
    expect(page.get_by_text("Declaration submitted: version 1.")).to_be_visible()
    page.get_by_role("link", name="Version 1").click()
    expect(page.get_by_text("June 2021 to now")).to_be_visible()
    assert_accessible(page)
