"""Two-factor authentication in the browser: set it up from the account page (the secret read
from the page, the code computed with pyotp as an authenticator app does), sign out, sign in with
the password and a code; a wrong code; a recovery code. Every new page passes axe-core."""

from __future__ import annotations

import time
from typing import Any

import pyotp
from playwright.sync_api import expect

from register.demo.build import DEMO_PASSWORD
from tests.browser.conftest import assert_accessible

OFFICIAL = "isabelle.trowe@example.gov.uk"


def password_step(page: Any, base: str) -> None:
    page.goto(base + "/auth/sign-in")
    page.get_by_label("Email address").fill(OFFICIAL)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def sign_out(page: Any) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_set_up_then_sign_in_with_a_code(page: Any, live_server: str) -> None:
    password_step(page, live_server)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()  # not required: signed in
    page.get_by_role("link", name="Two-factor authentication").click()
    assert_accessible(page)
    page.get_by_role("button", name="Set up two-factor authentication").click()
    expect(page.get_by_role("heading", name="Set up two-factor authentication")).to_be_visible()
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    assert_accessible(page)
    totp = pyotp.TOTP(page.locator("#secret-key").inner_text().replace(" ", ""))

    page.get_by_label("Code from your authenticator app").fill("12345")
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a correct code")
    expect(page).to_have_title("Error: Set up two-factor authentication – Register of interests")
    assert_accessible(page)

    page.get_by_label("Code from your authenticator app").fill(totp.now())
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    expect(page.get_by_role("heading", name="Save your recovery codes")).to_be_visible()
    codes = page.locator(".register-recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    assert_accessible(page)
    page.get_by_role("button", name="I have saved my recovery codes, continue").click()
    expect(page.get_by_text("Recovery codes left")).to_be_visible()
    sign_out(page)

    password_step(page, live_server)
    expect(
        page.get_by_role("heading", name="Enter the code from your authenticator app")
    ).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    assert_accessible(page)
    page.get_by_label("Code from your authenticator app").fill("000000")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a correct code")
    assert_accessible(page)
    # The code used at set-up cannot be used again: the app's next one is (one step of drift).
    page.get_by_label("Code from your authenticator app").fill(totp.at(time.time() + 30))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    sign_out(page)

    password_step(page, live_server)
    page.get_by_label("Code from your authenticator app").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("You signed in with a recovery code")).to_be_visible()
    page.goto(live_server + "/auth/two-factor")
    expect(page.get_by_text("9 of 10")).to_be_visible()

    # The identity check before a privileged change, with an error.
    page.goto(live_server + "/auth/confirm-identity?next=/auth/two-factor")
    page.get_by_label("Password", exact=True).fill("not-my-password")
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_title("Error: Confirm it is you – Register of interests")
    assert_accessible(page)
