"""A flagged interest cannot vanish, in the browser: the official can end it but not remove it,
and compliance sees the flag reopened with the reason, the amendment on their dashboard, and
an e-mail queued. Every page visited passes axe-core."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible
from tests.browser.test_filing import fill_date, sign_in, submit
from tests.browser.test_review import sign_out

REASON = "Reopened: the declared interest was ended on 2026-12-01 in version 2."


def test_a_flagged_interest_is_ended_not_removed_and_compliance_is_told(
    page: Any, live_server: str, tmp_path: Path
) -> None:
    # Mark Ellis declared Balfour Beatty shares; matching flagged them against its awards.
    sign_in(page, live_server, "mark.ellis@example.gov.uk")
    page.get_by_role("link", name="View 2026/27 declaration").click()
    expect(page.get_by_role("heading", name="Possible conflicts found")).to_be_visible()
    page.get_by_role("button", name="Amend or add a new interest").click()
    assert_accessible(page)
    shares = page.locator(".govuk-summary-card").filter(
        has=page.get_by_role("heading", name="Balfour Beatty plc")
    )
    expect(shares.get_by_role("link", name="Edit Balfour Beatty plc")).to_be_visible()
    expect(shares.get_by_role("link", name=re.compile(r"^Remove"))).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile(r"^Remove"))).to_have_count(0)

    # An interest added in this draft may be removed, after confirming.
    page.get_by_role("link", name="Add a membership or affiliation").click()
    page.get_by_label("Organisation", exact=True).fill("Rotary Club of Leeds")
    page.get_by_label("Role or type of membership").fill("Member")
    page.get_by_role("button", name="Save interest").click()
    page.get_by_role("link", name="Remove Rotary Club of Leeds").click()
    expect(
        page.get_by_role("heading", name="Are you sure you want to remove Rotary Club of Leeds?")
    ).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Yes, remove it").click()
    expect(page.get_by_text("Removed: Rotary Club of Leeds")).to_be_visible()
    expect(page.get_by_role("heading", name="Rotary Club of Leeds")).to_have_count(0)

    # The flagged shareholding is ended with a date; the page says compliance will be told.
    shares.get_by_role("link", name="End Balfour Beatty plc").click()
    expect(page.locator(".govuk-warning-text")).to_contain_text("compliance will be told")
    assert_accessible(page)
    fill_date(page, "When did it end?", "1", "12", "2026")
    page.get_by_role("button", name="End interest").click()
    expect(page.get_by_role("heading", name="Balfour Beatty plc (former interest)")).to_be_visible()
    submit(page, reason="Sold my Balfour Beatty shares.")
    expect(page.get_by_text("Declaration submitted: version 2.")).to_be_visible()
    sign_out(page)

    # The compliance officer sees the amendment and what changed on the dashboard.
    sign_in(page, live_server, "compliance@example.gov.uk")
    page.get_by_role("link", name="Dashboard").click()
    amended = page.get_by_role("table", name="Recently amended declarations")
    row = amended.get_by_role("row").filter(has_text="Mark Ellis")
    expect(row).to_contain_text(
        "Ended on 1 December 2026: Shareholding or financial interest, Balfour Beatty plc"
    )
    expect(row).to_contain_text("Sold my Balfour Beatty shares.")
    assert_accessible(page)

    # The flag is back in the queue, reopened, with the reason.
    page.goto(live_server + "/review/?status=reopened")
    page.get_by_role("link", name="Balfour Beatty plc").first.click()
    expect(page.get_by_text(REASON)).to_be_visible()
    assert_accessible(page)

    # And an e-mail to the department's compliance officer is queued with the change.
    with sqlite3.connect(tmp_path / "live.sqlite") as connection:
        emails = connection.execute(
            'SELECT "to", subject, body FROM outbound_email WHERE kind = ?',
            ("declaration.amended",),
        ).fetchall()
    assert [(to, subject.split(" (")[0]) for to, subject, _ in emails] == [
        ("compliance@example.gov.uk", "Declaration amended: Mark Ellis, 2026/27")
    ]
    assert REASON in emails[0][2]
