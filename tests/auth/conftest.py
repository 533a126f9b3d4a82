"""Fixtures of the sign-in tests: a clock that stands still until the test moves it (`clock`),
and one that moves in whole TOTP steps (`moving_clock`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from register import clock as register_clock
from tests.auth.two_factor_helpers import moving_clock  # noqa: F401 - fixture


class StoppedClock:
    """`register.clock.utcnow`, stopped at one instant; `advance` moves it on."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> StoppedClock:
    stopped = StoppedClock()
    monkeypatch.setattr(register_clock, "utcnow", stopped)
    return stopped
