"""Two-factor test helpers: a clock the test moves, and the set-up done through the pages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pyotp
import pytest
from flask.testing import FlaskClient

from register.clock import utcnow

SECRET_ON_PAGE = re.compile(r'id="secret-key">([A-Z2-7 ]+)</code>')
RECOVERY_ON_PAGE = re.compile(r"<li><code>([a-z0-9-]{19})</code></li>")


@dataclass
class MovingClock:
    """register.clock.utcnow, moved by the test (the start of a 30-second step, plus a second)."""

    moment: datetime

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


@pytest.fixture
def moving_clock(monkeypatch: pytest.MonkeyPatch) -> MovingClock:
    now = utcnow()
    start = now.replace(microsecond=0) - timedelta(seconds=now.second % 30) + timedelta(seconds=1)
    clock = MovingClock(start)
    monkeypatch.setattr("register.clock.utcnow", lambda: clock.moment)
    return clock


def code_at(secret: str, moment: datetime) -> str:
    """What an authenticator app shows at `moment` (pyotp, as the app computes it)."""
    return pyotp.TOTP(secret).at(moment)


def secret_on(page: str) -> str:
    match = SECRET_ON_PAGE.search(page)
    assert match, "no secret key on the set-up page"
    return match.group(1).replace(" ", "")


def set_up_on(client: FlaskClient, url: str, clock: MovingClock) -> tuple[str, list[str], Any]:
    """Set up two-factor authentication on the page at `url`: (secret, recovery codes, the
    response that showed them)."""
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    secret = secret_on(page.get_data(as_text=True))
    shown = client.post(url, data={"code": code_at(secret, clock.moment)})
    assert shown.status_code == 200, shown.get_data(as_text=True)[:2000]
    codes = RECOVERY_ON_PAGE.findall(shown.get_data(as_text=True))
    assert len(codes) == 10
    clock.advance(seconds=30)  # the next code is a new one
    return secret, codes, shown
