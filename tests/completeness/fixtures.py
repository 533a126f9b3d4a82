"""Fixtures shared by the completeness, export, public-register and API tests."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from register.auth import passwords
from register.models import Department
from tests.completeness.mix import TODAY, Mix, build_mix


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real Argon2 hashes with a low work factor, so creating and signing in users is quick."""
    monkeypatch.setattr(
        passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture
def mix(department: Department, monkeypatch: pytest.MonkeyPatch) -> Mix:
    """The known mix, with the register's 'today' fixed at its date."""
    monkeypatch.setattr("register.web.uk_today", lambda: TODAY)
    return build_mix(department)
