"""The Morning Lane flag from decision to acknowledgement, as the three people involved see it;
every page visited passes axe-core."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible
from tests.browser.test_filing import sign_in

REASON = "Former director until 2024; the award was made within the look-back period."


def sign_out(page: Any) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


def test_managed_conflict_is_agreed_acknowledged_and_audited(page: Any, live_server: str) -> None:
    # The compliance officer finds the demo's Morning Lane flag at the top of the queue.
    sign_in(page, live_server, "compliance@example.gov.uk")
    page.get_by_role("link", name="Flags", exact=True).click()
    page.get_by_role("link", name="Morning Lane Associates Ltd").first.click()
    expect(page.get_by_text("ended", exact=False).first).to_be_visible()
    flag_url = page.url
    assert_accessible(page)

    # "Conflict, managed" without a plan: each missing part is named, and the reason is kept.
    page.get_by_label("Conflict, managed").check()
    page.get_by_label("Reason", exact=True).fill(REASON)
    page.get_by_role("button", name="Record decision").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Choose at least one agreed constraint")
    expect(summary).to_contain_text("Enter the plan's review date")
    expect(page.get_by_label("Reason", exact=True)).to_have_value(REASON)
    assert_accessible(page)

    page.get_by_label("Recusal from procurement decisions involving the organisation").check()
    page.get_by_label("Plan owner").select_option(label="Chris Compliance")
    review_date = page.get_by_role("group", name="Review date")
    review_date.get_by_label("Day").fill("31")
    review_date.get_by_label("Month").fill("3")
    review_date.get_by_label("Year").fill("2027")
    page.get_by_role("button", name="Record decision").click()
    expect(page.locator(".govuk-notification-banner")).to_be_visible()
    expect(page.get_by_text("Conflict, managed").first).to_be_visible()
    expect(page.get_by_text("Recusal from procurement decisions").first).to_be_visible()
    sign_out(page)

    # The official sees the plan that concerns her and accepts it.
    sign_in(page, live_server, "isabelle.trowe@example.gov.uk")
    page.goto(live_server + "/review/my-plans")
    expect(page.get_by_text("Recusal from procurement decisions").first).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="I have read and accept this plan").click()
    expect(page.get_by_role("button", name="I have read and accept this plan")).to_have_count(0)
    sign_out(page)

    # The auditor sees every step in the audit log, and may read the flag but not decide it.
    sign_in(page, live_server, "auditor@example.gov.uk")
    page.goto(live_server + "/audit/")
    log = page.locator("main")
    for action in ("decision.recorded", "plan.created", "plan.acknowledged"):
        expect(log.get_by_role("cell", name=action, exact=True)).to_have_count(1)
    expect(log).to_contain_text("Conflict, managed")
    expect(log).to_contain_text("acknowledged by the official")
    assert_accessible(page)
    page.goto(flag_url)
    expect(page.get_by_text(REASON)).to_be_visible()
    expect(page.get_by_role("button", name="Record decision")).to_have_count(0)
