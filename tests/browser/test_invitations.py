"""In the browser: an administrator adds a person, who sets their own password from the emailed
invitation and signs in; someone who forgot their password resets it by email, which ends their
old browser session and their API token. Emails go through the outbox to a real SMTP server
(aiosmtpd); every new page passes axe-core."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
from aiosmtpd.controller import Controller
from flask import current_app
from playwright.sync_api import expect
from sqlalchemy import select

from register.demo.build import DEMO_PASSWORD
from register.extensions import db
from register.models import User
from register.notify.mail import MailSettings, send_pending
from tests.api.helpers import make_token
from tests.auth.links import link_in
from tests.browser.conftest import assert_accessible
from tests.conftest import make_app
from tests.notify.conftest import Inbox, free_port

pytestmark = pytest.mark.browser
NEW_PASSWORD = "marble-thistle-canopy-63"


@pytest.fixture
def mailbox() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def deliver(tmp_path: Path, mailbox: tuple[Inbox, int], to: str) -> str:
    """Send the live register's outbox to the SMTP server (as `flask notify send` does) and
    return the path of the set-password link in the last email to `to`."""
    inbox, port = mailbox
    app = make_app(f"sqlite:///{tmp_path / 'live.sqlite'}", tmp_path, MAIL_PORT=port)
    with app.app_context():
        send_pending(db.session, MailSettings.from_config(current_app.config))
        db.session.remove()
        db.engine.dispose()
    sent = [m for m in inbox.messages if m["To"] == to]
    assert sent, f"no email reached {to}"
    return link_in(sent[-1].get_payload(decode=True).decode())


def sign_in(page: Any, base: str, email: str, password: str) -> None:
    page.goto(base + "/auth/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_an_invited_person_sets_their_password_and_signs_in(
    browser: Any, page: Any, live_server: str, tmp_path: Path, mailbox: tuple[Inbox, int]
) -> None:
    sign_in(page, live_server, "admin@example.gov.uk", DEMO_PASSWORD)
    page.goto(live_server + "/admin/people/new")
    expect(page.get_by_label("Temporary password")).to_have_count(0)
    expect(page.locator("input[type=password]")).to_have_count(0)
    page.get_by_label("Email address").fill("nia.newcomer@example.gov.uk")
    page.get_by_label("Full name").fill("Nia Newcomer")
    page.get_by_label("Official", exact=True).check()  # no approval needed: invited at once
    page.get_by_label("Department", exact=True).select_option(index=1)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("An email invites them to set their own password")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Nia Newcomer")
    expect(row).to_contain_text("Invitation sent")
    assert_accessible(page)
    page.get_by_role("link", name="Nia Newcomer").click()
    expect(page.get_by_role("button", name="Send a new invitation")).to_be_visible()
    assert_accessible(page)

    path = deliver(tmp_path, mailbox, "nia.newcomer@example.gov.uk")
    invited = browser.new_context().new_page()
    invited.goto(live_server + path)
    expect(invited.get_by_role("heading", name="Set your password")).to_be_visible()
    assert_accessible(invited)
    invited.get_by_label("New password", exact=True).fill("too-short")
    invited.get_by_label("Confirm new password").fill("too-short")
    invited.get_by_role("button", name="Set password").click()
    expect(invited.locator(".govuk-error-summary")).to_contain_text("at least 12 characters")
    assert invited.title().startswith("Error: ")
    assert_accessible(invited)
    invited.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    invited.get_by_label("Confirm new password").fill(NEW_PASSWORD)
    invited.get_by_role("button", name="Set password").click()
    expect(invited.get_by_text("Your password is set")).to_be_visible()
    assert invited.url.endswith("/auth/sign-in")
    sign_in(invited, live_server, "nia.newcomer@example.gov.uk", NEW_PASSWORD)

    # Nia turns on two-factor authentication, and from then on signs in with a code too.
    invited.get_by_role("link", name="Two-factor authentication").click()
    invited.get_by_role("button", name="Set up two-factor authentication").click()
    totp = pyotp.TOTP(invited.locator("#secret-key").inner_text().replace(" ", ""))
    invited.get_by_label("Code from your authenticator app").fill(totp.now())
    invited.get_by_role("button", name="Turn on two-factor authentication").click()
    expect(invited.get_by_role("heading", name="Save your recovery codes")).to_be_visible()
    invited.get_by_role("button", name="I have saved my recovery codes, continue").click()
    invited.get_by_role("button", name="Sign out").click()
    invited.get_by_label("Email address").fill("nia.newcomer@example.gov.uk")
    invited.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    invited.get_by_role("button", name="Sign in").click()
    expect(invited.get_by_role("button", name="Sign out")).to_have_count(0)  # not yet
    # The code used at set-up is spent: the app's next one (one step of drift is allowed).
    invited.get_by_label("Code from your authenticator app").fill(totp.at(time.time() + 30))
    invited.get_by_role("button", name="Continue").click()
    expect(invited.get_by_role("button", name="Sign out")).to_be_visible()

    invited.goto(live_server + path)  # the link is used up
    expect(invited.get_by_role("heading", name="This link does not work any more")).to_be_visible()
    assert_accessible(invited)
    page.reload()
    expect(page.get_by_text("has set their own password")).to_be_visible()
    invited.context.close()


def test_a_forgotten_password_reset_ends_the_old_session_and_api_token(
    browser: Any, page: Any, live_server: str, tmp_path: Path, mailbox: tuple[Inbox, int]
) -> None:
    email = "auditor@example.gov.uk"
    sign_in(page, live_server, email, DEMO_PASSWORD)  # the old session, say on another computer
    app = make_app(f"sqlite:///{tmp_path / 'live.sqlite'}", tmp_path)
    with app.app_context():
        auditor = db.session.scalar(select(User).where(User.email == email))
        _, token = make_token(db.session, auditor, "reporting")
        db.session.commit()
        db.session.remove()
        db.engine.dispose()

    api = browser.new_context()  # no cookies: the token alone

    def api_status() -> int:
        response = api.request.get(
            live_server + "/api/v1/completeness?cycle=2026/27",
            headers={"Authorization": f"Bearer {token}"},
        )
        return int(response.status)

    assert api_status() == 200

    forgetful = browser.new_context().new_page()
    forgetful.goto(live_server + "/auth/sign-in")
    forgetful.get_by_role("link", name="Forgot your password?").click()
    expect(forgetful.get_by_role("heading", name="Reset your password")).to_be_visible()
    assert_accessible(forgetful)
    forgetful.get_by_role("button", name="Send me a link").click()
    expect(forgetful.locator(".govuk-error-summary")).to_contain_text("Enter your email address")
    assert_accessible(forgetful)
    forgetful.get_by_label("Email address").fill(email)
    forgetful.get_by_role("button", name="Send me a link").click()
    expect(forgetful.get_by_role("heading", name="Check your email")).to_be_visible()
    assert_accessible(forgetful)

    path = deliver(tmp_path, mailbox, email)
    forgetful.goto(live_server + path)
    expect(forgetful.get_by_role("heading", name="Choose a new password")).to_be_visible()
    assert_accessible(forgetful)
    forgetful.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    forgetful.get_by_label("Confirm new password").fill(NEW_PASSWORD)
    forgetful.get_by_role("button", name="Set password").click()
    expect(forgetful.get_by_text("Your password is set")).to_be_visible()

    page.goto(live_server + "/audit/")  # the old session is dead
    assert "/auth/sign-in" in page.url
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    assert api_status() == 401  # and so is the API token
    sign_in(forgetful, live_server, email, NEW_PASSWORD)
    forgetful.context.close()
    api.close()
