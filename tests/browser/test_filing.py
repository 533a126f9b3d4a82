"""An official starts a declaration pre-filled from last year, adds an interest and files it."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from register.demo.build import DEMO_PASSWORD


def sign_in(page: Any, base: str, email: str) -> None:
    page.goto(base + "/auth/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_official_files_a_declaration(page: Any, live_server: str) -> None:
    sign_in(page, live_server, "isabelle.trowe@example.gov.uk")
    page.get_by_role("button", name="Start 2026/27 declaration").click()
    # Pre-filled from 2025/26: the Morning Lane interests ended within the look-back period.
    former = page.get_by_role("heading", name="Morning Lane Associates Ltd (former interest)")
    expect(former).to_have_count(2)

    page.get_by_role("link", name="Add a membership or affiliation").click()
    page.get_by_role("button", name="Save interest").click()  # empty form: errors, nothing lost
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter the name of the organisation"
    )
    page.get_by_label("Organisation", exact=True).fill("British Association of Social Workers")
    page.get_by_label("Role or type of membership").fill("Member")
    page.get_by_role("button", name="Save interest").click()
    expect(page.get_by_text("Saved: British Association of Social Workers")).to_be_visible()

    page.get_by_role("link", name="Review and submit").click()
    page.get_by_label("I confirm this declaration is complete and true").check()
    page.get_by_role("button", name="Submit declaration").click()
    expect(page.get_by_text("Declaration submitted: version 1.")).to_be_visible()
    page.get_by_role("link", name="Version 1").click()
    expect(page.get_by_text("Content digest (SHA-256)")).to_be_visible()
    heading = "Membership or affiliation: British Association of Social Workers"
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
