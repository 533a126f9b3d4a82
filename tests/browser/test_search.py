"""Searching declarations in the browser: results, an error, the version a result links to and
its gift totals; every page visited passes axe-core."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible
from tests.browser.test_filing import fill_date, sign_in


def test_compliance_officer_finds_who_declared_morning_lane(page: Any, live_server: str) -> None:
    sign_in(page, live_server, "compliance@example.gov.uk")
    page.get_by_role("link", name="Search declarations").click()
    assert_accessible(page)

    # A date that does not exist: the error is named and linked, nothing is searched.
    page.get_by_label("Organisation name, or company or charity number").fill("Morning Lane")
    fill_date(page, "Held on (optional)", "31", "2", "2024")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("must be a real date")
    assert_accessible(page)

    # The name as Companies House writes it finds the name as the official declared it.
    search = page.get_by_label("Organisation name, or company or charity number")
    search.fill("MORNING LANE ASSOCIATES LIMITED")
    fill_date(page, "Held on (optional)", "1", "6", "2024")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="2 interests declared by 1 official")).to_be_visible()
    table = page.get_by_role("table")
    expect(table).to_contain_text("Isabelle Trowe")
    expect(table).to_contain_text("Directorship or office")
    expect(table).to_contain_text("Shareholding or financial interest")
    assert_accessible(page)

    # After she sold the shares and resigned, she held neither.
    fill_date(page, "Held on (optional)", "1", "10", "2024")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="No declared interests")).to_be_visible()

    fill_date(page, "Held on (optional)", "", "", "")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="2025/26, version 1").first.click()
    expect(page.get_by_role("heading", name="Version 1")).to_be_visible()
    expect(page.get_by_text("Isabelle Trowe").first).to_be_visible()


def test_auditor_finds_a_donor_and_its_gift_totals(page: Any, live_server: str) -> None:
    sign_in(page, live_server, "auditor@example.gov.uk")
    page.get_by_role("link", name="Search declarations").click()
    page.get_by_label("Organisation name, or company or charity number").fill("kier construction")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("table")).to_contain_text("Gift or hospitality")
    page.get_by_role("link", name="2026/27, version 2").click()
    totals = page.get_by_role("table", name="Gifts and hospitality by donor in this cycle")
    expect(totals).to_contain_text("Kier Construction Ltd")
    expect(totals).to_contain_text("£180")
    assert_accessible(page)
