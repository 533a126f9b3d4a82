"""Fixtures shared by the completeness, export, public-register and API tests."""

from __future__ import annotations

import pytest

from register.models import Department
from tests.completeness.mix import TODAY, Mix, build_mix


@pytest.fixture
def mix(department: Department, monkeypatch: pytest.MonkeyPatch) -> Mix:
    """The known mix, with the register's 'today' fixed at its date."""
    monkeypatch.setattr("register.clock.today", lambda: TODAY)
    return build_mix(department)
