"""Strangers hammer an official's account from another browser: the official still signs in
from their own browser, the administrator sees the account's sign-in delays on the person page
and unlocks it; the pages pass axe-core."""

from __future__ import annotations

import os
from typing import Any

from playwright.sync_api import expect

from register.auth.services import GENERIC_ERROR
from tests.browser.conftest import assert_accessible
from tests.browser.test_filing import sign_in

OFFICIAL = "sam.okafor@example.gov.uk"
SHOTS = os.environ.get("SHOTS_DIR")


def try_password(page: Any, base: str, email: str, password: str) -> None:
    page.goto(base + "/auth/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_the_owner_signs_in_while_strangers_hammer_and_an_administrator_unlocks(
    page: Any, browser: Any, live_server: str
) -> None:
    sign_in(page, live_server, OFFICIAL)  # the official's own browser: a device cookie
    page.get_by_role("button", name="Sign out").click()

    stranger = browser.new_context()
    attacker = stranger.new_page()
    for n in range(6):
        try_password(attacker, live_server, OFFICIAL, f"guess-number-{n}-xyz")
    expect(attacker.get_by_text(GENERIC_ERROR).first).to_be_visible()
    stranger.close()

    sign_in(page, live_server, OFFICIAL)  # not locked out
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, live_server, "admin@example.gov.uk")
    page.goto(live_server + "/admin/people?q=okafor")
    expect(page.get_by_text("Sign-in delayed")).to_be_visible()
    page.get_by_role("link", name="Sam Okafor").click()
    expect(page.get_by_role("heading", name="Sign-in delays")).to_be_visible()
    assert_accessible(page)
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/person-throttled.png", full_page=True)
    page.get_by_role("button", name="Unlock account").click()
    expect(page.get_by_text("Cleared the sign-in delays of Sam Okafor's account")).to_be_visible()
    expect(
        page.get_by_text("Sign-in attempts on this account are not being delayed.")
    ).to_be_visible()
    assert_accessible(page)
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/person-unlocked.png", full_page=True)
