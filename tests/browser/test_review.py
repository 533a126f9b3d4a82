"""The Morning Lane flag from decision to acknowledgement, as the three people involved see it,
and escalated to a senior escalation owner who makes the final decision; every page visited
passes axe-core."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from register import clock
from register.admin.services import UserFields
from register.demo.build import DEMO_PASSWORD
from register.extensions import db
from tests.browser.conftest import assert_accessible
from tests.browser.test_filing import sign_in
from tests.conftest import create_user_with_password, make_app

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
    # One decision for the case, recorded on each of its four flags; one plan for the case.
    counts = {"case.decided": 1, "decision.recorded": 4, "plan.created": 1, "plan.acknowledged": 1}
    for action, count in counts.items():
        expect(log.get_by_role("cell", name=action, exact=True)).to_have_count(count)
    expect(log).to_contain_text("Conflict, managed")
    expect(log).to_contain_text("acknowledged by the official")
    assert_accessible(page)
    page.goto(flag_url)
    expect(page.get_by_text(REASON)).to_be_visible()
    expect(page.get_by_role("button", name="Record decision")).to_have_count(0)


def _add_senior_escalation_owner(tmp_path: Path) -> None:
    """Sasha Senior, a compliance officer marked senior (a senior escalation owner) who reviews
    no department, added to the live server's copy of the demo."""
    app = make_app(f"sqlite:///{tmp_path / 'live.sqlite'}", tmp_path)
    with app.app_context():
        create_user_with_password(
            db.session,
            UserFields("sasha.senior@example.gov.uk", "Sasha Senior", "compliance", is_senior=True),
            None,
            DEMO_PASSWORD,
        )
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def test_escalated_flag_waits_for_the_named_person_until_a_final_decision(
    page: Any, live_server: str, tmp_path: Path
) -> None:
    _add_senior_escalation_owner(tmp_path)
    sign_in(page, live_server, "compliance@example.gov.uk")
    page.get_by_role("link", name="Flags", exact=True).click()
    page.get_by_role("link", name="Morning Lane Associates Ltd").first.click()
    flag_url = page.url
    escalate_to = page.get_by_label("Escalate to")
    expect(escalate_to).to_be_hidden()  # revealed only under "Escalated"
    page.get_by_label("Escalated", exact=True).check()
    expect(escalate_to).to_be_visible()
    expect(page.get_by_label("Plan owner")).to_be_hidden()
    page.get_by_label("Reason", exact=True).fill("A senior view is needed on a £975,000 award.")
    page.get_by_role("button", name="Record decision").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Choose who the flag is escalated to"
    )
    assert page.title().startswith("Error: ")
    expect(page.get_by_label("Escalate to")).to_be_visible()  # still revealed after the error
    assert_accessible(page)
    page.get_by_label("Escalate to").select_option(label="Sasha Senior (senior escalation owner)")
    page.get_by_role("button", name="Record decision").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("to Sasha Senior")
    expect(page.get_by_text("Escalated to Sasha Senior by Chris Compliance")).to_be_visible()
    assert_accessible(page)
    # Not closed: still in the queue, and in its Escalated view.
    page.get_by_role("link", name="Flags", exact=True).click()
    expect(page.get_by_text("to Sasha Senior").first).to_be_visible()
    # The whole Morning Lane case is escalated: its four flags (two awards, two interests).
    page.get_by_role("link", name="Escalated (4)").click()
    expect(page.get_by_role("link", name="Morning Lane Associates Ltd")).to_have_count(4)
    assert_accessible(page)
    sign_out(page)

    # The senior escalation owner has it on her list, and makes the final decision.
    sign_in(page, live_server, "sasha.senior@example.gov.uk")
    page.get_by_role("link", name="Dashboard", exact=True).click()
    expect(page.get_by_text("Escalated to you (4)")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("table", name="Escalated to you (4)").get_by_role("link").first.click()
    expect(page.get_by_text("Escalated to you by Chris Compliance")).to_be_visible()
    page.get_by_label("Conflict, managed").check()
    expect(page.get_by_label("Escalate to")).to_be_hidden()
    page.get_by_label("Recusal from procurement decisions involving the organisation").check()
    page.get_by_label("Plan owner").select_option(label="Chris Compliance")
    review_date = page.get_by_role("group", name="Review date")
    review_date.get_by_label("Day").fill("1")
    review_date.get_by_label("Month").fill("1")
    review_date.get_by_label("Year").fill("2020")  # in the past: refused
    page.get_by_label("Reason", exact=True).fill("Managed: recusal from the framework call-offs.")
    page.get_by_role("button", name="Record decision").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "The review date must be today or in the future"
    )
    expect(page.get_by_label("Plan owner")).to_be_visible()
    assert_accessible(page)
    review_date.get_by_label("Year").fill(str(clock.today().year + 1))
    page.get_by_role("button", name="Record decision").click()
    # Decided: the flag leaves her list (it is not her department's) and the queue.
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Conflict, managed")
    expect(page.get_by_role("heading", name="Flags to review")).to_be_visible()
    expect(page.get_by_role("link", name="Escalated to you (0)")).to_be_visible()
    sign_out(page)

    # The auditor reads both decisions, the escalation naming its person.
    sign_in(page, live_server, "auditor@example.gov.uk")
    page.goto(flag_url)
    expect(page.get_by_text("Escalated to Sasha Senior (superseded by decision")).to_be_visible()
    expect(page.get_by_text("Conflict, managed (current)")).to_be_visible()
    page.goto(live_server + "/audit/")
    expect(
        page.locator("main").get_by_role("cell", name="decision.recorded", exact=True)
    ).to_have_count(8)  # escalated, then decided: each time on the case's four flags
    assert_accessible(page)
