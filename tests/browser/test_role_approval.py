"""A second administrator approves a role grant (issue 13, item 7): administrator A asks for an
official to become a compliance officer reviewing a department; nothing changes until
administrator B, in another browser, approves it on the Approvals page; then the person has the
role. A cannot approve their own request. Every page visited passes axe-core."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import select

from register.admin.services import UserFields
from register.demo.build import DEMO_PASSWORD
from register.extensions import db
from register.models import OutboundEmail, User
from tests.browser.conftest import assert_accessible
from tests.browser.test_filing import sign_in
from tests.conftest import create_user_with_password, make_app

SECOND_ADMIN = "bea.second@example.gov.uk"
PERSON = "Hannah Kaur"


def _add_second_administrator(tmp_path: Path) -> None:
    app = make_app(f"sqlite:///{tmp_path / 'live.sqlite'}", tmp_path)
    with app.app_context():
        create_user_with_password(
            db.session, UserFields(SECOND_ADMIN, "Bea Second", "admin"), password=DEMO_PASSWORD
        )
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def _stored(tmp_path: Path) -> tuple[str, list[str], list[str]]:
    """Hannah's role and reviewed departments, and who was emailed about access, as stored."""
    app = make_app(f"sqlite:///{tmp_path / 'live.sqlite'}", tmp_path)
    with app.app_context():
        person = db.session.scalar(select(User).where(User.full_name == PERSON))
        assert person is not None
        found = (
            person.role,
            [d.code for d in person.assigned_departments],
            sorted(
                db.session.scalars(
                    select(OutboundEmail.to).where(OutboundEmail.kind == "access.change")
                )
            ),
        )
        db.session.remove()
        db.engine.dispose()
    return found


def test_a_second_administrator_approves_a_role_grant(
    page: Any, browser: Any, live_server: str, tmp_path: Path
) -> None:
    _add_second_administrator(tmp_path)
    # Administrator A asks for Hannah Kaur to review the Department for Children's Services.
    sign_in(page, live_server, "admin@example.gov.uk")
    page.goto(live_server + "/admin/people?q=Hannah")
    page.get_by_role("link", name=PERSON).click()
    page.get_by_label("Compliance officer").check()
    page.get_by_label("Department for Children's Services").last.check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("waits for another administrator's approval").first).to_be_visible()
    assert_accessible(page)
    expect(page.get_by_text("1 access request waiting for approval")).to_be_visible()
    assert _stored(tmp_path)[:2] == ("official", [])  # nothing granted yet

    # A sees the request, but only to withdraw it: the requester cannot approve.
    page.get_by_role("link", name="Approvals").first.click()
    expect(page.get_by_text("You asked for this")).to_be_visible()
    assert page.get_by_role("button", name="Approve").count() == 0
    assert_accessible(page)

    # Administrator B, in a browser of their own, approves it.
    context = browser.new_context()
    second = context.new_page()
    try:
        sign_in(second, live_server, SECOND_ADMIN)
        second.get_by_role("link", name="Approvals").first.click()
        card = second.locator(".govuk-summary-card", has_text=PERSON)
        expect(card).to_contain_text("Compliance officer reviewing DCS")
        expect(card).to_contain_text("Ash Admin")
        assert_accessible(second)
        card.get_by_role("button", name="Approve").click()
        expect(second.locator(".govuk-notification-banner--success")).to_contain_text(
            f"{PERSON} is now Compliance officer reviewing DCS"
        )
        expect(second.get_by_text("Nothing is waiting for approval")).to_be_visible()
        expect(second.locator("table").last).to_contain_text("Approved")
        assert_accessible(second)
    finally:
        context.close()

    # The person now has the role, and every administrator and auditor was told each step.
    role, departments, emailed = _stored(tmp_path)
    assert (role, departments) == ("compliance", ["DCS"])
    admins_and_auditors = {"admin@example.gov.uk", SECOND_ADMIN, "auditor@example.gov.uk"}
    assert set(emailed) == admins_and_auditors
    assert len(emailed) == 2 * len(admins_and_auditors)  # the request and the approval
    page.goto(live_server + "/admin/people?q=Hannah")
    expect(page.locator("table")).to_contain_text("Compliance officer")
