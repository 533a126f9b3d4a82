"""Issue 18's demo journey in the browser: the procurement lead sees the Chief Social Worker's
conflict before the award, the gate refuses the tender notice, she declares it, the lead records
her removal from the evaluation, prepares the assessment (looked at as a PDF image), takes the
procurement to the award, is refused when adding her back as a decision maker, and the award that
follows links to the assessment. Every page visited passes axe-core."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pypdfium2
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible
from tests.browser.test_cases import screenshot
from tests.browser.test_filing import sign_in
from tests.browser.test_review import sign_out

AWARD = Path(__file__).resolve().parents[2] / "register/demo/follow_up/naas_award.json"
TITLE = "National assessment and accreditation system for child and family social workers"


def open_procurement(page: Any) -> None:
    page.get_by_role("link", name="Procurements", exact=True).click()
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)


def banner(page: Any) -> Any:
    return page.locator(".govuk-notification-banner")


def test_the_panel_is_checked_against_the_bidders_before_the_award(
    page: Any, live_server: str, tmp_path: Path
) -> None:
    # The lead sees her conflict with a bidder, found from her declarations.
    sign_in(page, live_server, "procurement@example.gov.uk")
    expect(page.get_by_role("heading", name="Procurements", exact=True)).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="DCS-2026-014")).to_contain_text("Not prepared")
    assert_accessible(page)
    screenshot(page, "procurement-01-list")
    page.get_by_role("link", name=TITLE).click()
    conflicts = page.locator(".govuk-summary-card")
    expect(conflicts).to_have_count(2)
    expect(conflicts.first).to_contain_text(
        "directorship or office at Morning Lane Associates Ltd ended 26 months ago; "
        "Morning Lane Associates Ltd is a bidder"
    )
    expect(page.get_by_role("row").filter(has_text="Isabelle Trowe")).to_contain_text(
        "Not declared"
    )
    assert_accessible(page)
    screenshot(page, "procurement-02-conflicts-found")
    # The tender notice is refused: the assessment is not prepared.
    page.get_by_label("Move to stage").select_option(label="Tender notice published")
    page.get_by_role("button", name="Move the procurement on").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Prepare the conflicts assessment before the tender notice"
    )
    expect(page.locator(".govuk-error-summary")).to_contain_text("Isabelle Trowe has not declared")
    assert_accessible(page)
    sign_out(page)

    # She declares her conflict for the procurement.
    sign_in(page, live_server, "isabelle.trowe@example.gov.uk")
    page.goto(live_server + "/procurements/declarations")
    page.get_by_role("link", name=TITLE, exact=False).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Declare for")
    assert_accessible(page)
    page.get_by_label("Yes, or possibly: I declare it below").check()
    page.get_by_label("The supplier it concerns").select_option(label="Morning Lane Associates Ltd")
    page.get_by_label("What the conflict is").fill(
        "I founded Morning Lane Associates and was its director until September 2024."
    )
    page.get_by_role("button", name="Make the declaration").click()
    expect(banner(page)).to_contain_text("Declaration made")
    sign_out(page)

    # The lead records her removal from the evaluation, which covers each of her conflicts.
    sign_in(page, live_server, "procurement@example.gov.uk")
    open_procurement(page)
    expect(page.locator(".govuk-summary-card")).to_have_count(3)  # and her own declaration
    card = page.locator(".govuk-summary-card").first
    card.get_by_label("Removed from the procurement").check()
    card.get_by_label("What was agreed, with whom, and why").fill(
        "Removed from the evaluation panel and from advising on it, agreed with compliance."
    )
    card.get_by_role("button", name="Record the mitigation").click()
    expect(banner(page)).to_contain_text("Mitigation recorded")
    expect(page.get_by_text("No mitigation agreed yet.")).to_have_count(0)
    expect(page.get_by_role("row").filter(has_text="Isabelle Trowe")).to_contain_text("Removed")
    page.get_by_label("What this revision is for").fill("Prepared before the tender notice")
    page.get_by_role("button", name="Prepare a new revision of the assessment").click()
    expect(banner(page)).to_contain_text("Revision 1 of the conflicts assessment prepared.")
    assert_accessible(page)
    screenshot(page, "procurement-03-mitigated")

    # The assessment, as a page and as a PDF looked at as an image.
    page.get_by_role("link", name="Revision 1", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Conflicts assessment, revision 1")
    expect(page.locator("main")).to_contain_text("Removed from the procurement")
    assert_accessible(page)
    screenshot(page, "procurement-04-assessment")
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF", exact=True).click()
    pdf = tmp_path / "assessment.pdf"
    download.value.save_as(pdf)
    document = pypdfium2.PdfDocument(pdf)
    image = document[0].render(scale=1.5).to_pil()
    image.save(tmp_path / "assessment.png")
    grey = image.convert("L")
    assert sum(1 for value in grey.getdata() if value < 128) > 5000  # text, tables: not blank
    assert "Removed from the procurement" in document[0].get_textpage().get_text_range()
    screenshot_folder = __import__("os").environ.get("SCREENSHOTS")
    if screenshot_folder:
        image.save(Path(screenshot_folder) / "procurement-05-assessment-pdf.png")

    # Through the gates to the award, and her return as a decision maker refused.
    page.go_back()
    for stage in ("Tender notice published", "Evaluation", "Award"):
        page.get_by_label("Move to stage").select_option(label=stage)
        page.get_by_role("button", name="Move the procurement on").click()
        expect(banner(page)).to_contain_text(f"The procurement is now at “{stage}”")
    page.get_by_text("Add a person acting").click()
    page.get_by_label("Register user's email address").fill("isabelle.trowe@example.gov.uk")
    page.get_by_label("Decision maker").check()
    page.get_by_role("button", name="Add the person").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Isabelle Trowe cannot be a decision maker on this procurement: the mitigation "
        "“Removed from the procurement” was agreed on"
    )
    assert_accessible(page)
    screenshot(page, "procurement-06-recusal-refused")
    sign_out(page)

    # The award arrives from Contracts Finder and links to the procurement and its assessment.
    sign_in(page, live_server, "admin@example.gov.uk")
    page.goto(live_server + "/awards/imports")
    page.get_by_label("Award file").set_input_files(str(AWARD))
    page.get_by_role("button", name="Import awards").click()
    expect(page.locator("main")).to_contain_text("naas_award.json")
    sign_out(page)
    sign_in(page, live_server, "auditor@example.gov.uk")
    open_procurement(page)
    award = page.locator(".govuk-summary-list__row").filter(has_text="Award")
    expect(award.first).to_contain_text("ocds-demo-naas-001")
    expect(award.first).to_contain_text("KPMG LLP")
    assert_accessible(page)
    screenshot(page, "procurement-07-award-linked")
