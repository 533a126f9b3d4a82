"""Browser tests: the demo app served by a real WSGI server, driven in Debian's Chromium."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from register.extensions import db
from tests.conftest import IN_CI, demo_file, make_app

AXE = Path(__file__).parent / "vendor" / "axe.min.js"  # axe-core, MPL-2.0
BLOCKING = ("serious", "critical")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not os.path.exists(CHROMIUM):
        if IN_CI:
            pytest.fail(f"{CHROMIUM} is missing: CI must install Debian's chromium")
        pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM}: apt-get install chromium")
    return CHROMIUM


@pytest.fixture(scope="session")
def demo_template(migrated_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file with the demo loaded (on the real today), built once per session."""
    return demo_file(migrated_template, tmp_path_factory.mktemp("demo"))


@pytest.fixture
def live_server(demo_template: Path, tmp_path: Path) -> Iterator[str]:
    """The demo app with CSRF on, served on a free localhost port by a real WSGI server."""
    path = tmp_path / "live.sqlite"
    shutil.copy(demo_template, path)
    app = make_app(f"sqlite:///{path}", tmp_path, WTF_CSRF_ENABLED=True)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, live_server: str) -> Iterator[Any]:
    """A fresh browser page, closed before the live server stops (so a request still in flight
    cannot end as a connection-refused console error)."""
    context = browser.new_context()
    page = context.new_page()
    problems: list[str] = []
    # Script and CSP errors. A page answered with an error status (a form with errors is a 400)
    # also logs "Failed to load resource"; broken assets are caught by the listeners below.
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on(
        "response",
        lambda r: (
            problems.append(f"{r.status} for {r.url}")
            if r.status >= 400 and r.request.resource_type != "document"
            else None
        ),
    )
    page.on(  # ERR_ABORTED: the test moved on to another page while this one still loaded
        "requestfailed",
        lambda r: (
            problems.append(f"{r.failure} for {r.url}") if r.failure != "net::ERR_ABORTED" else None
        ),
    )
    yield page
    context.close()
    assert not problems, f"browser console errors and failed requests: {problems}"


def violations(page: Any) -> list[str]:
    """axe-core's serious and critical violations on the page.

    axe is served as if from the page's own origin, so it loads under the app's CSP
    (script-src 'self'); the app itself never serves it.
    """
    origin = page.evaluate("location.origin")
    url = f"{origin}/__test_axe__.js"
    page.route(url, lambda route: route.fulfill(path=str(AXE), content_type="text/javascript"))
    page.add_script_tag(url=url)
    page.unroute(url)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['impact']} {v['id']}: {v['help']} at "
        + ", ".join(" ".join(node["target"]) for node in v["nodes"][:3])
        for v in result["violations"]
        if v["impact"] in BLOCKING
    ]


def assert_accessible(page: Any) -> None:
    page.wait_for_load_state()
    problems = violations(page)
    assert not problems, f"{page.url}: {problems}"
