"""Single sign-on in the browser, end to end, against a real OpenID provider (oidc-provider on
Node.js, tests/oidc_provider/): its own login page, the authorization code flow with PKCE,
the register's ID-token checks, matching by verified email, and sign-out at both ends."""

from __future__ import annotations

import json
import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import select
from werkzeug.serving import make_server

from register import clock
from register.extensions import db
from register.models import AuditEntry
from tests.browser.conftest import assert_accessible
from tests.conftest import make_app
from tests.oidc_provider import running_provider

CLIENT_ID = "register-of-interests"
CLIENT_SECRET = "a-client-secret-for-the-tests-only"
PROVIDER_NAME = "Test Provider"
# Logins typed on the provider's form, and the claims each signs in with.
ACCOUNTS = {
    # A demo official; the provider spells the address with other capitals.
    "mark": {"email": "Mark.Ellis@Example.gov.uk", "email_verified": True, "name": "Mark Ellis"},
    "stranger": {"email": "nobody@example.org", "email_verified": True, "name": "No Body"},
}


PROVIDER_LOGIN = re.compile(r"/interaction/[^/?]+$")  # the provider's login form posts here


@dataclass(frozen=True)
class SingleSignOnSite:
    url: str
    app: Flask
    issuer: str


@pytest.fixture
def register_config() -> dict[str, Any]:
    """The register's extra configuration; a test parametrizes it to change it."""
    return {}


@pytest.fixture
def sso_site(
    demo_template: Path, tmp_path: Path, register_config: dict[str, Any]
) -> Iterator[SingleSignOnSite]:
    """The demo register, served on a free port, signing people in through the provider, which
    knows the register's redirect URI on that port."""
    path = tmp_path / "live.sqlite"
    shutil.copy(demo_template, path)
    serving: dict[str, Flask] = {}
    server = make_server(
        "127.0.0.1", 0, lambda environ, start: serving["app"](environ, start), threaded=True
    )
    base = f"http://127.0.0.1:{server.server_port}"
    with running_provider(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uri=f"{base}/auth/sso/callback",
        post_logout_redirect_uri=f"{base}/auth/sign-in",
        accounts=ACCOUNTS,
        log=tmp_path / "provider.log",
    ) as issuer:
        serving["app"] = app = make_app(
            f"sqlite:///{path}",
            tmp_path,
            WTF_CSRF_ENABLED=True,
            BASE_URL=base,
            OIDC_ISSUER=issuer,
            OIDC_CLIENT_ID=CLIENT_ID,
            OIDC_CLIENT_SECRET=CLIENT_SECRET,
            OIDC_PROVIDER_NAME=PROVIDER_NAME,
            **register_config,
        )
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield SingleSignOnSite(base, app, issuer)
        server.shutdown()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def live_server(sso_site: SingleSignOnSite) -> str:
    """The browser conftest's `page` closes before this server stops."""
    return sso_site.url


def sign_in_at_provider(page: Any, login: str) -> None:
    """On the provider's own (development) login page: any password is accepted."""
    expect(page.locator("input[name=login]")).to_be_visible()
    assert page.url.startswith("http://127.0.0.1:")
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("any password")
    page.get_by_role("button", name="Sign-in").click()


def audit_details(site: SingleSignOnSite, action: str) -> list[dict[str, Any]]:
    """The details of each audit entry of `action`, oldest first."""
    with site.app.app_context():
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
        )
        details = [json.loads(entry.details or "{}") for entry in entries]
        db.session.remove()
    return details


def test_sso_signs_in_the_matching_account_and_sign_out_ends_both_sessions(
    page: Any, browser: Any, sso_site: SingleSignOnSite
) -> None:
    base = sso_site.url
    # Signed out, a page of the register sends the browser to sign in, with the way back.
    page.goto(base + "/declarations/")
    sign_in_button = page.get_by_role("button", name=f"Sign in with {PROVIDER_NAME}")
    expect(sign_in_button).to_be_visible()
    expect(page.get_by_label("Password", exact=True)).to_be_visible()  # both ways, by default
    assert_accessible(page)
    with page.expect_request(lambda r: r.url.startswith(sso_site.issuer + "/auth?")) as asked:
        sign_in_button.click()

    # The register asked the provider for the code flow with PKCE (S256), state and nonce.
    authorization = dict(parse_qsl(urlsplit(asked.value.url).query))
    assert authorization["response_type"] == "code"
    assert authorization["code_challenge_method"] == "S256" and authorization["code_challenge"]
    assert authorization["state"] and authorization["nonce"]
    assert authorization["redirect_uri"] == base + "/auth/sso/callback"
    assert authorization["scope"] == "openid email profile"
    sign_in_at_provider(page, "mark")

    # Back in the register as Mark Ellis (matched by his verified email), where he was going.
    expect(page.get_by_text("Mark Ellis (Official)")).to_be_visible()
    assert urlsplit(page.url).path == "/declarations/"
    assert audit_details(sso_site, "auth.sign_in")[-1] == {
        "method": "oidc",
        "issuer": sso_site.issuer,
        "subject": "mark",
        "linked": True,  # the first single sign-on links the identity to the account
    }
    register_cookies = [c for c in page.context.cookies() if c["name"] == "session"]
    assert register_cookies

    # Sign out: the register's session ends, then the provider's (RP-initiated logout).
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Do you want to sign-out from")).to_be_visible()
    page.get_by_role("button", name="Yes, sign me out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    assert urlsplit(page.url).path == "/auth/sign-in"
    assert audit_details(sso_site, "auth.sign_out")

    # Going back, or replaying the old session cookie elsewhere, finds the register signed out.
    page.go_back()
    page.goto(base + "/declarations/")
    expect(page.get_by_role("button", name=f"Sign in with {PROVIDER_NAME}")).to_be_visible()
    replay = browser.new_context()
    replay.add_cookies(register_cookies)
    replayed = replay.new_page()
    response = replayed.goto(base + "/declarations/")
    assert urlsplit(replayed.url).path == "/auth/sign-in", response.status
    replay.close()

    # The provider's session ended too: signing in again asks for the login again.
    page.get_by_role("button", name=f"Sign in with {PROVIDER_NAME}").click()
    expect(page.locator("input[name=login]")).to_be_visible()


def test_an_email_the_register_does_not_know_is_refused(
    page: Any, sso_site: SingleSignOnSite
) -> None:
    page.goto(sso_site.url + "/auth/sign-in")
    page.get_by_role("button", name=f"Sign in with {PROVIDER_NAME}").click()
    with page.expect_response(lambda r: "/auth/sso/callback" in r.url) as answer:
        sign_in_at_provider(page, "stranger")
    assert answer.value.status == 403
    expect(page.get_by_role("heading", name="You cannot sign in to the register")).to_be_visible()
    expect(page.get_by_text("signed you in as nobody@example.org")).to_be_visible()
    expect(page.get_by_text("Ask the register team")).to_be_visible()
    assert_accessible(page)
    assert audit_details(sso_site, "auth.sso_refused")[-1] == {
        "method": "oidc",
        "issuer": sso_site.issuer,
        "subject": "stranger",
        "email": "nobody@example.org",
        "reason": "unknown",
    }
    page.goto(sso_site.url + "/declarations/")
    assert urlsplit(page.url).path == "/auth/sign-in"


def test_a_tampered_or_stolen_answer_is_refused(
    page: Any, browser: Any, sso_site: SingleSignOnSite
) -> None:
    """The provider's answer counts only in the browser that started the sign-in, with its state:
    the state is changed, or the answer is opened in another browser (a stolen code)."""
    captured: list[str] = []

    def hold_the_answer(route: Any) -> None:
        """Submit the provider's login form and follow its redirects by hand (the browser's
        cookies, no browser), keeping the provider's answer for the register unopened."""
        response = route.fetch(max_redirects=0)
        while "/auth/sso/callback?" not in response.headers["location"]:
            response = page.request.get(
                urljoin(route.request.url, response.headers["location"]), max_redirects=0
            )
        captured.append(response.headers["location"])
        route.fulfill(status=200, content_type="text/html", body="<title>held</title>")

    page.goto(sso_site.url + "/auth/sign-in")
    page.get_by_role("button", name=f"Sign in with {PROVIDER_NAME}").click()
    page.route(PROVIDER_LOGIN, hold_the_answer)
    sign_in_at_provider(page, "mark")
    expect(page).to_have_title("held")
    page.unroute(PROVIDER_LOGIN)
    answer = captured[0]
    query = dict(parse_qsl(urlsplit(answer).query))
    assert query["code"] and query["state"]

    tampered = answer.split("?")[0] + "?" + urlencode({**query, "state": query["state"] + "x"})
    response = page.goto(tampered)
    assert response.status == 400
    expect(page.get_by_role("heading", name="Sign-in did not work")).to_be_visible()
    assert_accessible(page)

    other_browser = browser.new_context()
    stolen = other_browser.new_page().goto(answer)
    assert stolen.status == 400
    other_browser.close()

    failures = audit_details(sso_site, "auth.sso_failed")
    assert [failure["issuer"] for failure in failures] == [sso_site.issuer] * 2
    assert not [d for d in audit_details(sso_site, "auth.sign_in") if d.get("method") == "oidc"]

    # The untouched answer, in the browser that asked, still signs in: the refusals were the
    # state's doing. Then it is spent: replaying it is refused.
    page.goto(answer)
    expect(page.get_by_text("Mark Ellis (Official)")).to_be_visible()
    assert page.goto(answer).status == 400


@pytest.mark.parametrize("register_config", [{"PASSWORD_SIGN_IN": False}])
def test_with_password_sign_in_off_only_single_sign_on_is_offered(
    page: Any, sso_site: SingleSignOnSite
) -> None:
    page.goto(sso_site.url + "/auth/sign-in")
    expect(page.get_by_role("button", name=f"Sign in with {PROVIDER_NAME}")).to_be_visible()
    expect(page.get_by_label("Password", exact=True)).to_have_count(0)
    expect(page.get_by_label("Email address")).to_have_count(0)
    assert_accessible(page)
    # A password posted anyway (the form as it was) is refused, with the way that works.
    refused = page.request.post(
        sso_site.url + "/auth/sign-in",
        form={"email": "mark.ellis@example.gov.uk", "password": "anything"},
    )
    assert refused.status in (400, 403)
    page.get_by_role("button", name=f"Sign in with {PROVIDER_NAME}").click()
    sign_in_at_provider(page, "mark")
    expect(page.get_by_text("Mark Ellis (Official)")).to_be_visible()


def test_a_privileged_change_asks_for_a_new_sign_in_at_the_provider(
    page: Any, browser: Any, sso_site: SingleSignOnSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Someone signed in with single sign-on has no register password for the identity check:
    after RECENT_SIGN_IN_MINUTES they sign in at the provider again (prompt=login), then go on."""
    base = sso_site.url
    other = browser.new_context().new_page()
    for browser_page in (page, other):
        browser_page.goto(base + "/auth/sign-in")
        browser_page.get_by_role("button", name=f"Sign in with {PROVIDER_NAME}").click()
        sign_in_at_provider(browser_page, "mark")
        expect(browser_page.get_by_text("Mark Ellis (Official)")).to_be_visible()

    later = clock.utcnow() + timedelta(minutes=11)  # the sign-in is no longer recent
    monkeypatch.setattr(clock, "utcnow", lambda: later)
    page.goto(base + "/auth/sessions")
    sign_out_other = page.locator("form", has=page.locator("input[name=session_id]"))
    with page.expect_request(lambda r: r.url.startswith(sso_site.issuer + "/auth?")) as asked:
        sign_out_other.get_by_role("button").click()
    authorization = dict(parse_qsl(urlsplit(asked.value.url).query))
    assert authorization["prompt"] == "login" and authorization["max_age"] == "0"
    sign_in_at_provider(page, "mark")  # the provider asks again, although it knows Mark

    # Back on the sessions page, identity proved: the change goes ahead this time.
    expect(page.get_by_text("Confirm it is you, then make the change again.")).to_be_visible()
    assert urlsplit(page.url).path == "/auth/sessions"
    assert audit_details(sso_site, "auth.identity_confirmed")[-1]["same_identity"] is True
    sign_out_other.get_by_role("button").click()
    expect(page.get_by_text("Signed out the other session.")).to_be_visible()
    other.goto(base + "/declarations/")
    assert urlsplit(other.url).path == "/auth/sign-in"
    other.context.close()
