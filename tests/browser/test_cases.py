"""Issue 17's "Must show" in the browser: the demo's Morning Lane flags are one case, worked
from assignment to a managed conflict by the compliance officer, answered and acknowledged by the
official (who never sees the internal note), and read whole by the auditor. Every page visited
passes axe-core."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from register import clock
from tests.browser.conftest import assert_accessible
from tests.browser.test_filing import fill_date, sign_in
from tests.browser.test_review import sign_out
from tests.cases.helpers import MINIMAL_PDF

QUESTION = "On what date did you transfer your shares in Morning Lane Associates?"
ANSWER = "I transferred all my shares on 30 September 2024; the transfer form is attached."
NOTE = "Internal: the share transfer form matches Companies House filings. Not for the official."
REASON = "Former director and shareholder; recusal from every procurement involving the company."
DIGEST = hashlib.sha256(MINIMAL_PDF).hexdigest()


def screenshot(page: Any, name: str) -> None:
    """A full-page screenshot into $SCREENSHOTS when it is set, for a person to look at the
    pages (never compared by the test)."""
    folder = os.environ.get("SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_morning_lane_is_one_case_worked_to_a_managed_conflict(
    page: Any, live_server: str, tmp_path: Path
) -> None:
    # The compliance officer finds one Morning Lane case: £2.9m over two awards.
    sign_in(page, live_server, "compliance@example.gov.uk")
    page.get_by_role("link", name="Cases", exact=True).click()
    expect(page.get_by_role("heading", name="Cases", exact=True)).to_be_visible()
    rows = page.get_by_role("row").filter(has_text="Morning Lane")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("£2,900,000")
    expect(rows.get_by_role("cell").nth(4)).to_have_text("2")  # Awards, after the selection box
    expect(rows).to_contain_text("Isabelle Trowe")
    assert_accessible(page)
    screenshot(page, "01-queue-officer")
    rows.get_by_role("link", name="Morning Lane Associates Ltd").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Isabelle Trowe and Morning Lane Associates Ltd"
    )
    case_url = page.url
    exposure = page.locator("dl").filter(has_text="Total value of awards")
    expect(exposure).to_contain_text("£2,900,000")
    flag_urls = [
        live_server + href
        for href in page.locator("a[href*='/review/flags/']").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"
        )
    ]
    assert len(flag_urls) == 4  # two awards × the directorship and the shareholding
    assert_accessible(page)
    screenshot(page, "02-case-officer-new")

    # Assigned to herself, then a question to the official: the case waits for the answer.
    page.get_by_label("Assigned to").select_option(label="Chris Compliance")
    page.get_by_role("button", name="Save assignment").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Assignment saved.")
    state = page.locator("h1 + p .govuk-tag").last  # the risk, then the case's state
    expect(state).to_have_text("Assigned")
    assert_accessible(page)
    page.get_by_label("Question for the official").fill(QUESTION)
    page.get_by_role("button", name="Send the question").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Question sent")
    expect(state).to_have_text("Information requested")
    expect(page.get_by_text("Not answered yet.")).to_be_visible()
    assert_accessible(page)
    sign_out(page)

    # The official answers on her Questions page.
    sign_in(page, live_server, "isabelle.trowe@example.gov.uk")
    page.get_by_role("link", name="Questions", exact=True).click()
    expect(page.get_by_text(QUESTION)).to_be_visible()
    assert_accessible(page)
    screenshot(page, "03-questions-official")
    page.get_by_label("Your answer").fill(ANSWER)
    page.get_by_role("button", name="Send your answer").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("your answer was sent")
    expect(page.get_by_text(ANSWER)).to_be_visible()
    expect(page.get_by_role("button", name="Send your answer")).to_have_count(0)
    assert_accessible(page)
    screenshot(page, "04-questions-official-answered")
    sign_out(page)

    # Back with the officer: assigned again, the answer on the case.
    sign_in(page, live_server, "compliance@example.gov.uk")
    page.goto(case_url)
    expect(state).to_have_text("Assigned")
    expect(page.locator("main")).to_contain_text(ANSWER)

    # The resignation letter is attached with its digest; a renamed program is refused.
    letter = tmp_path / "resignation-letter.pdf"
    letter.write_bytes(MINIMAL_PDF)
    page.get_by_label("File", exact=True).set_input_files(str(letter))
    page.get_by_label("What it is").fill("Resignation letter dated 30 September 2024")
    page.get_by_role("button", name="Attach the file").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "resignation-letter.pdf attached."
    )
    evidence = page.locator(".govuk-summary-card").filter(has_text="SHA-256 digest")
    expect(evidence).to_have_count(1)
    expect(evidence.get_by_role("link", name="resignation-letter.pdf")).to_be_visible()
    expect(evidence).to_contain_text("Resignation letter dated 30 September 2024")
    expect(evidence).to_contain_text(DIGEST)  # the whole digest, to check a download against
    assert_accessible(page)
    program = tmp_path / "share-transfer.pdf"
    program.write_bytes(b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200)
    page.get_by_label("File", exact=True).set_input_files(str(program))
    page.get_by_role("button", name="Attach the file").click()
    refusal = "share-transfer.pdf is not a PDF document: its content is a Linux program"
    expect(page.locator(".govuk-error-summary")).to_contain_text(refusal)
    assert page.title().startswith("Error: ")
    page.locator(".govuk-error-summary").get_by_role("link").click()  # to the file field
    expect(page.get_by_label("File", exact=True)).to_be_focused()
    expect(evidence).to_have_count(1)  # only the letter
    assert_accessible(page)
    screenshot(page, "05-case-officer-refused-file")

    # An internal note, then one decision with one plan for the whole case.
    page.goto(case_url)
    page.get_by_label("Internal note").fill(NOTE)
    page.get_by_role("button", name="Add the note").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Internal note added.")
    expect(page.get_by_text(NOTE)).to_be_visible()
    page.get_by_label("Conflict, managed").check()
    page.get_by_label("Recusal from procurement decisions involving the organisation").check()
    page.get_by_label("Plan owner").select_option(label="Chris Compliance")
    fill_date(page, "Review date", "31", "3", str(clock.today().year + 1))
    page.get_by_label("Reason", exact=True).fill(REASON)
    assert_accessible(page)
    screenshot(page, "05-case-officer-before-decision")
    page.get_by_role("button", name="Record decision").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Decision recorded for the whole case: Conflict, managed."
    )
    expect(state).to_have_text("Decided")
    expect(page.get_by_role("heading", name="Record a new decision for the case")).to_be_visible()
    expect(page.get_by_role("heading", name="Management plan", exact=False)).to_have_count(1)
    expect(page.get_by_label("Question for the official")).to_have_count(0)  # it would be refused
    assert_accessible(page)
    screenshot(page, "06-case-officer-decided")
    sign_out(page)

    # The official accepts the plan, and the internal note is nowhere she can go.
    sign_in(page, live_server, "isabelle.trowe@example.gov.uk")
    page.get_by_role("link", name="My plans", exact=True).click()
    expect(page.get_by_text("Recusal from procurement decisions").first).to_be_visible()
    expect(page.get_by_role("button", name="I have read and accept this plan")).to_have_count(1)
    page.get_by_role("button", name="I have read and accept this plan").click()
    expect(page.get_by_role("button", name="I have read and accept this plan")).to_have_count(0)
    assert_accessible(page)
    for url in [live_server + "/review/my-plans", live_server + "/cases/questions", *flag_urls]:
        page.goto(url)
        expect(page.locator("main")).to_be_visible()
        expect(page.locator("body")).not_to_contain_text("share transfer form matches")
        expect(page.locator("body")).not_to_contain_text("Internal note")
    page.goto(flag_urls[0])
    expect(page.get_by_text(REASON)).to_be_visible()  # the decision's reason is hers to read
    assert_accessible(page)
    assert page.goto(case_url).status == 403  # the case page itself is compliance's
    sign_out(page)

    # The auditor reads the whole case, the note included, and cannot decide it.
    sign_in(page, live_server, "auditor@example.gov.uk")
    page.goto(case_url)
    # The whole story in the order it happened: one line for the case's one decision.
    events = page.locator("ol.register-timeline > li")
    story = [
        "Directorship: Morning Lane Associates Ltd began",
        "Shareholding: Morning Lane Associates Ltd ended",
        "Award by Department for Children's Services",
        "Case 1 opened",
        "assigned to Chris Compliance",
        f"Question asked: {QUESTION}",
        f"Official answered: {ANSWER}",
        "Evidence attached: resignation-letter.pdf",
        "Internal note by Chris Compliance",
        "Decision: Conflict, managed by Chris Compliance (flags 1, 2, 3, 4)",
        "Management plan 1 agreed",
        "Management plan 1 acknowledged by the official",
    ]
    lines = events.all_inner_texts()
    positions = [next(i for i, line in enumerate(lines) if text in line) for text in story]
    assert positions == sorted(positions), lines
    expect(events.filter(has_text="Decision:")).to_have_count(1)
    expect(page.get_by_text(NOTE)).to_be_visible()
    expect(page.get_by_role("button", name="Record decision")).to_have_count(0)
    expect(page.get_by_role("button", name="Add the note")).to_have_count(0)
    assert_accessible(page)
    screenshot(page, "07-case-auditor")
    page.get_by_role("link", name="Isabelle Trowe").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Isabelle Trowe")
    cases = page.get_by_role("table", name="Cases")
    expect(cases.get_by_role("row")).to_have_count(2)  # the header and the one case
    expect(cases).to_contain_text("Decided: Conflict, managed")
    expect(page.locator("main")).to_contain_text(ANSWER)
    expect(page.get_by_role("link", name="Case 1, which this plan manages")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "08-record-auditor")
    page.goto(live_server + "/audit/")
    log = page.locator("main")
    for action in [
        "case.assigned",
        "case.question_asked",
        "case.question_answered",
        "case.evidence_added",
        "case.note_added",
        "case.decided",
    ]:
        expect(log.get_by_role("cell", name=action, exact=True)).to_have_count(1)
    assert_accessible(page)
