"""Shared by the foundation tests: cheap Argon2 and no signed-in user leaking between requests.

Other test packages import these autouse fixtures from here (see their conftest.py).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher
from flask import g
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket

from register.auth import passwords


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Real Argon2 hashes checked by the real code, with a lower work factor."""
    monkeypatch.setattr(
        passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    yield


class _MemoryBytecodeCache(BytecodeCache):
    """Compiled templates shared by every test's app (Jinja checks each against its source)."""

    def __init__(self) -> None:
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self.store:
            bucket.bytecode_from_string(self.store[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.store[bucket.key] = bucket.bytecode_to_string()


_TEMPLATES = _MemoryBytecodeCache()


def _clear_g(exc: BaseException | None) -> None:
    for name in list(g):
        g.pop(name, None)


@pytest.fixture(autouse=True)
def fresh_login_state(request: pytest.FixtureRequest) -> None:
    """Give every request a fresh `g`, as in production.

    The `app` fixture keeps an application context pushed for the whole test, so Flask reuses one
    `g` for every request: Flask-Login's cached `g._login_user` would carry one client's user into
    another client's request (an anonymous client would see an admin page), and Flask-WTF's cached
    `g.csrf_token` would outlive the session it belongs to.
    """
    for name in ("app", "pg_app"):
        if name in request.fixturenames:
            app = request.getfixturevalue(name)
            app.teardown_request(_clear_g)
            app.jinja_env.bytecode_cache = _TEMPLATES  # speed only: templates compile once
